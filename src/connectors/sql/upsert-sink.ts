/**
 * `sql-upsert`: batched, idempotent upserts into PostgreSQL, MySQL/MariaDB
 * and SQLite, keyed by the canonical key. Replaying a range adds nothing:
 * the same key updates the same row, and with last-write-wins an old
 * version never overwrites a newer one.
 */
import { defineConnector, type SinkSession } from '../../core/connector.js';
import { GuardedConnection } from './connection.js';
import { tombstoneOf, type RangeTombstone } from './reconcile.js';
import { applyTombstone } from './reconcile-sink.js';
import { toRow, type TargetRow } from './rows.js';
import { sqlUpsertConfig } from './upsert-config.js';
import { conflictsDdl, UpsertWriter } from './writer.js';

export { sqlUpsertConfig, type SqlUpsertConfig } from './upsert-config.js';

/**
 * The SQL upsert sink.
 *
 * @example
 * ```ts
 * import { sqlUpsert } from 'patchbay/sql';
 * sink: sqlUpsert({
 *   dialect: 'postgres', database: 'platform', user: 'patchbay', password: 'env:PLATFORM_DB_PASSWORD',
 *   table: 'hr.employees', key: 'employee_id', conflict: 'last-write-wins', versionColumn: 'updated_at',
 * })
 * ```
 */
export const sqlUpsert = defineConnector({
  kind: 'sql-upsert',
  title: 'SQL upsert',
  description:
    'Batched, idempotent upserts into PostgreSQL, MySQL/MariaDB and SQLite with last-write-wins, first-write-wins or a manual conflict queue.',
  direction: 'sink',
  config: sqlUpsertConfig,
  capabilities: {
    ack: 'none',
    checkpoint: 'none',
    replay: 'none',
    idempotentWrites: true,
    connectionTest: true,
  },
  async connect(cfg, ctx): Promise<SinkSession> {
    const db = await GuardedConnection.open(cfg, ctx, { readOnly: false });
    let writer: UpsertWriter;
    try {
      writer = new UpsertWriter(cfg, db.dialect);
      if (cfg.conflict === 'park') {
        await db.call(ctx, 'DDL', (c) => c.run(conflictsDdl(writer.conflictsTable)));
      }
    } catch (err) {
      await db.close();
      throw err;
    }
    return {
      async write(records, writeCtx) {
        // Bad records throw a permanent error here, before any SQL: the runtime then isolates them.
        const rows: TargetRow[] = [];
        const tombstones: RangeTombstone[] = [];
        for (const r of records) {
          const t = tombstoneOf(r.data, cfg.reconcileField);
          if (t) tombstones.push(t);
          else rows.push(toRow(cfg, r));
        }
        if (rows.length === 0 && tombstones.length === 0) return;
        let removed = 0;
        const parked = await db.call(writeCtx, 'UPSERT', (c) =>
          c.transaction(async () => {
            removed = 0;
            const out = rows.length > 0 ? await writer.write(c, rows, writeCtx.integrationId) : [];
            for (const t of tombstones) removed += await applyTombstone(c, writer, t);
            return out;
          }),
        );
        if (removed > 0) {
          writeCtx.logger.info(
            { integration: writeCtx.integrationId, table: cfg.table, removed },
            'reconcile removed rows the source no longer has',
          );
        }
        if (parked.length > 0) {
          writeCtx.logger.warn(
            { integration: writeCtx.integrationId, table: cfg.table, parked: parked.length },
            'conflicts parked; see patchbay conflicts list',
          );
        }
      },
      async check() {
        await db.call(ctx, 'CHECK', (c) =>
          c.query(`SELECT 1 AS ok FROM ${writer.table} WHERE 1 = 0`),
        );
        return { ok: true, detail: `${db.target}: ${cfg.table} reachable` };
      },
      close: () => db.close(),
    };
  },
});
