/**
 * The manual queue of the `park` conflict policy: conflicts live in a table
 * of the target database (next to the data they are about), and
 * `patchbay conflicts list|resolve` reads and settles them.
 */
import type { ConnectorContext } from '../../core/connector.js';
import { permanent } from '../../core/errors.js';
import { GuardedConnection } from './connection.js';
import { sqlUpsertConfig, type SqlUpsertConfig } from './upsert-config.js';
import { conflictsDdl, UpsertWriter } from './writer.js';
import type { Row } from './types.js';

/**
 * One parked conflict.
 *
 * @example
 * ```ts
 * const open: Conflict[] = await queue.list('hr-employees');
 * ```
 */
export interface Conflict {
  id: string;
  integrationId: string;
  table: string;
  /** JSON array of the key values. */
  key: string;
  /** The row that was not applied. */
  incoming: Record<string, unknown>;
  /** The stored row when the conflict was detected. */
  current: Record<string, unknown> | null;
  status: 'open' | 'resolved';
  detectedAt: number;
  /** `incoming` (applied) or `current` (kept) once resolved. */
  resolution: 'incoming' | 'current' | null;
  resolvedAt: number | null;
}

/**
 * Which side wins when a conflict is resolved.
 *
 * @example
 * ```ts
 * const take: Resolution = 'incoming';
 * ```
 */
export type Resolution = 'incoming' | 'current';

type Ctx = Pick<ConnectorContext, 'secrets' | 'guard' | 'recordCall' | 'signal'>;

function toConflict(r: Row): Conflict {
  return {
    id: String(r['id']),
    integrationId: String(r['integration_id']),
    table: String(r['target_table']),
    key: String(r['row_key']),
    incoming: JSON.parse(String(r['incoming'])) as Record<string, unknown>,
    current:
      r['current_row'] == null
        ? null
        : (JSON.parse(String(r['current_row'])) as Record<string, unknown>),
    status: r['status'] === 'resolved' ? 'resolved' : 'open',
    detectedAt: Number(r['detected_at']),
    resolution:
      r['resolution'] === 'incoming' || r['resolution'] === 'current' ? r['resolution'] : null,
    resolvedAt: r['resolved_at'] == null ? null : Number(r['resolved_at']),
  };
}

/**
 * The conflicts of one `sql-upsert` sink.
 *
 * @example
 * ```ts
 * const queue = await ConflictQueue.open(sinkConfig, ctx);
 * try {
 *   for (const c of await queue.list('hr-employees')) await queue.resolve('hr-employees', c.id, 'incoming');
 * } finally { await queue.close(); }
 * ```
 */
export class ConflictQueue {
  private constructor(
    private readonly db: GuardedConnection,
    private readonly writer: UpsertWriter,
    private readonly ctx: Ctx,
  ) {}

  /** Connects with the sink's config (raw or parsed) and makes sure the conflicts table exists. */
  static async open(config: unknown, ctx: Ctx): Promise<ConflictQueue> {
    const cfg: SqlUpsertConfig = sqlUpsertConfig.parse(config);
    const db = await GuardedConnection.open(cfg, ctx, { readOnly: false });
    try {
      const writer = new UpsertWriter(cfg, db.dialect);
      await db.call(ctx, 'DDL', (c) => c.run(conflictsDdl(writer.conflictsTable)));
      return new ConflictQueue(db, writer, ctx);
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  /** Conflicts of an integration, oldest first; open ones only unless `all`. */
  async list(
    integrationId: string,
    options: { all?: boolean; limit?: number } = {},
  ): Promise<Conflict[]> {
    const p = (n: number) => this.db.dialect.param(n);
    const limit = Math.max(1, Math.floor(options.limit ?? 100));
    const rows = await this.db.call(this.ctx, 'SELECT', (c) =>
      c.query(
        `SELECT * FROM ${this.writer.conflictsTable} WHERE integration_id = ${p(1)}${options.all ? '' : ` AND status = 'open'`} ORDER BY detected_at, id LIMIT ${limit}`,
        [integrationId],
      ),
    );
    return rows.map(toConflict);
  }

  /**
   * Settles one open conflict: `incoming` writes the parked row over the
   * stored one, `current` keeps the stored row. Both mark it resolved, in one transaction.
   */
  async resolve(integrationId: string, id: string, take: Resolution): Promise<Conflict> {
    const p = (n: number) => this.db.dialect.param(n);
    const t = this.writer.conflictsTable;
    return this.db.call(this.ctx, 'RESOLVE', (c) =>
      c.transaction(async () => {
        const [row] = await c.query(
          `SELECT * FROM ${t} WHERE id = ${p(1)} AND integration_id = ${p(2)}${this.db.dialect.lockSuffix}`,
          [id, integrationId],
        );
        if (!row)
          throw permanent(`no conflict ${id} for ${integrationId}`, { code: 'NO_SUCH_CONFLICT' });
        const conflict = toConflict(row);
        if (conflict.status === 'resolved') {
          throw permanent(`conflict ${id} is already resolved`, { code: 'ALREADY_RESOLVED' });
        }
        if (take === 'incoming') {
          const target = { values: conflict.incoming, key: conflict.key, deleted: false };
          for (const stmt of this.writer.upserts([target], { kind: 'overwrite' }))
            await c.run(stmt.sql, stmt.params);
        }
        const now = Date.now();
        await c.run(
          `UPDATE ${t} SET status = 'resolved', resolution = ${p(1)}, resolved_at = ${p(2)} WHERE id = ${p(3)}`,
          [take, now, id],
        );
        return { ...conflict, status: 'resolved' as const, resolution: take, resolvedAt: now };
      }),
    );
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
