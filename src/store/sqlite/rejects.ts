import type Database from 'better-sqlite3';
import type { JsonValue } from '../../core/json-safe.js';
import type { EpochMs, Reject, RejectAdd, RejectFailure, RejectRepo } from '../types.js';
import { decodeJson, encodeJson, requireInt, requireText, requireTime, toRowId } from './codec.js';
import type { SqliteContext } from './context.js';
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
  readonly #upsert: Database.Statement<[Record<string, unknown>], { id: number }>;
  readonly #list: Database.Statement<[string, number, number], RejectRow>;
  readonly #get: Database.Statement<[number], RejectRow>;
  readonly #count: Database.Statement<[string], { n: number }>;
  readonly #countAll: Database.Statement<[], { n: number }>;
  readonly #remove: Database.Statement<[number]>;
  readonly #retried: Database.Statement<[Record<string, unknown>]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
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
    this.#list = db.prepare(
      `SELECT ${COLUMNS} FROM rejects WHERE integration_id = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM rejects WHERE id = ?`);
    this.#count = db.prepare('SELECT count(*) AS n FROM rejects WHERE integration_id = ?');
    this.#countAll = db.prepare('SELECT count(*) AS n FROM rejects');
    this.#remove = db.prepare('DELETE FROM rejects WHERE id = ?');
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

  async list(
    integrationId: string,
    opts: { limit?: number; afterId?: string } = {},
  ): Promise<Reject[]> {
    const limit = requireInt('limit', opts.limit ?? 100, 0);
    const after = opts.afterId === undefined ? 0 : (toRowId(opts.afterId) ?? 0);
    const rows = await this.#ctx.read(() => this.#list.all(integrationId, after, limit));
    return rows.map(toReject);
  }

  async get(id: string): Promise<Reject | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.#ctx.read(() => this.#get.get(rowId));
    return row && toReject(row);
  }

  async count(integrationId?: string): Promise<number> {
    return this.#ctx.read(
      () =>
        (integrationId === undefined ? this.#countAll.get() : this.#count.get(integrationId))?.n ??
        0,
    );
  }

  async remove(ids: readonly string[]): Promise<number> {
    const rowIds = ids.map(toRowId).filter((id): id is number => id !== undefined);
    if (rowIds.length === 0) return 0;
    return this.#ctx.write(() =>
      [...new Set(rowIds)].reduce((n, id) => n + this.#remove.run(id).changes, 0),
    );
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
