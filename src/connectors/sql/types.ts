/**
 * The small surface every SQL dialect implements, so the extract source and
 * the upsert sink are written once: open a connection (read-only with a
 * statement timeout for extracts), quote identifiers, number parameters and
 * build the upsert statement.
 */

/**
 * A row as the driver returns it: column name → value.
 *
 * @example
 * ```ts
 * const row: Row = { id: 1, updated_at: '2026-11-23 12:00:00.000001+00' };
 * ```
 */
export type Row = Record<string, unknown>;

/**
 * Which database a connector talks to.
 *
 * @example
 * ```ts
 * const name: DialectName = 'mysql'; // MySQL and MariaDB
 * ```
 */
export type DialectName = 'postgres' | 'mysql' | 'sqlite';

/**
 * How to reach the database; the password is already resolved at connect time.
 *
 * @example
 * ```ts
 * const options: ConnectOptions = { host: '127.0.0.1', user: 'reader', readOnly: true, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 };
 * ```
 */
export interface ConnectOptions {
  host: string;
  port?: number | undefined;
  database?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  /** PostgreSQL / MySQL URL; wins over host/port/user when set. */
  connectionString?: string | undefined;
  /** SQLite database file. */
  file?: string | undefined;
  /** Read-only session: extracts set it, sinks do not. */
  readOnly: boolean;
  /** Server-side statement timeout in ms (0 = none). */
  statementTimeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * One open connection. Every method throws driver errors unclassified; callers classify.
 *
 * @example
 * ```ts
 * const conn: SqlConnection = await postgres.connect(options);
 * const rows = await conn.query('SELECT id FROM t WHERE id > $1', [10]);
 * ```
 */
export interface SqlConnection {
  /** Runs a statement and returns its rows (empty for statements without rows). */
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * What changes an existing row on a key conflict.
 *
 * @example
 * ```ts
 * const mode: UpsertMode = { kind: 'last-write-wins', versionColumn: 'updated_at' };
 * ```
 */
export type UpsertMode =
  | { kind: 'overwrite' }
  | { kind: 'first-write-wins' }
  | { kind: 'last-write-wins'; versionColumn: string };

/**
 * One multi-row upsert to build.
 *
 * @example
 * ```ts
 * postgres.upsert({ table: '"t"', columns: ['id', 'name'], keyColumns: ['id'], rows: [[1, 'a']], mode: { kind: 'overwrite' } });
 * ```
 */
export interface UpsertSpec {
  table: string;
  columns: readonly string[];
  keyColumns: readonly string[];
  rows: readonly (readonly unknown[])[];
  mode: UpsertMode;
}

/**
 * A statement and its parameters.
 *
 * @example
 * ```ts
 * const { sql, params }: Statement = postgres.upsert(spec);
 * ```
 */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * A database dialect.
 *
 * @example
 * ```ts
 * const d: Dialect = dialectFor('sqlite');
 * d.quoteIdent('order'); // "order"
 * ```
 */
export interface Dialect {
  readonly name: DialectName;
  /** Opens a connection; read-only sessions get the timeout and read-only flag before first use. */
  connect(options: ConnectOptions): Promise<SqlConnection>;
  /** Quotes one already-validated identifier part (`schema.table` is quoted part by part by the caller). */
  quoteIdent(part: string): string;
  /** The placeholder for the n-th (1-based) parameter. */
  param(n: number): string;
  /** Most parameters one statement may carry. */
  readonly maxParams: number;
  /** A multi-row upsert honouring the conflict mode. */
  upsert(spec: UpsertSpec): Statement;
  /** Locks rows read inside a transaction (`FOR UPDATE`), or '' where the transaction already does. */
  readonly lockSuffix: string;
}
