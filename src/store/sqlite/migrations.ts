/**
 * Versioned, forward-only schema migrations, tracked in `PRAGMA user_version`.
 *
 * Rules that keep old databases opening: never edit a shipped migration,
 * only append a new one; each runs in one transaction together with the
 * version bump, so a crash leaves the database at the old version or the
 * new one, never between.
 */
import type Database from 'better-sqlite3';
import { PatchbayError } from '../../core/errors.js';
import { storeError } from './store-errors.js';

/**
 * One step of the schema's history.
 *
 * @example
 * ```ts
 * const step: Migration = { version: 3, name: 'audit by target', sql: 'CREATE INDEX audit_target ON audit (target);' };
 * ```
 */
export interface Migration {
  /** 1, 2, 3...: the `user_version` after this step. */
  version: number;
  /** What the step does, for error messages. */
  name: string;
  /** SQL run in the migration's transaction. */
  sql: string;
}

const V1_TABLES = `
CREATE TABLE inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id TEXT NOT NULL,
  event_id TEXT,
  entity_key TEXT,
  occurred_at INTEGER,
  received_at INTEGER NOT NULL,
  headers TEXT NOT NULL,
  body BLOB NOT NULL,
  meta TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'done', 'failed', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  -- when the item may be claimed: 0 pending, next attempt when failed, lease
  -- end when processing, NULL when done or dead. One indexed column makes
  -- the claim query a single range scan.
  due_at INTEGER,
  lease_owner TEXT,
  last_error TEXT,
  UNIQUE (integration_id, event_id)
);
CREATE INDEX inbox_due ON inbox (integration_id, due_at) WHERE due_at IS NOT NULL;
CREATE INDEX inbox_status ON inbox (integration_id, status);

CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  payload TEXT NOT NULL,
  idempotency_key TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivering', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  due_at INTEGER,
  lease_owner TEXT,
  created_at INTEGER NOT NULL,
  last_error TEXT,
  UNIQUE (integration_id, idempotency_key)
);
CREATE INDEX outbox_due ON outbox (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX outbox_status ON outbox (integration_id, status);

CREATE TABLE idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('in_flight', 'done')),
  owner TEXT,
  fingerprint TEXT,
  outcome TEXT,
  -- lease end while in flight, retention end once done
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_expiry ON idempotency (expires_at);

CREATE TABLE checkpoints (
  integration_id TEXT NOT NULL,
  stream TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (integration_id, stream)
) WITHOUT ROWID;

CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  raw TEXT NOT NULL,
  item_key TEXT,
  error TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  first_seen_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  retries INTEGER NOT NULL DEFAULT 0,
  UNIQUE (integration_id, item_key)
);
CREATE INDEX dead_letters_list ON dead_letters (integration_id, id);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  integration_id TEXT NOT NULL,
  identity TEXT NOT NULL,
  target TEXT NOT NULL,
  action TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
  error_kind TEXT,
  latency_ms REAL NOT NULL,
  attempt INTEGER NOT NULL,
  idempotency_key TEXT
);
CREATE INDEX audit_integration ON audit (integration_id, id);
CREATE INDEX audit_at ON audit (at);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id TEXT NOT NULL,
  run_trigger TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'replay', 'retry')),
  status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'partial', 'cancelled')),
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  counts TEXT NOT NULL,
  error TEXT
);
CREATE INDEX runs_integration ON runs (integration_id, started_at, id);
CREATE INDEX runs_running ON runs (started_at) WHERE status = 'running';

CREATE TABLE crosswalk (
  namespace TEXT NOT NULL,
  source_id TEXT NOT NULL,
  target_id TEXT NOT NULL,
  PRIMARY KEY (namespace, source_id)
) WITHOUT ROWID;
CREATE INDEX crosswalk_reverse ON crosswalk (namespace, target_id);

CREATE TABLE cache (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (namespace, key)
) WITHOUT ROWID;

CREATE TABLE policy_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until INTEGER NOT NULL
) WITHOUT ROWID;
`;

/**
 * The schema's history, oldest first. Append only.
 *
 * @example
 * ```ts
 * const latest = MIGRATIONS[MIGRATIONS.length - 1].version;
 * ```
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial tables', sql: V1_TABLES },
  {
    version: 2,
    name: 'ping probe table',
    // ping() writes and deletes a row here so /readyz proves a write can
    // still reach the disk without touching user data.
    sql: `CREATE TABLE store_probe (id INTEGER PRIMARY KEY, data BLOB NOT NULL);`,
  },
  {
    version: 3,
    name: 'reject ledger',
    // record_key is unique per integration so a record rejected again (a
    // replay, a re-drive) stays one row; NULL keys never collide in SQLite.
    sql: `CREATE TABLE rejects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  integration_id TEXT NOT NULL,
  mapping TEXT NOT NULL,
  record_key TEXT,
  field_path TEXT NOT NULL,
  rule TEXT NOT NULL,
  message TEXT NOT NULL,
  value TEXT NOT NULL,
  raw TEXT NOT NULL,
  at INTEGER NOT NULL,
  retries INTEGER NOT NULL DEFAULT 0,
  last_retried_at INTEGER,
  UNIQUE (integration_id, record_key)
);
CREATE INDEX rejects_list ON rejects (integration_id, id);`,
  },
  {
    version: 4,
    name: 'inbox by received time',
    // Replay lists an integration's envelopes by received time, paged by id.
    sql: `CREATE INDEX inbox_received ON inbox (integration_id, received_at, id);`,
  },
  {
    version: 5,
    name: 'inbox status index off the append path',
    // Every append paid for an (integration_id, status) entry that only
    // count(integrationId, status) reads. Open items (pending, processing,
    // failed) always have a due_at, so inbox_due already finds them; closed
    // items (done, dead) never do, and only they enter this partial index,
    // when they close, so a received envelope is stored with one index less.
    sql: `DROP INDEX inbox_status;
CREATE INDEX inbox_closed ON inbox (integration_id, status) WHERE due_at IS NULL;`,
  },
];

/**
 * The version a fully migrated database has.
 *
 * @example
 * ```ts
 * db.pragma('user_version', { simple: true }) === SCHEMA_VERSION;
 * ```
 */
export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings `db` up to `target` (default: the latest version). Each step runs
 * in a `BEGIN IMMEDIATE` transaction that re-reads the version first, so two
 * processes opening an old database at the same moment migrate it once.
 * Returns the versions applied.
 *
 * @example
 * ```ts
 * const applied = migrate(db); // [1, 2] on a new file, [] when up to date
 * ```
 */
export function migrate(
  db: Database.Database,
  options: { target?: number; migrations?: readonly Migration[] } = {},
): number[] {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const target = options.target ?? latest;
  const applied: number[] = [];
  const current = readVersion(db);
  if (current > latest) {
    throw new PatchbayError(
      'config',
      `store schema version ${current} is newer than this Patchbay knows (${latest}); upgrade Patchbay`,
      { code: 'STORE_SCHEMA_TOO_NEW', details: { found: current, supported: latest } },
    );
  }
  for (const step of migrations) {
    if (step.version > target) break;
    if (step.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      // Another process may have migrated while we waited for the lock.
      if (readVersion(db) < step.version) {
        db.exec(step.sql);
        db.pragma(`user_version = ${step.version}`);
        applied.push(step.version);
      }
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      const mapped = storeError(err);
      // A busy or full disk is not a broken migration: let it say 503.
      if (mapped.code === 'STORE_UNAVAILABLE') throw mapped;
      throw new PatchbayError(
        'config',
        `store migration ${step.version} (${step.name}) failed: ${(err as Error).message}`,
        { code: 'STORE_MIGRATION_FAILED', cause: err, details: { version: step.version } },
      );
    }
  }
  return applied;
}

/**
 * The schema version recorded in the file.
 *
 * @example
 * ```ts
 * readVersion(db); // 2
 * ```
 */
export function readVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}
