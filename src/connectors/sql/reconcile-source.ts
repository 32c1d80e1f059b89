/**
 * The extract side of a reconcile: page through the source's keys and emit
 * range tombstones (see `reconcile.ts`). Runs in the extract's own
 * read-only session, after the delta pages of a live run, when the last
 * reconcile is older than `reconcile.every`. Replays never reconcile.
 */
import type { ReadContext, SourceBatch } from '../../core/connector.js';
import { configError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import type { JsonValue } from '../../core/json-safe.js';
import type { GuardedConnection } from './connection.js';
import type { SqlExtractConfig } from './extract-config.js';
import { compareKeys, keyPageQuery, type RangeTombstone } from './reconcile.js';
import type { Row } from './types.js';

/**
 * What a reconcile needs from the extract's plan.
 *
 * @example
 * ```ts
 * const target: ReconcileSource = { from: '"hr"."employees"', pkCols: ['id'], quotedPk: ['"id"'] };
 * ```
 */
export interface ReconcileSource {
  from: string;
  pkCols: string[];
  quotedPk: string[];
}

/**
 * True when this run should reconcile: configured, not a replay, and the last
 * reconcile (from the checkpoint) is at least `every` old or never happened.
 *
 * @example
 * ```ts
 * reconcileDue(cfg, ctx, saved?.reconciledAt, Date.now());
 * ```
 */
export function reconcileDue(
  cfg: SqlExtractConfig,
  ctx: ReadContext,
  reconciledAt: number | undefined,
  now: number,
): boolean {
  if (!cfg.reconcile || ctx.mode === 'replay') return false;
  if (reconciledAt === undefined) return true;
  return now - reconciledAt >= parseDuration(cfg.reconcile.every, 'reconcile.every', 'sql-extract');
}

/**
 * Yields one tombstone batch per page of keys. Only the last batch carries a
 * checkpoint (`base` plus `reconciledAt: startedAt`), so the reconcile counts
 * as done only when every range was acknowledged downstream; a reconcile cut
 * short by the budget or a shutdown starts over next time.
 *
 * @example
 * ```ts
 * yield* reconcilePages(cfg, db, src, ctx, lastCheckpointValue, Date.now());
 * ```
 */
export async function* reconcilePages(
  cfg: SqlExtractConfig,
  db: GuardedConnection,
  src: ReconcileSource,
  ctx: ReadContext,
  base: Record<string, JsonValue>,
  startedAt: number,
): AsyncGenerator<SourceBatch<Row>> {
  const field = cfg.reconcile!.field;
  const done = { kind: 'watermark' as const, value: { ...base, reconciledAt: startedAt } };
  // Exclusive lower bound of the next range: the last key of the page before.
  let start: unknown[] | null = null;
  for (;;) {
    if (ctx.signal.aborted || Date.now() >= ctx.budget.deadline) return;
    const stmt = keyPageQuery(db.dialect, src.from, src.quotedPk, start ?? undefined, cfg.pageSize);
    const rows = await db.call(ctx, 'RECONCILE', (conn) => conn.query(stmt.sql, stmt.params));
    const keys = rows.map((r) => src.pkCols.map((c) => r[c]));
    let prev = start;
    for (const key of keys) {
      // The sink decides what lies in a range with compareKeys; a source that orders
      // keys otherwise (a linguistic collation) would get rows deleted that exist.
      if (prev && compareKeys(prev, key) >= 0) {
        throw configError(
          'sql-extract',
          'reconcile',
          'keys the database orders like compareKeys: integers, or text in a binary collation',
        );
      }
      prev = key;
    }
    const final = rows.length < cfg.pageSize;
    if (start === null && keys.length === 0) {
      // An empty source would delete everything downstream: far likelier a wrong table or
      // missing grants than a real wipe, so nothing is deleted and it is logged.
      ctx.logger.warn(
        { integration: ctx.integrationId },
        'reconcile found no rows in the source; nothing deleted',
      );
      yield { items: [], checkpoint: done };
      return;
    }
    const tombstone: RangeTombstone = {
      after: start,
      through: final ? null : keys[keys.length - 1]!,
      keys,
    };
    // The key fields name the range's end, so idempotency keys and item keys work as usual.
    const representative = tombstone.through ?? keys[keys.length - 1] ?? start ?? [];
    const data: Row = { [field]: tombstone as unknown as JsonValue };
    src.pkCols.forEach((c, i) => (data[c] = representative[i]));
    yield {
      items: [{ key: `reconcile:${JSON.stringify(representative)}`, data }],
      checkpoint: final ? done : undefined,
    };
    if (final) return;
    start = keys[keys.length - 1]!;
  }
}
