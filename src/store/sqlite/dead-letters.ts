import type Database from 'better-sqlite3';
import type { SerializedError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import type { DeadLetter, DeadLetterAdd, DeadLetterRepo, EpochMs } from '../types.js';
import { decodeJson, encodeJson, requireInt, requireText, requireTime, toRowId } from './codec.js';
import type { SqliteContext } from './context.js';
import { ParkedRows } from './parked-rows.js';
import { notFound } from './store-errors.js';

interface DeadLetterRow {
  id: number;
  integration_id: string;
  stage: string;
  raw: string;
  item_key: string | null;
  error: string;
  attempts: number;
  first_seen_at: number;
  last_seen_at: number;
  retries: number;
}

const COLUMNS = `id, integration_id, stage, raw, item_key, error, attempts, first_seen_at,
  last_seen_at, retries`;

function toLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: String(row.id),
    integrationId: row.integration_id,
    stage: row.stage,
    raw: decodeJson<JsonValue>(row.raw),
    itemKey: row.item_key ?? undefined,
    error: decodeJson<SerializedError>(row.error),
    attempts: row.attempts,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    retries: row.retries,
  };
}

/**
 * The SQLite dead-letter queue. A letter with an `itemKey` already present
 * for the integration is updated in place (latest stage, error, raw input,
 * attempts and last-seen time; the id, first-seen time and retry count
 * stay), so a poison message that keeps coming back is one letter, not
 * thousands, and `dlq show` / `dlq retry` see the input that failed last.
 * `list` pages in insertion order with `afterId`.
 *
 * @example
 * ```ts
 * await store.deadLetters.add({ integrationId: 'orders', stage: 'sink', raw, itemKey: 'order-7', error: err.toJSON(), attempts: 5, firstSeenAt: t, lastSeenAt: t });
 * const page = await store.deadLetters.list('orders', { limit: 50 });
 * ```
 */
export class SqliteDeadLetterRepo implements DeadLetterRepo {
  readonly #ctx: SqliteContext;
  readonly #rows: ParkedRows<DeadLetterRow, DeadLetter>;
  readonly #upsert: Database.Statement<[Record<string, unknown>], { id: number }>;
  readonly #retried: Database.Statement<[Record<string, unknown>]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#rows = new ParkedRows(ctx, 'dead_letters', COLUMNS, 'item_key', toLetter);
    const db = ctx.db;
    this.#upsert = db.prepare(
      `INSERT INTO dead_letters (integration_id, stage, raw, item_key, error, attempts,
         first_seen_at, last_seen_at)
       VALUES (@integrationId, @stage, @raw, @itemKey, @error, @attempts, @firstSeenAt, @lastSeenAt)
       ON CONFLICT (integration_id, item_key) DO UPDATE SET stage = excluded.stage,
         raw = excluded.raw, error = excluded.error, attempts = excluded.attempts,
         last_seen_at = excluded.last_seen_at
       RETURNING id`,
    );
    this.#retried = db.prepare(
      `UPDATE dead_letters SET retries = retries + 1, error = @error, last_seen_at = @at
       WHERE id = @id`,
    );
  }

  async add(letter: DeadLetterAdd): Promise<{ id: string }> {
    const params = {
      integrationId: requireText('integrationId', letter.integrationId),
      stage: requireText('stage', letter.stage),
      raw: encodeJson(letter.raw, 'raw'),
      itemKey: letter.itemKey == null ? null : requireText('itemKey', letter.itemKey),
      error: encodeJson(letter.error, 'error'),
      attempts: requireInt('attempts', letter.attempts, 0),
      firstSeenAt: requireTime('firstSeenAt', letter.firstSeenAt),
      lastSeenAt: requireTime('lastSeenAt', letter.lastSeenAt),
    };
    return this.#ctx.write(() => ({ id: String(this.#upsert.get(params)?.id) }));
  }

  list(integrationId: string, opts?: { limit?: number; afterId?: string }): Promise<DeadLetter[]> {
    return this.#rows.list(integrationId, opts);
  }

  get(id: string): Promise<DeadLetter | undefined> {
    return this.#rows.get(id);
  }

  count(integrationId?: string): Promise<number> {
    return this.#rows.count(integrationId);
  }

  any(integrationId: string): Promise<boolean> {
    return this.#rows.any(integrationId);
  }

  remove(ids: readonly string[]): Promise<number> {
    return this.#rows.remove(ids);
  }

  resolve(integrationId: string, itemKeys: readonly string[]): Promise<number> {
    return this.#rows.resolve(integrationId, itemKeys);
  }

  async markRetried(id: string, error: SerializedError, at: EpochMs): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) throw notFound('dead letter', id);
    const params = { id: rowId, error: encodeJson(error, 'error'), at: requireTime('at', at) };
    await this.#ctx.write(() => {
      if (this.#retried.run(params).changes === 0) throw notFound('dead letter', id);
    });
  }
}
