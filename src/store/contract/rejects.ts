import { describe, expect, it } from 'vitest';
import type { RejectAdd } from '../types.js';
import { RICH_JSON, T0, range, rejectsWith, type Harness } from './support.js';

function reject(n: number, extra: Partial<RejectAdd> = {}): RejectAdd {
  return {
    integrationId: 'employees',
    mapping: 'employee',
    fieldPath: 'date_of_birth',
    rule: 'date',
    message: `not a date (${n})`,
    value: `31.02.${n}`,
    raw: { n },
    at: T0 + n,
    ...extra,
  };
}

/**
 * Registers the reject-ledger part of the store contract.
 *
 * @example
 * ```ts
 * rejectContract(useStore(factory));
 * ```
 */
export function rejectContract(h: Harness): void {
  describe('rejects', () => {
    it('stores a reject and reads it back', async () => {
      const { id } = await h.store.rejects.add(
        reject(1, { raw: RICH_JSON, recordKey: 'E-1', value: '***' }),
      );
      expect(await h.store.rejects.get(id)).toEqual({
        id,
        integrationId: 'employees',
        mapping: 'employee',
        recordKey: 'E-1',
        fieldPath: 'date_of_birth',
        rule: 'date',
        message: 'not a date (1)',
        value: '***',
        raw: RICH_JSON,
        at: T0 + 1,
        retries: 0,
        lastRetriedAt: null,
      });
      const whole = await h.store.rejects.add(reject(2, { fieldPath: '', value: null }));
      expect(await h.store.rejects.get(whole.id)).toMatchObject({
        recordKey: undefined,
        fieldPath: '',
        value: null,
      });
      expect(await h.store.rejects.get('987654')).toBeUndefined();
      expect(await h.store.rejects.get('junk')).toBeUndefined();
    });

    it('replaces a reject with the same record key instead of duplicating it', async () => {
      const first = await h.store.rejects.add(reject(1, { recordKey: 'k' }));
      const again = await h.store.rejects.add(
        reject(9, { recordKey: 'k', rule: 'phone', raw: { changed: true } }),
      );
      expect(again.id).toBe(first.id);
      expect(await h.store.rejects.count('employees')).toBe(1);
      expect(await h.store.rejects.get(first.id)).toMatchObject({
        rule: 'phone',
        raw: { changed: true },
        at: T0 + 9,
      });
      const other = await h.store.rejects.add(reject(1, { recordKey: 'k', integrationId: 'x' }));
      expect(other.id).not.toBe(first.id);
      await h.store.rejects.add(reject(3));
      await h.store.rejects.add(reject(3));
      expect(await h.store.rejects.count('employees')).toBe(3);
    });

    it('pages in insertion order and counts per integration and in total', async () => {
      for (const i of range(7)) await h.store.rejects.add(reject(i));
      await h.store.rejects.add(reject(100, { integrationId: 'invoices' }));
      const page1 = await h.store.rejects.list('employees', { limit: 3 });
      const page2 = await h.store.rejects.list('employees', { limit: 3, afterId: page1[2]?.id });
      const page3 = await h.store.rejects.list('employees', { limit: 3, afterId: page2[2]?.id });
      expect([...page1, ...page2, ...page3].map((r) => r.raw)).toEqual(
        range(7).map((n) => ({ n })),
      );
      expect(await h.store.rejects.list('employees')).toHaveLength(7);
      expect(await h.store.rejects.count('employees')).toBe(7);
      expect(await h.store.rejects.count('invoices')).toBe(1);
      expect(await h.store.rejects.count()).toBe(8);
    });

    it('removes rejects by id and says how many went', async () => {
      const a = await h.store.rejects.add(reject(1));
      const b = await h.store.rejects.add(reject(2));
      const c = await h.store.rejects.add(reject(3));
      expect(await h.store.rejects.remove([a.id, c.id, '555555', 'junk', a.id])).toBe(2);
      expect(await h.store.rejects.remove([])).toBe(0);
      expect((await h.store.rejects.list('employees')).map((r) => r.id)).toEqual([b.id]);
    });

    it('resolves rejects by record key within one integration only', async () => {
      await h.store.rejects.add(reject(1, { recordKey: 'f.csv#2' }));
      const kept = await h.store.rejects.add(reject(2, { recordKey: 'f.csv#3' }));
      const keyless = await h.store.rejects.add(reject(3));
      const other = await h.store.rejects.add(
        reject(4, { recordKey: 'f.csv#2', integrationId: 'x' }),
      );
      const resolved = await h.store.rejects.resolve('employees', ['f.csv#2', 'f.csv#9', "it's"]);
      expect(resolved).toBe(1);
      expect(await h.store.rejects.any('employees')).toBe(true);
      expect(await h.store.rejects.any('nobody')).toBe(false);
      expect(await h.store.rejects.resolve('employees', [])).toBe(0);
      expect((await h.store.rejects.list('employees')).map((r) => r.id)).toEqual([
        kept.id,
        keyless.id,
      ]);
      expect((await h.store.rejects.list('x')).map((r) => r.id)).toEqual([other.id]);
    });

    it('counts re-drives that failed again with the latest failure', async () => {
      const { id } = await h.store.rejects.add(reject(1));
      const failure = { fieldPath: 'phone', rule: 'phone', message: 'bad', value: '12' };
      await h.store.rejects.markRetried(id, failure, T0 + 500);
      await h.store.rejects.markRetried(id, { ...failure, value: '13' }, T0 + 900);
      expect(await h.store.rejects.get(id)).toMatchObject({
        retries: 2,
        lastRetriedAt: T0 + 900,
        fieldPath: 'phone',
        value: '13',
        at: T0 + 1,
      });
      await rejectsWith(h.store.rejects.markRetried('31337', failure, T0), {
        kind: 'validation',
        code: 'STORE_NOT_FOUND',
      });
    });
  });
}
