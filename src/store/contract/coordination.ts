import { describe, expect, it } from 'vitest';
import type { Store } from '../types.js';
import { RICH_JSON, T0, range, rejectsWith, type Harness } from './support.js';

/**
 * Adds 1 to a counter kept in policy state by read + compare-and-set,
 * retrying when another writer won. Used by the race tests.
 *
 * @example
 * ```ts
 * await increment(store, 'counter');
 * ```
 */
export async function increment(store: Store, key: string): Promise<number> {
  for (;;) {
    const current = await store.policyState.get(key);
    const value = typeof current?.value === 'number' ? current.value : 0;
    const version = await store.policyState.compareAndSet(key, current?.version ?? 0, value + 1);
    if (version !== undefined) return version;
  }
}

/**
 * Registers the policy-state and lease parts of the store contract.
 *
 * @example
 * ```ts
 * coordinationContract(useStore(factory));
 * ```
 */
export function coordinationContract(h: Harness): void {
  describe('policy state', () => {
    it('creates with version 0, then advances one version per successful write', async () => {
      expect(await h.store.policyState.get('breaker:erp')).toBeUndefined();
      expect(await h.store.policyState.compareAndSet('breaker:erp', 0, { state: 'closed' })).toBe(
        1,
      );
      expect(await h.store.policyState.compareAndSet('breaker:erp', 0, { state: 'x' })).toBe(
        undefined,
      );
      expect(await h.store.policyState.compareAndSet('breaker:erp', 5, { state: 'x' })).toBe(
        undefined,
      );
      expect(await h.store.policyState.compareAndSet('breaker:erp', 1, RICH_JSON)).toBe(2);
      const got = await h.store.policyState.get('breaker:erp');
      expect(got).toMatchObject({ value: RICH_JSON, version: 2 });
      expect(typeof got?.updatedAt).toBe('number');
    });

    it('lets exactly one of many racing writers win a version', async () => {
      const results = await Promise.all(
        range(25).map((i) => h.store.policyState.compareAndSet('race', 0, { winner: i })),
      );
      const winners = results.filter((v) => v !== undefined);
      expect(winners).toEqual([1]);
      const winner = results.indexOf(1);
      expect((await h.store.policyState.get('race'))?.value).toEqual({ winner });
    });

    it('loses no increment when many writers retry on conflict', async () => {
      await Promise.all(
        range(8).map(async () => {
          for (const _ of range(10)) await increment(h.store, 'counter');
        }),
      );
      expect(await h.store.policyState.get('counter')).toMatchObject({ value: 80, version: 80 });
    });

    it('lists by prefix, literally', async () => {
      for (const key of ['limiter:a', 'limiter:b', 'breaker:a', 'lim%ter:c', 'limiter']) {
        await h.store.policyState.compareAndSet(key, 0, key);
      }
      const limiters = await h.store.policyState.list('limiter:');
      expect(limiters.map((s) => s.key)).toEqual(['limiter:a', 'limiter:b']);
      expect(limiters[0]).toMatchObject({ value: 'limiter:a', version: 1 });
      expect((await h.store.policyState.list('lim%')).map((s) => s.key)).toEqual(['lim%ter:c']);
      expect(await h.store.policyState.list()).toHaveLength(5);
    });

    it('rejects a negative expected version', async () => {
      await rejectsWith(h.store.policyState.compareAndSet('k', -1, 1), { kind: 'validation' });
    });
  });

  describe('leases', () => {
    it('gives a free lease to one owner at a time', async () => {
      expect(await h.store.leases.acquire('poll:orders', 'a', 1000, T0)).toBe(true);
      expect(await h.store.leases.acquire('poll:orders', 'b', 1000, T0 + 1)).toBe(false);
      expect(await h.store.leases.holder('poll:orders', T0 + 1)).toEqual({
        owner: 'a',
        until: T0 + 1000,
      });
      expect(await h.store.leases.acquire('poll:invoices', 'b', 1000, T0)).toBe(true);
    });

    it('renews for the holder and expires for everyone else', async () => {
      await h.store.leases.acquire('l', 'a', 1000, T0);
      expect(await h.store.leases.acquire('l', 'a', 1000, T0 + 900)).toBe(true);
      expect(await h.store.leases.holder('l', T0 + 1500)).toEqual({ owner: 'a', until: T0 + 1900 });
      expect(await h.store.leases.acquire('l', 'b', 1000, T0 + 1899)).toBe(false);
      expect(await h.store.leases.holder('l', T0 + 1900)).toBeUndefined();
      expect(await h.store.leases.acquire('l', 'b', 1000, T0 + 1900)).toBe(true);
      expect((await h.store.leases.holder('l', T0 + 1900))?.owner).toBe('b');
    });

    it('releases only for the holder', async () => {
      await h.store.leases.acquire('l', 'a', 60_000, T0);
      await h.store.leases.release('l', 'b');
      expect((await h.store.leases.holder('l', T0))?.owner).toBe('a');
      await h.store.leases.release('l', 'a');
      expect(await h.store.leases.holder('l', T0)).toBeUndefined();
      expect(await h.store.leases.acquire('l', 'b', 60_000, T0)).toBe(true);
    });

    it('grants a contested lease to exactly one of many concurrent owners', async () => {
      const results = await Promise.all(
        range(20).map((i) => h.store.leases.acquire('contested', `o${i}`, 60_000, T0)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const holder = await h.store.leases.holder('contested', T0);
      expect(holder?.owner).toBe(`o${results.indexOf(true)}`);
    });
  });
}
