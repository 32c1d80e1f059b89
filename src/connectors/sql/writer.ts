/**
 * The statements of one sink write: batched multi-row upserts per column
 * set, deletes by key, and — for `park` — a locked read of the stored
 * versions to decide which rows to apply and which to park.
 */
import { createHash } from 'node:crypto';
import { toJsonSafe } from '../../core/json-safe.js';
import { quoteName } from './identifiers.js';
import { collapse, groupByColumns, isNewerVersion, type TargetRow } from './rows.js';
import { keyColumns, type SqlUpsertConfig } from './upsert-config.js';
import type { Dialect, Row, SqlConnection, Statement, UpsertMode } from './types.js';

const KIND = 'sql-upsert';

/**
 * A conflict about to be parked.
 *
 * @example
 * ```ts
 * const parked: ParkedRow[] = await writer.write(conn, rows, 'hr-employees');
 * ```
 */
export interface ParkedRow {
  row: TargetRow;
  current: Row;
}

/**
 * Builds and runs the statements for a batch of rows on one connection.
 *
 * @example
 * ```ts
 * const writer = new UpsertWriter(cfg, postgres);
 * await conn.transaction(() => writer.write(conn, rows, 'hr-employees'));
 * ```
 */
export class UpsertWriter {
  readonly table: string;
  readonly conflictsTable: string;
  readonly keys: string[];
  readonly #sqlCache = new Map<string, string>();

  constructor(
    readonly cfg: SqlUpsertConfig,
    readonly dialect: Dialect,
  ) {
    this.table = quoteName(dialect, cfg.table, KIND, 'table');
    this.conflictsTable = quoteName(dialect, cfg.conflictsTable, KIND, 'conflictsTable');
    this.keys = keyColumns(cfg);
    for (const c of [...this.keys, ...(cfg.versionColumn ? [cfg.versionColumn] : [])]) {
      quoteName(dialect, c, KIND, 'key');
    }
  }

  #mode(): UpsertMode {
    const c = this.cfg;
    if (c.conflict === 'first-write-wins') return { kind: 'first-write-wins' };
    if (c.conflict === 'last-write-wins')
      return { kind: 'last-write-wins', versionColumn: c.versionColumn! };
    return { kind: 'overwrite' };
  }

  /** Multi-row upserts, chunked by batch size and the dialect's parameter limit. */
  upserts(rows: TargetRow[], mode: UpsertMode = this.#mode()): Statement[] {
    const out: Statement[] = [];
    for (const { columns, rows: group } of groupByColumns(rows).values()) {
      for (const c of columns) quoteName(this.dialect, c, KIND, 'columns');
      const perStatement = Math.max(
        1,
        Math.min(this.cfg.batchSize, Math.floor(this.dialect.maxParams / columns.length)),
      );
      for (let i = 0; i < group.length; i += perStatement) {
        const chunk = group.slice(i, i + perStatement);
        const params: unknown[] = [];
        for (const r of chunk) for (const c of columns) params.push(r.values[c]);
        // Batch after batch has the same shape: the statement text is built once per shape.
        const shape = `${mode.kind}|${chunk.length}|${columns.join(',')}`;
        let sql = this.#sqlCache.get(shape);
        if (sql === undefined) {
          sql = this.dialect.upsert({
            table: this.table,
            columns,
            keyColumns: this.keys,
            rows: chunk.map((r) => columns.map((c) => r.values[c])),
            mode,
          }).sql;
          if (this.#sqlCache.size >= 64) this.#sqlCache.clear();
          this.#sqlCache.set(shape, sql);
        }
        out.push({ sql, params });
      }
    }
    return out;
  }

  /** `WHERE` matching the keys of `rows`, for deletes and the park read. */
  #byKeys(rows: readonly { key: string }[]): Statement {
    const params: unknown[] = [];
    const q = (c: string) => this.dialect.quoteIdent(c);
    const parts = rows.map((r) => {
      const values = JSON.parse(r.key) as string[];
      return `(${this.keys
        .map((c, i) => {
          params.push(values[i]);
          return `${q(c)} = ${this.dialect.param(params.length)}`;
        })
        .join(' AND ')})`;
    });
    return { sql: parts.join(' OR '), params };
  }

  /** Writes `rows` (call inside a transaction). Returns the rows parked. */
  async write(conn: SqlConnection, rows: TargetRow[], integrationId: string): Promise<ParkedRow[]> {
    const deletes = rows.filter((r) => r.deleted);
    let upserts = collapse(
      this.cfg,
      rows.filter((r) => !r.deleted),
    );
    let parked: ParkedRow[] = [];
    if (this.cfg.conflict === 'park' && upserts.length > 0) {
      ({ apply: upserts, parked } = await this.#decide(conn, upserts));
      await this.park(conn, parked, integrationId);
    }
    const mode: UpsertMode | undefined =
      this.cfg.conflict === 'park' ? { kind: 'overwrite' } : undefined;
    for (const stmt of this.upserts(upserts, mode)) await conn.run(stmt.sql, stmt.params);
    await this.remove(conn, deletes);
    return parked;
  }

  /**
   * Deletes rows by key (`key` as in {@link TargetRow}), or with `softDeleteColumn`
   * stamps that column instead, leaving rows already stamped alone. Returns rows changed.
   */
  async remove(conn: SqlConnection, rows: readonly { key: string }[]): Promise<number> {
    const soft = this.cfg.softDeleteColumn
      ? quoteName(this.dialect, this.cfg.softDeleteColumn, KIND, 'softDeleteColumn')
      : undefined;
    let changed = 0;
    for (let i = 0; i < rows.length; i += this.cfg.batchSize) {
      const where = this.#byKeys(rows.slice(i, i + this.cfg.batchSize));
      changed += await conn.run(
        soft
          ? `UPDATE ${this.table} SET ${soft} = CURRENT_TIMESTAMP WHERE (${where.sql}) AND ${soft} IS NULL`
          : `DELETE FROM ${this.table} WHERE ${where.sql}`,
        where.params,
      );
    }
    return changed;
  }

  /** Under lock: newer versions are applied, equal ones skipped (a replay), older ones parked. */
  async #decide(
    conn: SqlConnection,
    rows: TargetRow[],
  ): Promise<{ apply: TargetRow[]; parked: ParkedRow[] }> {
    const version = this.cfg.versionColumn!;
    const stored = new Map<string, Row>();
    for (let i = 0; i < rows.length; i += this.cfg.batchSize) {
      const where = this.#byKeys(rows.slice(i, i + this.cfg.batchSize));
      const found = await conn.query(
        `SELECT * FROM ${this.table} WHERE ${where.sql}${this.dialect.lockSuffix}`,
        where.params,
      );
      for (const row of found)
        stored.set(JSON.stringify(this.keys.map((c) => String(row[c]))), row);
    }
    const apply: TargetRow[] = [];
    const parked: ParkedRow[] = [];
    for (const row of rows) {
      const current = stored.get(row.key);
      if (
        !current ||
        current[version] == null ||
        isNewerVersion(row.values[version], current[version])
      )
        apply.push(row);
      else if (isNewerVersion(current[version], row.values[version])) parked.push({ row, current });
    }
    return { apply, parked };
  }

  /** Records parked rows; the id is derived from the content, so a replay parks nothing twice. */
  async park(conn: SqlConnection, parked: ParkedRow[], integrationId: string): Promise<void> {
    const now = Date.now();
    for (const { row, current } of parked) {
      const incoming = JSON.stringify(toJsonSafe(row.values));
      const id = createHash('sha256')
        .update(`${integrationId}\n${this.cfg.table}\n${row.key}\n${incoming}`)
        .digest('hex')
        .slice(0, 32);
      const stmt = this.dialect.upsert({
        table: this.conflictsTable,
        columns: [
          'id',
          'integration_id',
          'target_table',
          'row_key',
          'incoming',
          'current_row',
          'status',
          'detected_at',
        ],
        keyColumns: ['id'],
        rows: [
          [
            id,
            integrationId,
            this.cfg.table,
            row.key,
            incoming,
            JSON.stringify(toJsonSafe(current)),
            'open',
            now,
          ],
        ],
        mode: { kind: 'first-write-wins' },
      });
      await conn.run(stmt.sql, stmt.params);
    }
  }
}

/**
 * DDL of the conflicts table (portable across the three dialects).
 *
 * @example
 * ```ts
 * await conn.run(conflictsDdl(writer.conflictsTable));
 * ```
 */
export function conflictsDdl(table: string): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    id VARCHAR(64) NOT NULL PRIMARY KEY,
    integration_id VARCHAR(200) NOT NULL,
    target_table VARCHAR(200) NOT NULL,
    row_key TEXT NOT NULL,
    incoming TEXT NOT NULL,
    current_row TEXT,
    status VARCHAR(16) NOT NULL,
    detected_at BIGINT NOT NULL,
    resolution VARCHAR(16),
    resolved_at BIGINT
  )`;
}
