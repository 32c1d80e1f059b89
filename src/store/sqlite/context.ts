/**
 * What every SQLite repo shares: the connection, the group committer and the
 * clock. Repos never touch the connection outside {@link SqliteContext.read}
 * and {@link SqliteContext.write}, so every failure leaves as a
 * PatchbayError and nothing runs after close.
 */
import type Database from 'better-sqlite3';
import type { EpochMs } from '../types.js';
import type { GroupCommitter } from './group-commit.js';
import { storeClosed, storeError } from './store-errors.js';

/**
 * The handle a repo is built with.
 *
 * @example
 * ```ts
 * const ctx = new SqliteContext(db, committer, Date.now);
 * const n = await ctx.read(() => countStmt.get()!.n);
 * ```
 */
export class SqliteContext {
  readonly db: Database.Database;
  readonly #committer: GroupCommitter;
  readonly #clock: () => EpochMs;

  constructor(db: Database.Database, committer: GroupCommitter, clock: () => EpochMs) {
    this.db = db;
    this.#committer = committer;
    this.#clock = clock;
  }

  /**
   * The store's clock: the default for every omitted `now`.
   *
   * @example
   * ```ts
   * const now = opts.now ?? ctx.now();
   * ```
   */
  now(): EpochMs {
    return this.#clock();
  }

  /**
   * Runs a read directly on the connection. Reads need no queue: the
   * connection is synchronous, so a read never sees half a batch.
   *
   * @example
   * ```ts
   * const row = await ctx.read(() => getStmt.get(id));
   * ```
   */
  async read<T>(fn: () => T): Promise<T> {
    if (!this.db.open) throw storeClosed();
    try {
      return fn();
    } catch (err) {
      throw storeError(err);
    }
  }

  /**
   * Queues a write for the next group commit; resolves once it is durable.
   * Claims and compare-and-set go here too: the batch runs in a
   * `BEGIN IMMEDIATE` transaction, which is what makes them atomic across
   * processes sharing the file.
   *
   * @example
   * ```ts
   * await ctx.write(() => { if (updateStmt.run(id).changes === 0) throw notFound('run', id); });
   * ```
   */
  write<T>(fn: () => T): Promise<T> {
    return this.#committer.enqueue(fn);
  }

  /**
   * As {@link SqliteContext.write}, for a write whose changes are made by a
   * single statement (reads around it are fine). SQLite undoes a failed
   * statement by itself, so the write skips its savepoint: two statements
   * fewer per write on the hot append paths.
   *
   * @example
   * ```ts
   * await ctx.writeStatement(() => insertStmt.run(a, b).lastInsertRowid);
   * ```
   */
  writeStatement<T>(fn: () => T): Promise<T> {
    return this.#committer.enqueue(fn, true);
  }
}
