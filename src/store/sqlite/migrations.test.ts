import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectsWith } from '../contract/index.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate, readVersion } from './migrations.js';
import { openSqliteStore } from './open.js';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-migrate-'));
  path = join(dir, 'state.db');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[])
    .filter((n) => !n.startsWith('sqlite_'))
    .sort();

describe('migrations', () => {
  it('numbers migrations 1, 2, 3... without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('builds a new database to the latest version, then does nothing', () => {
    const db = new Database(path);
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(readVersion(db)).toBe(SCHEMA_VERSION);
    expect(migrate(db)).toEqual([]);
    expect(tables(db)).toContain('store_probe');
    db.close();
  });

  it('upgrades a version-1 database on open and keeps its data', async () => {
    const old = new Database(path);
    migrate(old, { target: 1 });
    expect(readVersion(old)).toBe(1);
    expect(tables(old)).not.toContain('store_probe');
    old
      .prepare(
        `INSERT INTO inbox (integration_id, received_at, headers, body, meta, status, due_at)
         VALUES ('orders', 1, '{}', x'6869', '{}', 'pending', 0)`,
      )
      .run();
    old.close();

    const store = await openSqliteStore({ path });
    expect((await store.inbox.get('1'))?.body.toString()).toBe('hi');
    await store.ping(); // needs the version-2 table
    await store.close();
    const db = new Database(path);
    expect(readVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('refuses a database written by a newer Patchbay', async () => {
    const db = new Database(path);
    migrate(db);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await rejectsWith(openSqliteStore({ path }), { kind: 'config', code: 'STORE_SCHEMA_TOO_NEW' });
  });

  it('rolls a failed step back completely, version included', () => {
    const db = new Database(path);
    const broken = [
      ...MIGRATIONS,
      {
        version: SCHEMA_VERSION + 1,
        name: 'broken',
        sql: 'CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);',
      },
    ];
    expect(() => migrate(db, { migrations: broken })).toThrow(
      expect.objectContaining({ code: 'STORE_MIGRATION_FAILED' }) as Error,
    );
    expect(readVersion(db)).toBe(SCHEMA_VERSION);
    expect(tables(db)).not.toContain('half_done');
    expect(db.inTransaction).toBe(false);
    db.close();
  });
});
