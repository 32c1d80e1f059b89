import { describe, expect, it } from 'vitest';
import { RICH_JSON, T0, range, type Harness } from './support.js';

const LEASE = 10_000;

/**
 * Registers the idempotency part of the store contract.
 *
 * @example
 * ```ts
 * idempotencyContract(useStore(factory));
 * ```
 */
export function idempotencyContract(h: Harness): void {
  describe('idempotency', () => {
    const claim = (key: string, owner: string, now: number, fingerprint?: string) =>
      h.store.idempotency.claim('erp', key, {
        owner,
        leaseMs: LEASE,
        now,
        ...(fingerprint === undefined ? {} : { fingerprint }),
      });

    it('claims a new key once; others see it in flight with its lease', async () => {
      expect(await claim('k', 'a', T0)).toEqual({ status: 'claimed' });
      expect(await claim('k', 'b', T0 + 1)).toEqual({
        status: 'in_flight',
        owner: 'a',
        leaseUntil: T0 + LEASE,
      });
      // the owner itself too: concurrent requests of one process share an owner
      expect((await claim('k', 'a', T0 + 2)).status).toBe('in_flight');
      // keys are per scope
      const other = await h.store.idempotency.claim('crm', 'k', {
        owner: 'b',
        leaseMs: LEASE,
        now: T0,
      });
      expect(other.status).toBe('claimed');
    });

    it('lets exactly one of many concurrent claimers win', async () => {
      const results = await Promise.all(range(25).map((i) => claim('race', `o${i}`, T0)));
      expect(results.filter((r) => r.status === 'claimed')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'in_flight')).toHaveLength(24);
    });

    it('frees an expired claim for the next caller', async () => {
      await claim('k', 'a', T0);
      expect((await claim('k', 'b', T0 + LEASE - 1)).status).toBe('in_flight');
      expect(await claim('k', 'b', T0 + LEASE)).toEqual({ status: 'claimed' });
      expect(await claim('k', 'c', T0 + LEASE + 1)).toMatchObject({
        status: 'in_flight',
        owner: 'b',
      });
    });

    it('answers done with the outcome until the record expires', async () => {
      await claim('k', 'a', T0, 'fp1');
      await h.store.idempotency.complete('erp', 'k', RICH_JSON, T0 + 60_000);
      expect(await claim('k', 'b', T0 + 100, 'fp1')).toEqual({
        status: 'done',
        outcome: RICH_JSON,
        fingerprint: 'fp1',
      });
      expect(await claim('k', 'b', T0 + 100)).toMatchObject({ status: 'done' });
      expect(await claim('k', 'b', T0 + 60_000)).toEqual({ status: 'claimed' });
    });

    it('answers mismatch when the fingerprint differs', async () => {
      await claim('k', 'a', T0, 'fp1');
      expect(await claim('k', 'b', T0 + 1, 'fp2')).toEqual({
        status: 'mismatch',
        fingerprint: 'fp1',
      });
      await h.store.idempotency.complete('erp', 'k', { ok: true }, T0 + 60_000);
      expect(await claim('k', 'b', T0 + 2, 'fp2')).toEqual({
        status: 'mismatch',
        fingerprint: 'fp1',
      });
      // a claim without fingerprint cannot mismatch
      await claim('plain', 'a', T0);
      expect((await claim('plain', 'b', T0 + 1, 'fp9')).status).toBe('in_flight');
    });

    it('releases only the owner’s claim', async () => {
      await claim('k', 'a', T0);
      await h.store.idempotency.release('erp', 'k', 'b');
      expect((await claim('k', 'b', T0 + 1)).status).toBe('in_flight');
      await h.store.idempotency.release('erp', 'k', 'a');
      expect(await claim('k', 'b', T0 + 2)).toEqual({ status: 'claimed' });
    });

    it('does not release a completed record', async () => {
      await claim('k', 'a', T0);
      await h.store.idempotency.complete('erp', 'k', 1, T0 + 60_000);
      await h.store.idempotency.release('erp', 'k', 'a');
      expect(await claim('k', 'b', T0 + 1)).toMatchObject({ status: 'done', outcome: 1 });
    });

    it('records an outcome even without a prior claim', async () => {
      await h.store.idempotency.complete('erp', 'direct', 'ok', T0 + 1000);
      expect(await claim('direct', 'a', T0)).toEqual({
        status: 'done',
        outcome: 'ok',
        fingerprint: null,
      });
    });

    it('purges expired records and keeps live ones', async () => {
      await claim('short', 'a', T0); // lease ends T0 + LEASE
      await h.store.idempotency.complete('erp', 'old', null, T0 + 500);
      await h.store.idempotency.complete('erp', 'young', null, T0 + 50_000);
      expect(await h.store.idempotency.purgeExpired(T0 + LEASE)).toBe(2);
      expect(await h.store.idempotency.purgeExpired(T0 + LEASE)).toBe(0);
      expect(await claim('young', 'b', T0 + LEASE)).toMatchObject({ status: 'done' });
      expect(await claim('old', 'b', T0)).toEqual({ status: 'claimed' });
    });
  });
}
