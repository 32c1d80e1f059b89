import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPatchbayError } from '../../core/errors.js';
import { GroupCommitter } from './group-commit.js';

let db: Database.Database;

beforeEach(() => {
  db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  db.exec(`
    CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);
    CREATE TABLE parent (id INTEGER PRIMARY KEY);
    CREATE TABLE child (id INTEGER PRIMARY KEY,
      parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
  `);
});

afterEach(() => {
  if (db.open) db.close();
});

const rows = () => db.prepare('SELECT id, v FROM t ORDER BY id').all();

describe('GroupCommitter', () => {
  it('commits writes queued in the same turn in one transaction', async () => {
    const gc = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const ids = await Promise.all(
      Array.from({ length: 300 }, (_, i) => gc.enqueue(() => insert.run(`v${i}`).lastInsertRowid)),
    );
    expect(new Set(ids).size).toBe(300);
    expect(gc.stats()).toMatchObject({ commits: 1, writes: 300, largestBatch: 300 });
  });

  it('splits a burst into batches of maxBatch', async () => {
    const gc = new GroupCommitter(db, { maxBatch: 100 });
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    await Promise.all(Array.from({ length: 450 }, (_, i) => gc.enqueue(() => insert.run(`${i}`))));
    expect(gc.stats()).toMatchObject({ commits: 5, writes: 450, largestBatch: 100 });
  });

  it('rolls back only the failing write, including its partial changes', async () => {
    const gc = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    const results = await Promise.allSettled([
      gc.enqueue(() => insert.run(1, 'a')),
      gc.enqueue(() => {
        insert.run(2, 'partial'); // undone by the savepoint
        insert.run(1, 'clash');
      }),
      gc.enqueue(() => {
        throw new Error('handler bug');
      }),
      gc.enqueue(() => insert.run(3, 'c')),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    const clash = (results[1] as PromiseRejectedResult).reason as unknown;
    expect(isPatchbayError(clash)).toBe(true);
    expect(clash).toMatchObject({ kind: 'validation', code: 'STORE_CONSTRAINT' });
    expect(isPatchbayError((results[2] as PromiseRejectedResult).reason)).toBe(true);
    expect(rows()).toEqual([
      { id: 1, v: 'a' },
      { id: 3, v: 'c' },
    ]);
    expect(gc.stats()).toMatchObject({ commits: 1, writes: 2, failedWrites: 2 });
  });

  it('rejects the whole batch when COMMIT fails', async () => {
    const gc = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    // a deferred foreign key is only checked at COMMIT
    const orphan = db.prepare('INSERT INTO child (parent_id) VALUES (999)');
    const results = await Promise.allSettled([
      gc.enqueue(() => insert.run('a')),
      gc.enqueue(() => orphan.run()),
      gc.enqueue(() => insert.run('b')),
    ]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(rows()).toEqual([]);
    expect(db.inTransaction).toBe(false);
    expect(gc.stats()).toMatchObject({ commits: 0, failedBatches: 1 });
    // the committer keeps working afterwards
    await gc.enqueue(() => insert.run('after'));
    expect(rows()).toEqual([{ id: 1, v: 'after' }]);
  });

  it('takes writes queued by settled writers in the next batch', async () => {
    const gc = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const chains = Array.from({ length: 10 }, async (_, w) => {
      for (let i = 0; i < 5; i++) await gc.enqueue(() => insert.run(`${w}-${i}`));
    });
    await Promise.all(chains);
    expect(rows()).toHaveLength(50);
    // ten writers in lock step: each round of ten is one commit
    expect(gc.stats()).toMatchObject({ commits: 5, writes: 50, largestBatch: 10 });
  });

  it('commits pending writes on close and refuses later ones', async () => {
    const gc = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const pending = [gc.enqueue(() => insert.run('x')), gc.enqueue(() => insert.run('y'))];
    gc.close();
    gc.close();
    expect(gc.pending).toBe(0);
    await Promise.all(pending);
    expect(rows()).toHaveLength(2);
    await expect(gc.enqueue(() => insert.run('z'))).rejects.toMatchObject({
      code: 'STORE_CLOSED',
    });
  });

  it('rejects queued writes when the connection was closed under it', async () => {
    const gc = new GroupCommitter(db);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const pending = gc.enqueue(() => insert.run('x'));
    db.close();
    await expect(pending).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });
});

describe('GroupCommitter with the sync off the event loop (syncFile)', () => {
  let dir: string;
  let file: Database.Database;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-gc-'));
    file = new Database(join(dir, 'state.db'));
    file.pragma('journal_mode = WAL');
    file.pragma('synchronous = NORMAL');
    file.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  });

  afterEach(() => {
    if (file.open) file.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resolves writes after the WAL sync, sharing syncs between batches', async () => {
    const gc = new GroupCommitter(file, { syncFile: join(dir, 'state.db-wal') });
    const insert = file.prepare('INSERT INTO t (v) VALUES (?)');
    const chains = Array.from({ length: 10 }, async (_, w) => {
      for (let i = 0; i < 5; i++) await gc.enqueue(() => insert.run(`${w}-${i}`));
    });
    await Promise.all(chains);
    expect(file.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 50 });
    expect(gc.stats()).toMatchObject({ writes: 50, failedBatches: 0 });
  });

  it('rejects a failed write alone and keeps the others', async () => {
    const gc = new GroupCommitter(file, { syncFile: join(dir, 'state.db-wal') });
    const insert = file.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
    const results = await Promise.allSettled([
      gc.enqueue(() => insert.run(1, 'a')),
      gc.enqueue(() => insert.run(1, 'clash')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('syncs and settles what is committed on close', async () => {
    const gc = new GroupCommitter(file, { syncFile: join(dir, 'state.db-wal') });
    const insert = file.prepare('INSERT INTO t (v) VALUES (?)');
    const pending = [gc.enqueue(() => insert.run('x')), gc.enqueue(() => insert.run('y'))];
    gc.close();
    await Promise.all(pending);
    expect(gc.stats()).toMatchObject({ writes: 2 });
  });

  it('never resolves a write whose sync failed, and refuses every later write', async () => {
    // A sync that cannot even open its file stands in for an fsync error (EIO).
    const gc = new GroupCommitter(file, { syncFile: join(dir, 'missing', 'state.db-wal') });
    const insert = file.prepare('INSERT INTO t (v) VALUES (?)');
    const results = await Promise.allSettled([
      gc.enqueue(() => insert.run('a')),
      gc.enqueue(() => insert.run('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    await expect(gc.enqueue(() => insert.run('later'))).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
    });
    expect(gc.stats()).toMatchObject({ writes: 0 });
  });
});
