import type Database from 'better-sqlite3';
import type { JsonValue } from '../../core/json-safe.js';
import type { EpochMs, Reject, RejectAdd, RejectFailure, RejectRepo } from '../types.js';
import { decodeJson, encodeJson, requireText, requireTime, toRowId } from './codec.js';
import type { SqliteContext } from './context.js';
import { ParkedRows } from './parked-rows.js';
import { notFound } from './store-errors.js';

interface RejectRow {
  id: number;
  integration_id: string;
  mapping: string;
  record_key: string | null;
  field_path: string;
  rule: string;
  message: string;
  value: string;
  raw: string;
  at: number;
  retries: number;
  last_retried_at: number | null;
}

const COLUMNS = `id, integration_id, mapping, record_key, field_path, rule, message, value, raw,
  at, retries, last_retried_at`;

function toReject(row: RejectRow): Reject {
  return {
    id: String(row.id),
    integrationId: row.integration_id,
    mapping: row.mapping,
    recordKey: row.record_key ?? undefined,
    fieldPath: row.field_path,
    rule: row.rule,
    message: row.message,
    value: decodeJson<JsonValue>(row.value),
    raw: decodeJson<JsonValue>(row.raw),
    at: row.at,
    retries: row.retries,
    lastRetriedAt: row.last_retried_at,
  };
}

/**
 * The SQLite reject ledger. A reject whose `recordKey` is already present
 * for the integration replaces the old row's reason, value and raw input but
 * keeps its id and retry count, so one bad record is one row however often
 * it is read again.
 *
 * @example
 * ```ts
 * await store.rejects.add({ integrationId: 'hr', mapping: 'employee', recordKey: 'E-7', fieldPath: 'dob', rule: 'date', message: 'not a date', value: '31.02.', raw, at: Date.now() });
 * const page = await store.rejects.list('hr', { limit: 50 });
 * ```
 */
export class SqliteRejectRepo implements RejectRepo {
  readonly #ctx: SqliteContext;
  readonly #rows: ParkedRows<RejectRow, Reject>;
  readonly #upsert: Database.Statement<[Record<string, unknown>], { id: number }>;
  readonly #retried: Database.Statement<[Record<string, unknown>]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#rows = new ParkedRows(ctx, 'rejects', COLUMNS, 'record_key', toReject);
    const db = ctx.db;
    this.#upsert = db.prepare(
      `INSERT INTO rejects (integration_id, mapping, record_key, field_path, rule, message, value,
         raw, at)
       VALUES (@integrationId, @mapping, @recordKey, @fieldPath, @rule, @message, @value, @raw, @at)
       ON CONFLICT (integration_id, record_key) DO UPDATE SET mapping = excluded.mapping,
         field_path = excluded.field_path, rule = excluded.rule, message = excluded.message,
         value = excluded.value, raw = excluded.raw, at = excluded.at
       RETURNING id`,
    );
    this.#retried = db.prepare(
      `UPDATE rejects SET retries = retries + 1, last_retried_at = @at, field_path = @fieldPath,
         rule = @rule, message = @message, value = @value
       WHERE id = @id`,
    );
  }

  async add(reject: RejectAdd): Promise<{ id: string }> {
    const params = {
      integrationId: requireText('integrationId', reject.integrationId),
      mapping: requireText('mapping', reject.mapping),
      recordKey: reject.recordKey == null ? null : requireText('recordKey', reject.recordKey),
      fieldPath:
        typeof reject.fieldPath === 'string'
          ? reject.fieldPath
          : requireText('fieldPath', reject.fieldPath),
      rule: requireText('rule', reject.rule),
      message:
        typeof reject.message === 'string'
          ? reject.message
          : requireText('message', reject.message),
      value: encodeJson(reject.value ?? null, 'value'),
      raw: encodeJson(reject.raw ?? null, 'raw'),
      at: requireTime('at', reject.at),
    };
    return this.#ctx.write(() => ({ id: String(this.#upsert.get(params)?.id) }));
  }

  list(integrationId: string, opts?: { limit?: number; afterId?: string }): Promise<Reject[]> {
    return this.#rows.list(integrationId, opts);
  }

  get(id: string): Promise<Reject | undefined> {
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

  resolve(integrationId: string, recordKeys: readonly string[]): Promise<number> {
    return this.#rows.resolve(integrationId, recordKeys);
  }

  async markRetried(id: string, failure: RejectFailure, at: EpochMs): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) throw notFound('reject', id);
    const params = {
      id: rowId,
      at: requireTime('at', at),
      fieldPath: String(failure.fieldPath),
      rule: requireText('rule', failure.rule),
      message: String(failure.message),
      value: encodeJson(failure.value ?? null, 'value'),
    };
    await this.#ctx.write(() => {
      if (this.#retried.run(params).changes === 0) throw notFound('reject', id);
    });
  }
}
