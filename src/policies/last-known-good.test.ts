import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PatchbayError } from '../core/errors.js';
import { httpError } from '../core/classify.js';
import { LastKnownGood, type StaleServedEvent } from './last-known-good.js';
import { MemoryCacheRepo } from './memory-repos.js';

const T0 = Date.parse('2026-11-17T08:00:00Z');

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('LastKnownGood', () => {
  it('keeps fresh answers and serves them marked stale, with asOf, when the read fails', async () => {
    const cache = new MemoryCacheRepo();
    const lkg = new LastKnownGood({}, { name: 'gps', cache });
    const served: StaleServedEvent[] = [];
    lkg.onStaleServed((e) => served.push(e));
    expect(await lkg.execute('fleet-7', async () => ({ trucks: 3 }))).toEqual({
      value: { trucks: 3 },
      stale: false,
    });
    vi.advanceTimersByTime(90_000);
    const outage = new PatchbayError('circuit_open', 'open', { code: 'CIRCUIT_OPEN' });
    const r = await lkg.execute('fleet-7', () => Promise.reject(outage));
    expect(r).toEqual({
      value: { trucks: 3 },
      stale: true,
      asOf: T0,
      ageMs: 90_000,
      error: outage,
    });
    expect(served).toEqual([
      { name: 'gps', key: 'fleet-7', asOf: T0, ageMs: 90_000, error: outage },
    ]);
  });

  it('fails instead once the value is older than maxStaleness', async () => {
    const lkg = new LastKnownGood({ maxStaleness: '10m' }, { name: 'gps' });
    await lkg.execute('k', async () => 1);
    vi.advanceTimersByTime(10 * 60_000);
    expect((await lkg.execute('k', () => Promise.reject(httpError(503, 'GET')))).stale).toBe(true);
    vi.advanceTimersByTime(1);
    await expect(
      lkg.execute('k', () => Promise.reject(httpError(503, 'GET'))),
    ).rejects.toMatchObject({ code: 'HTTP_503' });
  });

  it('never answers a permanent failure or a cancellation with stale data', async () => {
    const lkg = new LastKnownGood({}, { name: 'gps' });
    await lkg.execute('k', async () => 1);
    await expect(
      lkg.execute('k', () => Promise.reject(httpError(404, 'GET'))),
    ).rejects.toMatchObject({ kind: 'http_4xx' });
    await expect(
      lkg.execute('k', () => Promise.reject(new PatchbayError('cancelled', 'stop'))),
    ).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('rethrows when nothing is kept for the key, and keys are separate', async () => {
    const lkg = new LastKnownGood({}, { name: 'gps' });
    await lkg.execute('a', async () => 'A');
    await expect(lkg.execute('b', () => Promise.reject(httpError(503, 'GET')))).rejects.toThrow(
      /503/,
    );
    await lkg.forget('a');
    await expect(lkg.execute('a', () => Promise.reject(httpError(503, 'GET')))).rejects.toThrow(
      /503/,
    );
  });

  it('a failing cache does not fail the read', async () => {
    const broken = {
      get: () => Promise.reject(new Error('disk')),
      set: () => Promise.reject(new Error('disk')),
      delete: () => Promise.resolve(),
    };
    const lkg = new LastKnownGood({}, { name: 'gps', cache: broken });
    const errors: unknown[] = [];
    lkg.onStoreError((e) => errors.push(e));
    expect((await lkg.execute('k', async () => 5)).value).toBe(5);
    await expect(lkg.execute('k', () => Promise.reject(httpError(503, 'GET')))).rejects.toThrow();
    expect(errors).toHaveLength(2);
  });
});
