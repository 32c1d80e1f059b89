import type Database from 'better-sqlite3';
import type { JsonValue } from '../../core/json-safe.js';
import type { PolicyStateRepo, VersionedState } from '../types.js';
import { decodeJson, encodeJson, requireInt, requireText } from './codec.js';
import type { SqliteContext } from './context.js';

interface StateRow {
  key: string;
  value: string;
  version: number;
  updated_at: number;
}

function toState(row: StateRow): VersionedState {
  return {
    value: decodeJson<JsonValue>(row.value),
    version: row.version,
    updatedAt: row.updated_at,
  };
}

/**
 * The SQLite policy state. `compareAndSet` reads and writes inside the group
 * commit's `BEGIN IMMEDIATE` transaction, which holds the file's write lock,
 * so exactly one of any number of racing writers (in this process or
 * another) wins a given version. Versions start at 1 and grow by 1.
 *
 * @example
 * ```ts
 * const cur = await store.policyState.get('breaker:erp');
 * const next = await store.policyState.compareAndSet('breaker:erp', cur?.version ?? 0, { state: 'open' });
 * if (next === undefined) { // someone else changed it first: re-read and decide again
 * }
 * ```
 */
export class SqlitePolicyStateRepo implements PolicyStateRepo {
  readonly #ctx: SqliteContext;
  readonly #get: Database.Statement<[string], StateRow>;
  readonly #upsert: Database.Statement<[Record<string, unknown>]>;
  readonly #list: Database.Statement<[string, string], StateRow>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#get = db.prepare(
      'SELECT key, value, version, updated_at FROM policy_state WHERE key = ?',
    );
    this.#upsert = db.prepare(
      `INSERT INTO policy_state (key, value, version, updated_at)
       VALUES (@key, @value, @version, @updatedAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = excluded.version,
         updated_at = excluded.updated_at`,
    );
    // instr() rather than LIKE: prefixes may contain % and _.
    this.#list = db.prepare(
      `SELECT key, value, version, updated_at FROM policy_state
       WHERE ? = '' OR instr(key, ?) = 1 ORDER BY key`,
    );
  }

  async get(key: string): Promise<VersionedState | undefined> {
    const row = await this.#ctx.read(() => this.#get.get(key));
    return row && toState(row);
  }

  async compareAndSet(
    key: string,
    expectedVersion: number,
    value: JsonValue,
  ): Promise<number | undefined> {
    requireText('key', key);
    const expected = requireInt('expectedVersion', expectedVersion, 0);
    const text = encodeJson(value, 'value');
    return this.#ctx.write(() => {
      const current = this.#get.get(key)?.version ?? 0;
      if (current !== expected) return undefined;
      const version = current + 1;
      this.#upsert.run({ key, value: text, version, updatedAt: this.#ctx.now() });
      return version;
    });
  }

  async list(prefix = ''): Promise<Array<VersionedState & { key: string }>> {
    const rows = await this.#ctx.read(() => this.#list.all(prefix, prefix));
    return rows.map((row) => ({ key: row.key, ...toState(row) }));
  }
}
