import type Database from 'better-sqlite3';
import type { JsonValue } from '../../core/json-safe.js';
import type { CacheEntry, CacheRepo, EpochMs } from '../types.js';
import { decodeJson, encodeJson, requireDuration, requireText, requireTime } from './codec.js';
import type { SqliteContext } from './context.js';

interface CacheRow {
  value: string;
  stored_at: number;
  expires_at: number | null;
}

/**
 * The SQLite key-value cache. An entry is readable while `now < expiresAt`;
 * without `ttlMs` it never expires. Expired entries are hidden, not deleted,
 * so a read never has to write.
 *
 * @example
 * ```ts
 * await store.cache.set('etag', '/positions', 'W/"abc"', { ttlMs: 3_600_000 });
 * const hit = await store.cache.get('etag', '/positions'); // { value: 'W/"abc"', storedAt, expiresAt }
 * ```
 */
export class SqliteCacheRepo implements CacheRepo {
  readonly #ctx: SqliteContext;
  readonly #get: Database.Statement<[string, string, number], CacheRow>;
  readonly #set: Database.Statement<[Record<string, unknown>]>;
  readonly #delete: Database.Statement<[string, string]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#get = db.prepare(
      `SELECT value, stored_at, expires_at FROM cache
       WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.#set = db.prepare(
      `INSERT INTO cache (namespace, key, value, stored_at, expires_at)
       VALUES (@namespace, @key, @value, @storedAt, @expiresAt)
       ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value,
         stored_at = excluded.stored_at, expires_at = excluded.expires_at`,
    );
    this.#delete = db.prepare('DELETE FROM cache WHERE namespace = ? AND key = ?');
  }

  async get(namespace: string, key: string, now?: EpochMs): Promise<CacheEntry | undefined> {
    const at = requireTime('now', now ?? this.#ctx.now());
    const row = await this.#ctx.read(() => this.#get.get(namespace, key, at));
    return (
      row && {
        value: decodeJson<JsonValue>(row.value),
        storedAt: row.stored_at,
        expiresAt: row.expires_at,
      }
    );
  }

  async set(
    namespace: string,
    key: string,
    value: JsonValue,
    opts: { ttlMs?: number; now?: EpochMs } = {},
  ): Promise<void> {
    const storedAt = requireTime('now', opts.now ?? this.#ctx.now());
    const params = {
      namespace: requireText('namespace', namespace),
      key: requireText('key', key),
      value: encodeJson(value, 'value'),
      storedAt,
      expiresAt: opts.ttlMs === undefined ? null : storedAt + requireDuration('ttlMs', opts.ttlMs),
    };
    await this.#ctx.write(() => this.#set.run(params));
  }

  async delete(namespace: string, key: string): Promise<void> {
    await this.#ctx.write(() => this.#delete.run(namespace, key));
  }
}
