/**
 * The connection part of both SQL connectors' config, and one guarded,
 * logged, reconnecting connection built from it.
 */
import { z } from 'zod';
import type { ConnectorContext } from '../../core/connector.js';
import { parseDuration } from '../../core/duration.js';
import { secretRef } from '../../core/secrets/schema.js';
import { dialectFor } from './dialects/index.js';
import { sqlError } from './errors.js';
import type { ConnectOptions, Dialect, DialectName, SqlConnection } from './types.js';

const duration = z.union([z.number().nonnegative(), z.string()]).refine(
  (v) => {
    try {
      parseDuration(v);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'a duration: milliseconds or a string like "30s", "5m"' },
);

/**
 * The connection fields shared by `sql-extract` and `sql-upsert`.
 *
 * @example
 * ```ts
 * z.object({ ...connectionFields }).parse({ dialect: 'postgres', host: '127.0.0.1', database: 'hr', user: 'reader', password: 'env:HR_DB_PASSWORD' });
 * ```
 */
export const connectionFields = {
  dialect: z
    .enum(['postgres', 'mysql', 'sqlite'])
    .meta({ description: 'Database kind; `mysql` also covers MariaDB', examples: ['postgres'] }),
  host: z.string().min(1).default('127.0.0.1').meta({ description: 'Server host' }),
  port: z
    .number()
    .int()
    .positive()
    .max(65535)
    .optional()
    .meta({ description: 'Server port (default 5432 / 3306)' }),
  database: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Database name', examples: ['hr'] }),
  user: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'Role / user name', examples: ['reader'] }),
  password: secretRef('Password reference, resolved at connect time').optional(),
  connectionString: secretRef(
    'Reference to a postgres:// or mysql:// URL (it may hold credentials); wins over host/port/user',
  )
    .optional()
    .meta({ advanced: true }),
  file: z
    .string()
    .min(1)
    .optional()
    .meta({ description: 'SQLite database file (sqlite only)', examples: ['data/hr.db'] }),
  statementTimeout: duration.default('30s').meta({
    description:
      'Server-side statement timeout; a longer statement is cancelled and classified `timeout`. SQLite: busy timeout only',
  }),
  connectTimeout: duration.default('10s').meta({ advanced: true }),
};

/**
 * The parsed connection fields.
 *
 * @example
 * ```ts
 * const cfg: ConnectionConfig = { dialect: 'postgres', host: '127.0.0.1', statementTimeout: '30s', connectTimeout: '10s' };
 * ```
 */
export interface ConnectionConfig {
  dialect: DialectName;
  host: string;
  port?: number | undefined;
  database?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  connectionString?: string | undefined;
  file?: string | undefined;
  statementTimeout: number | string;
  connectTimeout: number | string;
}

/**
 * Cross-field rule: SQLite needs `file`; the servers must not get one.
 *
 * @example
 * ```ts
 * z.object(connectionFields).superRefine(connectionRules);
 * ```
 */
export function connectionRules(cfg: ConnectionConfig, ctx: z.RefinementCtx): void {
  if (cfg.dialect === 'sqlite' && !cfg.file) {
    ctx.addIssue({ code: 'custom', path: ['file'], message: 'sqlite needs a file' });
  }
  if (cfg.dialect !== 'sqlite' && cfg.file) {
    ctx.addIssue({ code: 'custom', path: ['file'], message: 'file is for sqlite only' });
  }
}

/**
 * Where a connection goes, safe to log (no credentials).
 *
 * @example
 * ```ts
 * describeTarget({ dialect: 'mysql', host: 'db', database: 'hr', statementTimeout: 0, connectTimeout: 0 }); // 'mysql://db:3306/hr'
 * ```
 */
export function describeTarget(cfg: ConnectionConfig): string {
  if (cfg.dialect === 'sqlite') return `sqlite:${cfg.file}`;
  if (cfg.connectionString) return `${cfg.dialect}:${cfg.connectionString}`;
  return `${cfg.dialect}://${cfg.host}:${cfg.port ?? (cfg.dialect === 'postgres' ? 5432 : 3306)}/${cfg.database ?? ''}`;
}

/**
 * One database connection used through the integration's policy pipeline:
 * every statement is guarded, logged once and classified, and a connection
 * that failed is replaced on the next attempt.
 *
 * @example
 * ```ts
 * const db = await GuardedConnection.open(cfg, ctx, { readOnly: true });
 * const rows = await db.call(ctx, 'SELECT', (conn) => conn.query('SELECT 1'));
 * ```
 */
export class GuardedConnection {
  #conn: SqlConnection | undefined;
  readonly dialect: Dialect;
  readonly target: string;

  private constructor(
    private readonly options: ConnectOptions,
    dialect: Dialect,
    target: string,
  ) {
    this.dialect = dialect;
    this.target = target;
  }

  /** Resolves the secrets and connects (through the guard). */
  static async open(
    cfg: ConnectionConfig,
    ctx: Pick<ConnectorContext, 'secrets' | 'guard' | 'recordCall' | 'signal'>,
    opts: { readOnly: boolean },
  ): Promise<GuardedConnection> {
    const password = cfg.password ? (await ctx.secrets.resolve(cfg.password)).reveal() : undefined;
    const url = cfg.connectionString
      ? (await ctx.secrets.resolve(cfg.connectionString)).reveal()
      : undefined;
    const options: ConnectOptions = {
      host: cfg.host,
      port: cfg.port,
      database: cfg.database,
      user: cfg.user,
      password,
      connectionString: url,
      file: cfg.file,
      readOnly: opts.readOnly,
      statementTimeoutMs: parseDuration(cfg.statementTimeout, 'statementTimeout'),
      connectTimeoutMs: parseDuration(cfg.connectTimeout, 'connectTimeout'),
    };
    const db = new GuardedConnection(options, dialectFor(cfg.dialect), describeTarget(cfg));
    await db.call(ctx, 'CONNECT', async () => undefined);
    return db;
  }

  /** Runs `fn` with a live connection, guarded, logged and classified. */
  call<T>(
    ctx: Pick<ConnectorContext, 'guard' | 'recordCall' | 'signal'>,
    operation: string,
    fn: (conn: SqlConnection) => Promise<T>,
  ): Promise<T> {
    return ctx.guard.execute(async ({ attempt }) => {
      const started = performance.now();
      try {
        this.#conn ??= await this.dialect.connect(this.options);
        const result = await fn(this.#conn);
        ctx.recordCall({
          operation,
          target: this.target,
          outcome: 'success',
          latencyMs: performance.now() - started,
          attempt,
        });
        return result;
      } catch (err) {
        const error = sqlError(err);
        if (error.kind === 'connection') {
          const broken = this.#conn;
          this.#conn = undefined;
          await broken?.close().catch(() => undefined);
        }
        ctx.recordCall({
          operation,
          target: this.target,
          outcome: 'failure',
          errorKind: error.kind,
          errorCode: error.code,
          latencyMs: performance.now() - started,
          attempt,
        });
        throw error;
      }
    }, ctx.signal);
  }

  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    await conn?.close();
  }
}
