import type Database from 'better-sqlite3';
import type { EpochMs, LeaseRepo } from '../types.js';
import { requireDuration, requireText, requireTime } from './codec.js';
import type { SqliteContext } from './context.js';

/**
 * The SQLite leases. A lease is held while `now < until`. `acquire` decides
 * inside the group commit's `BEGIN IMMEDIATE` transaction, so two processes
 * sharing the file can never both hold it.
 *
 * @example
 * ```ts
 * if (await store.leases.acquire('schedule:orders', processId, 30_000)) await poll();
 * ```
 */
export class SqliteLeaseRepo implements LeaseRepo {
  readonly #ctx: SqliteContext;
  readonly #get: Database.Statement<[string], { owner: string; until: number }>;
  readonly #upsert: Database.Statement<[string, string, number]>;
  readonly #release: Database.Statement<[string, string]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#get = db.prepare('SELECT owner, until FROM leases WHERE name = ?');
    this.#upsert = db.prepare(
      `INSERT INTO leases (name, owner, until) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until = excluded.until`,
    );
    this.#release = db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?');
  }

  async acquire(name: string, owner: string, ttlMs: number, now?: EpochMs): Promise<boolean> {
    requireText('name', name);
    requireText('owner', owner);
    const ttl = requireDuration('ttlMs', ttlMs);
    const at = requireTime('now', now ?? this.#ctx.now());
    return this.#ctx.write(() => {
      const held = this.#get.get(name);
      if (held && held.owner !== owner && held.until > at) return false;
      this.#upsert.run(name, owner, at + ttl);
      return true;
    });
  }

  async release(name: string, owner: string): Promise<void> {
    await this.#ctx.write(() => this.#release.run(name, owner));
  }

  async holder(
    name: string,
    now?: EpochMs,
  ): Promise<{ owner: string; until: EpochMs } | undefined> {
    const at = requireTime('now', now ?? this.#ctx.now());
    const row = await this.#ctx.read(() => this.#get.get(name));
    return row && row.until > at ? { owner: row.owner, until: row.until } : undefined;
  }
}
