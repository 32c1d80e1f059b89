import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectsWith } from '../contract/index.js';
import type { InboxAppend } from '../types.js';
import { configureConnection, openSqliteStore, type SqliteStore } from './open.js';

let dir: string;
const open: SqliteStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-open-'));
});

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function track(p: Promise<SqliteStore>): Promise<SqliteStore> {
  const store = await p;
  open.push(store);
  return store;
}

const item = (n: number, bytes = 16): InboxAppend => ({
  integrationId: 'orders',
  receivedAt: n,
  body: Buffer.alloc(bytes, n % 256),
});

describe('openSqliteStore', () => {
  it('creates parent folders and sets WAL, synchronous=FULL and foreign keys', async () => {
    const path = join(dir, 'nested', 'deeper', 'state.db');
    const store = await track(openSqliteStore({ path, busyTimeoutMs: 1234 }));
    expect(store.kind).toBe('sqlite');
    expect(store.path).toBe(path);
    await store.ping();
    expect(existsSync(path)).toBe(true);
    // journal mode is stored in the file; the rest is per connection
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    configureConnection(db, { busyTimeoutMs: 1234 });
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    db.close();
  });

  it('batches many concurrent durable writes into far fewer commits', async () => {
    const store = await track(openSqliteStore({ path: join(dir, 'state.db') }));
    const before = store.stats();
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => store.inbox.append(item(i))),
    );
    const after = store.stats();
    expect(new Set(results.map((r) => r.id)).size).toBe(1000);
    expect(after.writes - before.writes).toBe(1000);
    expect(after.commits - before.commits).toBeLessThanOrEqual(10);
  });

  it('uses the injected clock for every omitted now', async () => {
    let now = 1_000_000;
    const store = await track(openSqliteStore({ path: ':memory:', clock: () => now }));
    await store.checkpoints.set('i', 's', { kind: 'cursor', value: 'c' });
    expect((await store.checkpoints.get('i', 's'))?.updatedAt).toBe(1_000_000);
    expect(await store.leases.acquire('l', 'a', 100)).toBe(true);
    now += 100;
    expect(await store.leases.acquire('l', 'b', 100)).toBe(true);
  });

  it('fails writes and ping with STORE_UNAVAILABLE when the size cap is reached', async () => {
    const store = await track(
      openSqliteStore({ path: join(dir, 'state.db'), maxSizeBytes: 256 * 1024 }),
    );
    await store.ping();
    const acked: string[] = [];
    let failure: unknown;
    for (let i = 0; i < 1000 && failure === undefined; i++) {
      await store.inbox.append(item(i, 1024)).then(
        (r) => acked.push(r.id),
        (err: unknown) => (failure = err),
      );
    }
    expect(acked.length).toBeGreaterThan(10);
    expect(failure).toMatchObject({
      kind: 'overloaded',
      code: 'STORE_UNAVAILABLE',
      retryable: true,
      details: { sqliteCode: 'SQLITE_FULL' },
    });
    await rejectsWith(store.ping(), { kind: 'overloaded', code: 'STORE_UNAVAILABLE' });
    // what was acknowledged before the disk filled is all still there
    expect(await store.inbox.count('orders')).toBe(acked.length);
    expect((await store.inbox.get(acked[acked.length - 1] as string))?.body.length).toBe(1024);
  });

  it('reports an unopenable path as a PatchbayError', async () => {
    await rejectsWith(openSqliteStore({ path: dir }), { code: 'STORE_UNAVAILABLE' });
    await rejectsWith(openSqliteStore({ path: ':memory:', maxBatch: 0 }), {
      code: 'STORE_INVALID_ARGUMENT',
    });
  });

  it('answers STORE_UNAVAILABLE when the lock stays taken past busyTimeoutMs', async () => {
    const path = join(dir, 'state.db');
    const store = await track(openSqliteStore({ path, busyTimeoutMs: 50 }));
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const err = await rejectsWith(store.inbox.append(item(1)), {
        kind: 'overloaded',
        code: 'STORE_UNAVAILABLE',
      });
      expect(err.details['sqliteCode']).toBe('SQLITE_BUSY');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await expect(store.inbox.append(item(2))).resolves.toMatchObject({ duplicate: false });
  });

  it('keeps acknowledged writes across reopen with the fsync in the thread pool or in COMMIT', async () => {
    for (const commitSync of ['thread-pool', 'in-commit'] as const) {
      const path = join(dir, `${commitSync}.db`);
      const first = await openSqliteStore({ path, commitSync });
      await Promise.all(Array.from({ length: 50 }, (_, i) => first.inbox.append(item(i))));
      await first.close();
      const again = await track(openSqliteStore({ path, commitSync }));
      expect(await again.inbox.count('orders')).toBe(50);
    }
  });
});
