import { describe, expect, it } from 'vitest';
import type { DeadLetterAdd } from '../types.js';
import { RICH_JSON, T0, range, rejectsWith, sampleError, type Harness } from './support.js';

function letter(n: number, extra: Partial<DeadLetterAdd> = {}): DeadLetterAdd {
  return {
    integrationId: 'orders',
    stage: 'sink',
    raw: { n },
    error: sampleError(`failure ${n}`),
    attempts: 3,
    firstSeenAt: T0 + n,
    lastSeenAt: T0 + n,
    ...extra,
  };
}

/**
 * Registers the dead-letter part of the store contract.
 *
 * @example
 * ```ts
 * deadLetterContract(useStore(factory));
 * ```
 */
export function deadLetterContract(h: Harness): void {
  describe('dead letters', () => {
    it('stores a letter and reads it back', async () => {
      const { id } = await h.store.deadLetters.add(
        letter(1, { raw: RICH_JSON, itemKey: 'order-1', stage: 'step:map' }),
      );
      expect(await h.store.deadLetters.get(id)).toEqual({
        id,
        integrationId: 'orders',
        stage: 'step:map',
        raw: RICH_JSON,
        itemKey: 'order-1',
        error: sampleError('failure 1'),
        attempts: 3,
        firstSeenAt: T0 + 1,
        lastSeenAt: T0 + 1,
        retries: 0,
      });
      const noKey = await h.store.deadLetters.add(letter(2));
      expect((await h.store.deadLetters.get(noKey.id))?.itemKey).toBeUndefined();
      expect(await h.store.deadLetters.get('987654')).toBeUndefined();
    });

    it('updates a letter with the same item key instead of duplicating it', async () => {
      const first = await h.store.deadLetters.add(letter(1, { itemKey: 'k' }));
      await h.store.deadLetters.markRetried(first.id, sampleError('retried'), T0 + 5);
      const again = await h.store.deadLetters.add(
        letter(9, { itemKey: 'k', attempts: 8, stage: 'step:map', raw: { changed: true } }),
      );
      expect(again.id).toBe(first.id);
      expect(await h.store.deadLetters.count('orders')).toBe(1);
      // What failed last is what `dlq show` shows and `dlq retry` sends again.
      expect(await h.store.deadLetters.get(first.id)).toEqual({
        id: first.id,
        integrationId: 'orders',
        stage: 'step:map',
        raw: { changed: true },
        itemKey: 'k',
        error: sampleError('failure 9'),
        attempts: 8,
        firstSeenAt: T0 + 1,
        lastSeenAt: T0 + 9,
        retries: 1,
      });
      const otherIntegration = await h.store.deadLetters.add(
        letter(1, { itemKey: 'k', integrationId: 'invoices' }),
      );
      expect(otherIntegration.id).not.toBe(first.id);
      await h.store.deadLetters.add(letter(3));
      await h.store.deadLetters.add(letter(3));
      expect(await h.store.deadLetters.count('orders')).toBe(3);
    });

    it('pages through letters in insertion order', async () => {
      for (const i of range(7)) await h.store.deadLetters.add(letter(i));
      await h.store.deadLetters.add(letter(100, { integrationId: 'invoices' }));
      const page1 = await h.store.deadLetters.list('orders', { limit: 3 });
      const page2 = await h.store.deadLetters.list('orders', { limit: 3, afterId: page1[2]?.id });
      const page3 = await h.store.deadLetters.list('orders', { limit: 3, afterId: page2[2]?.id });
      const raws = [...page1, ...page2, ...page3].map((l) => l.raw);
      expect(raws).toEqual(range(7).map((n) => ({ n })));
      expect(page3).toHaveLength(1);
      expect(await h.store.deadLetters.list('orders', { afterId: page3[0]?.id })).toEqual([]);
      expect(await h.store.deadLetters.list('orders')).toHaveLength(7);
    });

    it('counts per integration and in total', async () => {
      await h.store.deadLetters.add(letter(1));
      await h.store.deadLetters.add(letter(2));
      await h.store.deadLetters.add(letter(3, { integrationId: 'invoices' }));
      expect(await h.store.deadLetters.count('orders')).toBe(2);
      expect(await h.store.deadLetters.count('invoices')).toBe(1);
      expect(await h.store.deadLetters.count()).toBe(3);
    });

    it('removes letters by id and says how many went', async () => {
      const a = await h.store.deadLetters.add(letter(1));
      const b = await h.store.deadLetters.add(letter(2));
      const c = await h.store.deadLetters.add(letter(3));
      expect(await h.store.deadLetters.remove([a.id, c.id, '555555', 'junk', a.id])).toBe(2);
      expect(await h.store.deadLetters.remove([])).toBe(0);
      expect(await h.store.deadLetters.get(a.id)).toBeUndefined();
      expect((await h.store.deadLetters.list('orders')).map((l) => l.id)).toEqual([b.id]);
    });

    it('resolves letters by item key within one integration only', async () => {
      await h.store.deadLetters.add(letter(1, { itemKey: 'evt_1' }));
      const kept = await h.store.deadLetters.add(letter(2, { itemKey: 'evt_2' }));
      const keyless = await h.store.deadLetters.add(letter(3));
      const other = await h.store.deadLetters.add(
        letter(4, { itemKey: 'evt_1', integrationId: 'invoices' }),
      );
      expect(await h.store.deadLetters.resolve('orders', ['evt_1', 'evt_9', "it's"])).toBe(1);
      expect(await h.store.deadLetters.resolve('orders', [])).toBe(0);
      expect(await h.store.deadLetters.any('orders')).toBe(true);
      expect(await h.store.deadLetters.any('nobody')).toBe(false);
      expect((await h.store.deadLetters.list('orders')).map((l) => l.id)).toEqual([
        kept.id,
        keyless.id,
      ]);
      expect((await h.store.deadLetters.list('invoices')).map((l) => l.id)).toEqual([other.id]);
    });

    it('counts operator retries', async () => {
      const { id } = await h.store.deadLetters.add(letter(1));
      await h.store.deadLetters.markRetried(id, sampleError('still broken'), T0 + 500);
      await h.store.deadLetters.markRetried(id, sampleError('broken again'), T0 + 900);
      expect(await h.store.deadLetters.get(id)).toMatchObject({
        retries: 2,
        lastSeenAt: T0 + 900,
        error: sampleError('broken again'),
        firstSeenAt: T0 + 1,
      });
      await rejectsWith(h.store.deadLetters.markRetried('31337', sampleError(), T0), {
        kind: 'validation',
        code: 'STORE_NOT_FOUND',
      });
    });
  });
}
