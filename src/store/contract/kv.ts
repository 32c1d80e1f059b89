import { describe, expect, it } from 'vitest';
import { RICH_JSON, T0, range, type Harness } from './support.js';

/**
 * Registers the crosswalk and cache parts of the store contract.
 *
 * @example
 * ```ts
 * keyValueContract(useStore(factory));
 * ```
 */
export function keyValueContract(h: Harness): void {
  describe('crosswalk', () => {
    it('putIfAbsent keeps the first target id, also between concurrent writers', async () => {
      const ns = 'shop:customer';
      const first = await Promise.all([
        h.store.crosswalk.putIfAbsent(ns, 'cus-1', 'c-a'),
        h.store.crosswalk.putIfAbsent(ns, 'cus-1', 'c-b'),
      ]);
      expect(first[0]).toBe(first[1]);
      expect(await h.store.crosswalk.lookup(ns, 'cus-1')).toBe(first[0]);
      expect(await h.store.crosswalk.putIfAbsent(ns, 'cus-1', 'c-z')).toBe(first[0]);
      expect(await h.store.crosswalk.putIfAbsent(ns, 'cus-2', 'c-b')).toBe('c-b');
    });

    it('maps, overwrites and looks up in both directions', async () => {
      const ns = 'customer:crm->erp';
      expect(await h.store.crosswalk.lookup(ns, 'crm-1')).toBeUndefined();
      await h.store.crosswalk.put(ns, 'crm-1', 'erp-1');
      await h.store.crosswalk.put(ns, 'crm-2', 'erp-9');
      await h.store.crosswalk.put(ns, 'crm-3', 'erp-9');
      await h.store.crosswalk.put(ns, 'crm-1', 'erp-5');
      await h.store.crosswalk.put('other', 'crm-1', 'x');
      expect(await h.store.crosswalk.lookup(ns, 'crm-1')).toBe('erp-5');
      expect(await h.store.crosswalk.reverse(ns, 'erp-9')).toEqual(['crm-2', 'crm-3']);
      expect(await h.store.crosswalk.reverse(ns, 'erp-1')).toEqual([]);
      expect(await h.store.crosswalk.lookup('other', 'crm-1')).toBe('x');
    });

    it('looks up many ids at once, leaving out unmapped ones', async () => {
      const ns = 'sku';
      await Promise.all(range(1500).map((i) => h.store.crosswalk.put(ns, `s${i}`, `t${i}`)));
      const wanted = [...range(1500).map((i) => `s${i}`), 'missing', 's7', "quote'd"];
      const found = await h.store.crosswalk.lookupMany(ns, wanted);
      expect(found.size).toBe(1500);
      expect(found.get('s7')).toBe('t7');
      expect(found.get('s1499')).toBe('t1499');
      expect(found.has('missing')).toBe(false);
      expect((await h.store.crosswalk.lookupMany(ns, [])).size).toBe(0);
      expect((await h.store.crosswalk.lookupMany('empty-ns', ['s1'])).size).toBe(0);
    });
  });

  describe('cache', () => {
    it('stores values until their ttl runs out', async () => {
      await h.store.cache.set('etag', '/a', RICH_JSON, { ttlMs: 1000, now: T0 });
      expect(await h.store.cache.get('etag', '/a', T0 + 999)).toEqual({
        value: RICH_JSON,
        storedAt: T0,
        expiresAt: T0 + 1000,
      });
      expect(await h.store.cache.get('etag', '/a', T0 + 1000)).toBeUndefined();
    });

    it('keeps values without ttl forever and overwrites on set', async () => {
      await h.store.cache.set('lkg', 'rates', { eur: 1 }, { now: T0 });
      expect(await h.store.cache.get('lkg', 'rates', T0 + 1e12)).toEqual({
        value: { eur: 1 },
        storedAt: T0,
        expiresAt: null,
      });
      await h.store.cache.set('lkg', 'rates', { eur: 2 }, { now: T0 + 5, ttlMs: 10 });
      expect(await h.store.cache.get('lkg', 'rates', T0 + 6)).toMatchObject({
        value: { eur: 2 },
        storedAt: T0 + 5,
      });
      // an expired entry can be written again
      await h.store.cache.set('lkg', 'rates', null, { now: T0 + 100 });
      expect((await h.store.cache.get('lkg', 'rates', T0 + 100))?.value).toBeNull();
    });

    it('deletes entries and keeps namespaces apart', async () => {
      await h.store.cache.set('a', 'k', 1, { now: T0 });
      await h.store.cache.set('b', 'k', 2, { now: T0 });
      await h.store.cache.delete('a', 'k');
      await h.store.cache.delete('a', 'never-set');
      expect(await h.store.cache.get('a', 'k', T0)).toBeUndefined();
      expect((await h.store.cache.get('b', 'k', T0))?.value).toBe(2);
    });
  });
}
