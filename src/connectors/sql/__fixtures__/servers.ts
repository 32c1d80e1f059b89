/**
 * Test databases: a uniquely named PostgreSQL schema, MariaDB database or
 * SQLite file per test file, dropped afterwards, so parallel test files never
 * collide. A server that is not running fails the test with how to start it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { dialectFor } from '../dialects/index.js';
import type {
  ConnectorContext,
  ReadContext,
  SourceBatch,
  SourceSession,
} from '../../../core/connector.js';
import { SecretResolverChain } from '../../../core/secrets/resolver.js';
import type { DialectName, Row, SqlConnection } from '../types.js';

const START: Record<DialectName, string> = {
  postgres:
    'PostgreSQL is not running on 127.0.0.1:5432; start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  mysql:
    'MariaDB is not running on 127.0.0.1:3306; start it with: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  sqlite: 'SQLite file could not be created',
};

/** Column types of the shared `items` test table, per dialect. */
const TYPES: Record<DialectName, { ts: string; text: string; int: string }> = {
  postgres: { ts: 'TIMESTAMPTZ(6)', text: 'TEXT', int: 'INTEGER' },
  mysql: { ts: 'DATETIME(6)', text: 'VARCHAR(200)', int: 'INT' },
  sqlite: { ts: 'TEXT', text: 'TEXT', int: 'INTEGER' },
};

/** A throwaway database namespace on a real server. */
export interface TestDb {
  dialect: DialectName;
  /** Connection fields for a connector config. */
  connection: Record<string, unknown>;
  /** Qualified name of a table in this namespace. */
  t(name: string): string;
  /** An admin (read-write) connection. */
  admin: SqlConnection;
  /** Creates the `items` table: id, name, updated_at, deleted_at, version. */
  createItems(name?: string): Promise<string>;
  insert(table: string, rows: Record<string, unknown>[]): Promise<void>;
  rows(table: string): Promise<Row[]>;
  drop(): Promise<void>;
}

/**
 * Opens a test namespace.
 *
 * @example
 * ```ts
 * const db = await openTestDb('postgres');
 * ```
 */
export async function openTestDb(dialect: DialectName): Promise<TestDb> {
  const ns = `pb_${randomBytes(5).toString('hex')}`;
  const d = dialectFor(dialect);
  let dir: string | undefined;
  let connection: Record<string, unknown>;
  if (dialect === 'sqlite') {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-sql-'));
    connection = { dialect, file: join(dir, 'test.db') };
  } else {
    connection = {
      dialect,
      host: '127.0.0.1',
      database: 'test',
      user: dialect === 'postgres' ? 'postgres' : 'root',
    };
  }
  let admin: SqlConnection;
  try {
    admin = await d.connect({
      host: '127.0.0.1',
      database: dialect === 'sqlite' ? undefined : 'test',
      user: dialect === 'postgres' ? 'postgres' : 'root',
      file: connection['file'] as string | undefined,
      readOnly: false,
      statementTimeoutMs: 0,
      connectTimeoutMs: 3000,
    });
  } catch (err) {
    throw new Error(`${START[dialect]} (${(err as Error).message})`, { cause: err });
  }
  if (dialect === 'postgres') await admin.run(`CREATE SCHEMA ${ns}`);
  if (dialect === 'mysql') await admin.run(`CREATE DATABASE ${ns}`);
  const t = (name: string) => (dialect === 'sqlite' ? name : `${ns}.${name}`);
  const q = (name: string) =>
    name
      .split('.')
      .map((p) => d.quoteIdent(p))
      .join('.');
  return {
    dialect,
    connection,
    t,
    admin,
    async createItems(name = 'items') {
      const ty = TYPES[dialect];
      await admin.run(
        `CREATE TABLE ${q(t(name))} (id ${ty.int} PRIMARY KEY, name ${ty.text}, updated_at ${ty.ts} NOT NULL, deleted_at ${ty.ts} NULL, version ${ty.int})`,
      );
      return t(name);
    },
    async insert(table, rows) {
      for (const row of rows) {
        const cols = Object.keys(row);
        await admin.run(
          `INSERT INTO ${q(table)} (${cols.map((c) => d.quoteIdent(c)).join(', ')}) VALUES (${cols.map((_, i) => d.param(i + 1)).join(', ')})`,
          Object.values(row),
        );
      }
    },
    rows: (table) => admin.query(`SELECT * FROM ${q(table)} ORDER BY id`),
    async drop() {
      try {
        if (dialect === 'postgres') await admin.run(`DROP SCHEMA ${ns} CASCADE`);
        if (dialect === 'mysql') await admin.run(`DROP DATABASE ${ns}`);
      } finally {
        await admin.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A timestamp `sec` seconds after a fixed base, with microseconds.
 *
 * @example
 * ```ts
 * ts(3, 7); // '2026-11-23 12:00:03.000007'
 * ```
 */
export function ts(sec: number, micros = 0): string {
  const d = new Date(Date.UTC(2026, 10, 23, 12, 0, 0) + sec * 1000);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}.${String(micros).padStart(6, '0')}`;
}

/**
 * A connector context for direct session tests: one attempt, no logging.
 *
 * @example
 * ```ts
 * const session = await sqlExtract.spec.connect(cfg, testContext());
 * ```
 */
export function testContext(): ConnectorContext {
  return {
    integrationId: 'sql-test',
    logger: pino({ level: 'silent' }),
    store: undefined as never,
    secrets: new SecretResolverChain(),
    recordCall() {},
    guard: {
      execute: (fn, signal) => fn({ signal: signal ?? new AbortController().signal, attempt: 1 }),
    },
    signal: new AbortController().signal,
  };
}

/**
 * A read context for a live or replay run.
 *
 * @example
 * ```ts
 * readContext({ checkpoint: saved })
 * ```
 */
export function readContext(overrides: Partial<ReadContext> = {}): ReadContext {
  return {
    ...testContext(),
    checkpoint: undefined,
    mode: 'live',
    budget: { maxItems: Number.MAX_SAFE_INTEGER, deadline: Number.MAX_SAFE_INTEGER },
    ...overrides,
  };
}

/**
 * Reads every batch of a session.
 *
 * @example
 * ```ts
 * const batches = await readAll(session, readContext());
 * ```
 */
export async function readAll<T>(
  session: SourceSession<T>,
  ctx: ReadContext,
): Promise<SourceBatch<T>[]> {
  const out: SourceBatch<T>[] = [];
  for await (const batch of session.read(ctx)) out.push(batch);
  return out;
}
