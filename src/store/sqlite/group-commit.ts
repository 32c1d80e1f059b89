/**
 * Adaptive group commit: many durable writes share one transaction and one
 * fsync.
 *
 * A write is queued; the first write into an empty queue schedules a flush
 * with `setImmediate`, so everything that arrives in the same turn of the
 * event loop (every request whose body finished parsing) joins it. The flush
 * runs the whole queue in one `BEGIN IMMEDIATE` transaction, commits (with
 * `synchronous=FULL` that is the fsync), then settles the promises. Writes
 * queued while the commit ran are taken by the next flush, which starts as
 * soon as this one ends. There is no timer: under light load a write commits
 * at once, and under heavy load the batches grow by themselves, which is why
 * this beats a fixed-interval group commit on both latency and throughput.
 *
 * Each write runs inside its own SAVEPOINT, so a write that throws (a
 * constraint, a missing row) rolls back only its own changes and rejects
 * only its own promise; a write queued as a single statement skips the
 * savepoint, because SQLite undoes a failed statement by itself. A failed
 * COMMIT rejects the whole batch: none of it is durable.
 *
 * With `syncFile` (the WAL of a connection in `synchronous=NORMAL`), the
 * fsync leaves the event loop: COMMIT only writes the WAL, and one
 * `fdatasync` in libuv's thread pool then makes the batch durable; the
 * promises resolve after it. Writes queued while a sync runs form the next
 * batch, committed as soon as the sync ends, so there is one commit per
 * fsync and batches grow with the disk's latency as before. The
 * guarantee is the same as `synchronous=FULL` (a promise resolves only when
 * its write, and every write committed before it, is on disk), but the
 * process goes on verifying and parsing requests while the disk syncs. A
 * failed sync breaks the committer for good (later writes reject with
 * `STORE_UNAVAILABLE`): after a failed fsync the kernel may have dropped
 * the dirty pages, so no later sync can vouch for the WAL, and only a
 * restart (SQLite's WAL recovery from what is really on disk) can.
 */
import { closeSync, fdatasync, fdatasyncSync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { PatchbayError } from '../../core/errors.js';
import { storeClosed, storeError, storeSyncFailed } from './store-errors.js';

/**
 * Counters exposed for tests, benchmarks and metrics.
 *
 * @example
 * ```ts
 * const { writes, commits }: GroupCommitStats = store.stats();
 * const averageBatch = commits === 0 ? 0 : writes / commits;
 * ```
 */
export interface GroupCommitStats {
  /** Transactions committed. */
  commits: number;
  /** Writes that were committed. */
  writes: number;
  /** Writes that threw and were rolled back to their savepoint. */
  failedWrites: number;
  /** Batches lost to a failed BEGIN or COMMIT (every write in them was rejected). */
  failedBatches: number;
  /** Largest number of writes in one commit. */
  largestBatch: number;
}

/**
 * Options of {@link GroupCommitter}.
 *
 * @example
 * ```ts
 * new GroupCommitter(db, { maxBatch: 500 });
 * ```
 */
export interface GroupCommitOptions {
  /** Most writes in one transaction; bounds the latency a huge burst adds. Default 1000. */
  maxBatch?: number;
  /** Maps a thrown value to the error a caller sees. Default {@link storeError}. */
  mapError?: (err: unknown) => PatchbayError;
  /**
   * The connection's WAL file, to `fdatasync` off the event loop after each
   * commit; only for a connection in `synchronous=NORMAL` (which does not
   * sync on COMMIT). Default: none, the connection syncs inside COMMIT
   * (`synchronous=FULL`) and blocks the event loop meanwhile.
   */
  syncFile?: string;
}

interface Pending {
  run: () => unknown;
  /** Changes the file with one statement at most: no savepoint needed. */
  single: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: PatchbayError };

/** A committed batch waiting for the sync that makes it durable. */
interface Committed {
  batch: Pending[];
  outcomes: Outcome[];
}

/**
 * Queues synchronous write functions and commits them in adaptive batches
 * on one better-sqlite3 connection.
 *
 * @example
 * ```ts
 * const gc = new GroupCommitter(db);
 * const id = await gc.enqueue(() => insert.run(row).lastInsertRowid); // resolves after fsync
 * await gc.close();
 * ```
 */
export class GroupCommitter {
  readonly #db: Database.Database;
  readonly #maxBatch: number;
  readonly #mapError: (err: unknown) => PatchbayError;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  readonly #savepoint: Database.Statement;
  readonly #release: Database.Statement;
  readonly #rollbackTo: Database.Statement;
  readonly #syncFile: string | undefined;
  #syncFd: number | undefined;
  #syncing = false;
  #unsynced: Committed[] = [];
  #broken: PatchbayError | undefined;
  #queue: Pending[] = [];
  #scheduled = false;
  #closed = false;
  readonly #stats: GroupCommitStats = {
    commits: 0,
    writes: 0,
    failedWrites: 0,
    failedBatches: 0,
    largestBatch: 0,
  };

  constructor(db: Database.Database, options: GroupCommitOptions = {}) {
    this.#db = db;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 1000);
    this.#mapError = options.mapError ?? storeError;
    this.#syncFile = options.syncFile;
    // IMMEDIATE takes the write lock up front: a second process waits on
    // busy_timeout here instead of failing half-way with SQLITE_BUSY_SNAPSHOT.
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#savepoint = db.prepare('SAVEPOINT pb_write');
    this.#release = db.prepare('RELEASE pb_write');
    this.#rollbackTo = db.prepare('ROLLBACK TO pb_write');
  }

  /**
   * Queues `run` for the next group commit. Resolves with its return value
   * once the transaction holding it is committed; rejects with a
   * {@link PatchbayError} when it threw or the commit failed.
   *
   * @example
   * ```ts
   * await gc.enqueue(() => stmt.run(params));
   * ```
   *
   * With `single`, `run` makes its changes with one statement at most (reads
   * around it are fine): SQLite rolls a failed statement back by itself, so
   * the write runs without a savepoint of its own.
   */
  enqueue<T>(run: () => T, single = false): Promise<T> {
    if (this.#closed) return Promise.reject(storeClosed());
    if (this.#broken) return Promise.reject(this.#broken);
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ run, single, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /**
   * A snapshot of the counters.
   *
   * @example
   * ```ts
   * const { commits, writes } = gc.stats();
   * ```
   */
  stats(): GroupCommitStats {
    return { ...this.#stats };
  }

  /** Writes queued and not yet committed. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Commits everything queued, then refuses new writes. Idempotent.
   *
   * @example
   * ```ts
   * gc.close();
   * db.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#queue.length > 0) this.#flush();
    if (this.#unsynced.length > 0) {
      const covered = this.#unsynced.splice(0);
      try {
        fdatasyncSync(this.#openSyncFd());
        this.#settleAll(covered);
      } catch (err) {
        this.#breakOnSync(err, covered);
      }
    }
    // A sync still running closes the descriptor when it ends.
    if (!this.#syncing) this.#closeSyncFd();
  }

  #schedule(): void {
    // While a sync runs, writes gather for one commit after it (see #startSync).
    if (this.#scheduled || this.#syncing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
      if (this.#queue.length > 0) this.#schedule();
    });
  }

  #flush(): void {
    if (this.#queue.length === 0) return;
    if (!this.#db.open || this.#broken) {
      this.#rejectAll(this.#queue.splice(0), this.#broken ?? storeClosed());
      return;
    }
    const batch = this.#queue.splice(0, this.#maxBatch);
    try {
      this.#begin.run();
    } catch (err) {
      this.#failBatch(batch, err);
      return;
    }
    const outcomes: Outcome[] = [];
    for (const item of batch) {
      const outcome = this.#runOne(item);
      if (outcome.ok === 'aborted') {
        this.#failBatch(batch, outcome.error);
        return;
      }
      outcomes.push(outcome);
    }
    try {
      this.#commit.run();
    } catch (err) {
      this.#failBatch(batch, err);
      return;
    }
    this.#stats.commits += 1;
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, batch.length);
    if (this.#syncFile === undefined) {
      this.#settle(batch, outcomes);
      return;
    }
    this.#unsynced.push({ batch, outcomes });
    if (!this.#closed) this.#startSync();
  }

  /** One fdatasync for every batch committed so far; the next starts when it ends. */
  #startSync(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    const covered = this.#unsynced.splice(0);
    let fd: number;
    try {
      fd = this.#openSyncFd();
    } catch (err) {
      this.#breakOnSync(err, covered);
      return;
    }
    this.#syncing = true;
    fdatasync(fd, (err) => {
      this.#syncing = false;
      if (err) this.#breakOnSync(err, covered);
      else this.#settleAll(covered);
      if (this.#closed) this.#closeSyncFd();
      else if (this.#queue.length > 0) this.#schedule();
    });
  }

  #openSyncFd(): number {
    this.#syncFd ??= openSync(this.#syncFile as string, 'r');
    return this.#syncFd;
  }

  #closeSyncFd(): void {
    if (this.#syncFd === undefined) return;
    try {
      closeSync(this.#syncFd);
    } catch {
      // Already closed; nothing to release.
    }
    this.#syncFd = undefined;
  }

  #breakOnSync(err: unknown, covered: Committed[]): void {
    this.#broken ??= storeSyncFailed(err);
    this.#stats.failedBatches += covered.length + this.#unsynced.length;
    for (const c of [...covered, ...this.#unsynced.splice(0)]) {
      this.#rejectAll(c.batch, this.#broken);
    }
    this.#rejectAll(this.#queue.splice(0), this.#broken);
  }

  #settleAll(committed: Committed[]): void {
    for (const c of committed) this.#settle(c.batch, c.outcomes);
  }

  #settle(batch: Pending[], outcomes: Outcome[]): void {
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as Pending;
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) {
        this.#stats.writes += 1;
        item.resolve(outcome.value);
      } else {
        this.#stats.failedWrites += 1;
        item.reject(outcome.error);
      }
    }
  }

  /** Runs one write in its own savepoint (or none, for a single statement). */
  #runOne(item: Pending): Outcome | { ok: 'aborted'; error: unknown } {
    if (item.single) {
      try {
        return { ok: true, value: item.run() };
      } catch (err) {
        // The failed statement is undone; unless SQLite dropped the whole transaction.
        if (!this.#db.inTransaction) return { ok: 'aborted', error: err };
        return { ok: false, error: this.#mapError(err) };
      }
    }
    try {
      this.#savepoint.run();
      const value = item.run();
      this.#release.run();
      return { ok: true, value };
    } catch (err) {
      // SQLite rolls the whole transaction back by itself on some errors
      // (disk full, I/O): then the earlier writes of this batch are gone too.
      if (!this.#db.inTransaction) return { ok: 'aborted', error: err };
      try {
        this.#rollbackTo.run();
        this.#release.run();
      } catch (undoErr) {
        return { ok: 'aborted', error: undoErr };
      }
      return { ok: false, error: this.#mapError(err) };
    }
  }

  #failBatch(batch: Pending[], err: unknown): void {
    if (this.#db.open && this.#db.inTransaction) {
      try {
        this.#rollback.run();
      } catch {
        // The connection already dropped the transaction; nothing to undo.
      }
    }
    this.#stats.failedBatches += 1;
    this.#rejectAll(batch, this.#mapError(err));
  }

  #rejectAll(batch: Pending[], error: PatchbayError): void {
    for (const item of batch) item.reject(error);
  }
}
