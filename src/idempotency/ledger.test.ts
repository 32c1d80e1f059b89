import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { IdempotencyRepo, Store } from '../store/types.js';
import { MemoryIdempotencyRepo } from '../policies/memory-repos.js';
import { IdempotencyLedger } from './ledger.js';
import { deriveIdempotencyKey, fingerprint } from './key.js';

const T0 = Date.parse('2026-11-17T08:00:00Z');
const dir = mkdtempSync(join(tmpdir(), 'pb-ledger-'));
const stores: Store[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function sqliteRepo(): Promise<IdempotencyRepo> {
  const store = await openSqliteStore({ path: join(dir, `${stores.length}.db`) });
  stores.push(store);
  return store.idempotency;
}

beforeEach(() => {
  // The SQLite store commits on setImmediate; only the clock and timeouts are faked.
  vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe.each([
  ['memory', async () => new MemoryIdempotencyRepo()],
  ['sqlite', sqliteRepo],
])('IdempotencyLedger on the %s repo', (_, makeRepo) => {
  it('runs once, records the outcome and replays it on a repeat', async () => {
    const ledger = new IdempotencyLedger(await makeRepo(), { scope: 'erp:create-invoice' });
    const key = deriveIdempotencyKey('create-invoice', { no: 42 });
    let calls = 0;
    const create = async () => ({ invoiceId: `INV-${++calls}` });
    expect(await ledger.run(key, create)).toEqual({
      value: { invoiceId: 'INV-1' },
      replayed: false,
    });
    expect(await ledger.run(key, create)).toEqual({
      value: { invoiceId: 'INV-1' },
      replayed: true,
    });
    expect(calls).toBe(1);
  });

  it('answers a concurrent repeat with a retryable in-flight error', async () => {
    const ledger = new IdempotencyLedger(await makeRepo(), { scope: 's', lease: '1m' });
    let release!: () => void;
    const first = ledger.run('k', () => new Promise<string>((r) => (release = () => r('done'))));
    while (release === undefined) await new Promise((r) => setImmediate(r));
    await expect(ledger.run('k', async () => 'again')).rejects.toMatchObject({
      kind: 'overloaded',
      code: 'IDEMPOTENCY_IN_FLIGHT',
      retryable: true,
      retryAfterMs: 60_000,
    });
    release();
    expect(await first).toEqual({ value: 'done', replayed: false });
  });

  it('releases the claim when the call fails, so it can be tried again', async () => {
    const ledger = new IdempotencyLedger(await makeRepo(), { scope: 's' });
    await expect(ledger.run('k', () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    expect(await ledger.run('k', async () => 'second try')).toEqual({
      value: 'second try',
      replayed: false,
    });
  });

  it('lets a claim whose process died be taken again after the lease', async () => {
    const repo = await makeRepo();
    await repo.claim('s', 'k', { owner: 'crashed-worker', leaseMs: 20 * 60_000, now: Date.now() });
    const ledger = new IdempotencyLedger(repo, { scope: 's' });
    await expect(ledger.run('k', async () => 1)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_IN_FLIGHT',
    });
    vi.setSystemTime(T0 + 20 * 60_000);
    expect(await ledger.run('k', async () => 1)).toEqual({ value: 1, replayed: false });
  });

  it('rejects a repeat with different parameters', async () => {
    const ledger = new IdempotencyLedger(await makeRepo(), { scope: 's' });
    await ledger.run('k', async () => 1, { fingerprint: fingerprint({ amount: 100 }) });
    await expect(
      ledger.run('k', async () => 2, { fingerprint: fingerprint({ amount: 200 }) }),
    ).rejects.toMatchObject({ kind: 'validation', code: 'IDEMPOTENCY_MISMATCH', retryable: false });
  });

  it('forgets outcomes after the retention (24 h by default)', async () => {
    const ledger = new IdempotencyLedger(await makeRepo(), { scope: 's' });
    await ledger.run('k', async () => 'first');
    vi.setSystemTime(T0 + 24 * 3_600_000 - 1);
    expect((await ledger.run('k', async () => 'second')).replayed).toBe(true);
    vi.setSystemTime(T0 + 24 * 3_600_000);
    expect(await ledger.run('k', async () => 'second')).toEqual({
      value: 'second',
      replayed: false,
    });
  });

  it('replays an undefined result as undefined', async () => {
    const ledger = new IdempotencyLedger(await makeRepo(), { scope: 's' });
    await ledger.run('k', async () => undefined);
    expect(await ledger.run('k', async () => 'x')).toEqual({ value: undefined, replayed: true });
  });
});

describe('IdempotencyLedger across processes', () => {
  it('a second store on the same file sees the recorded outcome', async () => {
    const path = join(dir, 'shared.db');
    const a = await openSqliteStore({ path });
    const b = await openSqliteStore({ path });
    stores.push(a, b);
    await new IdempotencyLedger(a.idempotency, { scope: 's' }).run('k', async () => 'from a');
    expect(
      await new IdempotencyLedger(b.idempotency, { scope: 's' }).run('k', async () => 'b'),
    ).toEqual({
      value: 'from a',
      replayed: true,
    });
  });

  it('rejects bad options with a config error naming the field', () => {
    const repo = new MemoryIdempotencyRepo();
    expect(() => new IdempotencyLedger(repo, { scope: '' })).toThrow('ledger.scope');
    expect(() => new IdempotencyLedger(repo, { scope: 's', lease: '-1m' })).toThrow('ledger.lease');
  });
});
