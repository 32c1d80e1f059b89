import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { EpochMs, Store } from '../types.js';
import { SqliteAuditRepo } from './audit.js';
import { SqliteCacheRepo } from './cache.js';
import { SqliteCheckpointRepo } from './checkpoints.js';
import { requireInt } from './codec.js';
import { SqliteContext } from './context.js';
import { SqliteCrosswalkRepo } from './crosswalk.js';
import { SqliteDeadLetterRepo } from './dead-letters.js';
import { GroupCommitter, type GroupCommitStats } from './group-commit.js';
import { SqliteIdempotencyRepo } from './idempotency.js';
import { SqliteInboxRepo } from './inbox.js';
import { SqliteLeaseRepo } from './leases.js';
import { migrate } from './migrations.js';
import { SqliteOutboxRepo } from './outbox.js';
import { SqlitePolicyStateRepo } from './policy-state.js';
import { SqliteRejectRepo } from './rejects.js';
import { SqliteRunRepo } from './runs.js';
import { storeError } from './store-errors.js';

/**
 * Options of {@link openSqliteStore}. Defaults: `busyTimeoutMs` 5000,
 * `clock` `Date.now`, `maxBatch` 1000, no size cap, `commitSync` `'in-commit'`.
 *
 * @example
 * ```ts
 * const options: SqliteStoreOptions = { path: '.patchbay/state.db', busyTimeoutMs: 10_000, maxSizeBytes: 2 ** 30 };
 * ```
 */
export interface SqliteStoreOptions {
  /**
   * Database file; parent folders are created. `':memory:'` gives a private
   * in-memory store (tests; nothing survives `close`).
   */
  path: string;
  /**
   * How long a write waits for another process holding the file's write
   * lock before failing with `STORE_UNAVAILABLE`. Default 5000.
   */
  busyTimeoutMs?: number;
  /** Source of every omitted `now`. Default `Date.now`. */
  clock?: () => EpochMs;
  /** Most writes committed in one transaction. Default 1000. */
  maxBatch?: number;
  /**
   * Caps the database size: writes that would grow the file beyond it fail
   * with `STORE_UNAVAILABLE` (and `ping()` rejects) instead of filling the
   * disk. Default: no cap.
   */
  maxSizeBytes?: number;
  /**
   * Where a commit's fsync runs. `'in-commit'` (default): `synchronous=FULL`,
   * SQLite syncs inside COMMIT and the event loop waits for it.
   * `'thread-pool'`: the connection runs `synchronous=NORMAL` and the WAL is
   * fdatasync'd in libuv's thread pool before any write resolves, so the event
   * loop keeps serving during the sync; a failed sync then refuses every later
   * write until the process restarts. Both resolve a write only once it is on
   * disk. On the 2-vCPU benchmark machine the two measured the same within the
   * noise (`ingest.webhook.durable`), so the simpler one is the default.
   */
  commitSync?: 'thread-pool' | 'in-commit';
}

/**
 * The SQLite store: the {@link Store} contract plus group-commit counters.
 *
 * @example
 * ```ts
 * const store: SqliteStore = await openSqliteStore({ path: ':memory:' });
 * console.log(store.kind, store.path, store.stats().commits);
 * ```
 */
export interface SqliteStore extends Store {
  readonly kind: 'sqlite';
  /** The file the store was opened on, or `':memory:'`. */
  readonly path: string;
  /**
   * Group-commit counters: `writes / commits` is the average batch size.
   *
   * @example
   * ```ts
   * const { commits, writes } = store.stats();
   * ```
   */
  stats(): GroupCommitStats;
}

/** Big enough to need fresh pages, so a full disk or a size cap makes ping fail. */
const PROBE_BYTES = 16 * 1024;

/**
 * Opens (creating and migrating as needed) the embedded SQLite store.
 *
 * The file runs in WAL mode; a durable method resolves only after its commit
 * is fsync'd (inside COMMIT, or off the event loop with `commitSync`), and many
 * concurrent durable writes share one commit (adaptive group commit). Several processes may
 * open the same file; claims, leases and compare-and-set stay correct across
 * them.
 *
 * @example
 * ```ts
 * import { openSqliteStore } from 'patchbay/store/sqlite';
 * const store = await openSqliteStore({ path: '.patchbay/state.db' });
 * const { id } = await store.inbox.append({ integrationId: 'orders', receivedAt: Date.now(), body: Buffer.from('{}') });
 * await store.close();
 * ```
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const path = options.path;
  const busyTimeoutMs = requireInt('busyTimeoutMs', options.busyTimeoutMs ?? 5000, 0);
  const clock = options.clock ?? Date.now;
  const maxBatch = requireInt('maxBatch', options.maxBatch ?? 1000, 1);
  const maxSizeBytes =
    options.maxSizeBytes === undefined
      ? undefined
      : requireInt('maxSizeBytes', options.maxSizeBytes, 4096);

  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (err) {
    throw storeError(err);
  }
  try {
    configureConnection(db, { busyTimeoutMs, maxSizeBytes });
    migrate(db);
  } catch (err) {
    db.close();
    throw storeError(err);
  }
  const syncFile = options.commitSync === 'thread-pool' ? deferSync(db, path) : undefined;
  return buildStore(db, path, clock, maxBatch, syncFile);
}

/**
 * Sets the pragmas every store connection needs. Exported for tests and for
 * tools that open the file directly.
 *
 * @example
 * ```ts
 * const db = new Database('state.db');
 * configureConnection(db, { busyTimeoutMs: 5000 });
 * ```
 */
export function configureConnection(
  db: Database.Database,
  options: { busyTimeoutMs: number; maxSizeBytes?: number | undefined },
): void {
  // busy_timeout first: switching to WAL itself may wait for another process.
  db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
  db.pragma('journal_mode = WAL');
  // This build defaults WAL to NORMAL, which may lose the last commits on
  // power loss; an acknowledged write must not be lost, so FULL.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  if (options.maxSizeBytes !== undefined) {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
  }
}

/**
 * With `commitSync: 'thread-pool'`, the store's own connection syncs its commits off the event loop: it runs
 * `synchronous=NORMAL` (COMMIT writes the WAL without fsync) and the group
 * committer fdatasyncs the WAL in the thread pool before any write's promise
 * resolves, which is the guarantee of `synchronous=FULL` without blocking the
 * process for the fsync. Returns the WAL file, or `undefined` (in-memory or
 * not in WAL mode: stay FULL).
 */
function deferSync(db: Database.Database, path: string): string | undefined {
  if (path === ':memory:') return undefined;
  if (String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return undefined;
  db.pragma('synchronous = NORMAL');
  return `${resolve(path)}-wal`;
}

function buildStore(
  db: Database.Database,
  path: string,
  clock: () => EpochMs,
  maxBatch: number,
  syncFile: string | undefined,
): SqliteStore {
  const committer = new GroupCommitter(db, {
    maxBatch,
    ...(syncFile === undefined ? {} : { syncFile }),
  });
  const ctx = new SqliteContext(db, committer, clock);
  const probeInsert = db.prepare<[number]>('INSERT INTO store_probe (data) VALUES (zeroblob(?))');
  const probeDelete = db.prepare('DELETE FROM store_probe');
  let closing: Promise<void> | undefined;

  return {
    kind: 'sqlite',
    path,
    inbox: new SqliteInboxRepo(ctx),
    outbox: new SqliteOutboxRepo(ctx),
    idempotency: new SqliteIdempotencyRepo(ctx),
    checkpoints: new SqliteCheckpointRepo(ctx),
    deadLetters: new SqliteDeadLetterRepo(ctx),
    rejects: new SqliteRejectRepo(ctx),
    audit: new SqliteAuditRepo(ctx),
    runs: new SqliteRunRepo(ctx),
    crosswalk: new SqliteCrosswalkRepo(ctx),
    cache: new SqliteCacheRepo(ctx),
    policyState: new SqlitePolicyStateRepo(ctx),
    leases: new SqliteLeaseRepo(ctx),
    async ping() {
      // A real committed write: a read would pass on a full or read-only disk.
      await ctx.write(() => {
        probeInsert.run(PROBE_BYTES);
        probeDelete.run();
      });
    },
    close() {
      closing ??= (async () => {
        committer.close();
        if (db.open) db.close();
      })();
      return closing;
    },
    stats: () => committer.stats(),
  };
}
