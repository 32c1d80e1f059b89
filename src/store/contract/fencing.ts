import { describe, expect, it } from 'vitest';
import type { Store } from '../types.js';
import { T0, rejectsWith, sampleError, type Harness } from './support.js';

const LEASE_MS = 1000;
const LOST = { kind: 'cancelled', code: 'LEASE_LOST' };

/** One inbox item claimed by worker A at T0, then re-claimed by B once A's lease ran out. */
async function reclaimedInboxItem(store: Store): Promise<string> {
  const { id } = await store.inbox.append({
    integrationId: 'orders',
    receivedAt: T0,
    body: Buffer.from('x'),
  });
  await store.inbox.claim('orders', { limit: 1, leaseMs: LEASE_MS, owner: 'A', now: T0 });
  const [again] = await store.inbox.claim('orders', {
    limit: 1,
    leaseMs: 60_000,
    owner: 'B',
    now: T0 + LEASE_MS,
  });
  expect(again).toMatchObject({ id, attempts: 2 });
  return id;
}

/** The same for an outbox delivery: sender A at T0, sender B after A's lease. */
async function reclaimedDelivery(store: Store): Promise<string> {
  const { id } = await store.outbox.enqueue({
    integrationId: 'orders',
    destination: 'webhook:acme',
    payload: { n: 1 },
    notBefore: T0,
  });
  await store.outbox.claimDue({ limit: 1, leaseMs: LEASE_MS, owner: 'A', now: T0 });
  const [again] = await store.outbox.claimDue({
    limit: 1,
    leaseMs: 60_000,
    owner: 'B',
    now: T0 + LEASE_MS,
  });
  expect(again).toMatchObject({ id, attempts: 2 });
  return id;
}

/**
 * Registers the fencing part of the store contract: only the worker that
 * holds an inbox item's or outbox delivery's claim may record its outcome.
 * A worker whose lease ran out and whose item was claimed again is refused
 * with `cancelled`/`LEASE_LOST`, and the new owner's work is left intact.
 *
 * @example
 * ```ts
 * fencingContract(useStore(factory));
 * ```
 */
export function fencingContract(h: Harness): void {
  describe('fencing of claimed work', () => {
    it('refuses a late inbox complete by the worker whose lease ran out', async () => {
      const id = await reclaimedInboxItem(h.store);
      const err = await rejectsWith(h.store.inbox.complete(id, 'A'), LOST);
      expect(err.retryable).toBe(false);
      expect(err.details).toMatchObject({ id, owner: 'A', status: 'processing', holder: 'B' });
      expect(await h.store.inbox.get(id)).toMatchObject({ status: 'processing' });
      await h.store.inbox.complete(id, 'B');
      expect((await h.store.inbox.get(id))?.status).toBe('done');
    });

    it('refuses a late inbox fail, which must not overwrite the new owner', async () => {
      const id = await reclaimedInboxItem(h.store);
      await rejectsWith(h.store.inbox.fail(id, 'A', sampleError('late'), null), LOST);
      expect(await h.store.inbox.get(id)).toMatchObject({ status: 'processing', lastError: null });
      await h.store.inbox.fail(id, 'B', sampleError('b failed'), T0 + 5000);
      expect(await h.store.inbox.get(id)).toMatchObject({
        status: 'failed',
        nextAttemptAt: T0 + 5000,
      });
      // Once the new owner finished, the old one still cannot change the outcome.
      await rejectsWith(h.store.inbox.fail(id, 'A', sampleError('late'), null), LOST);
      await rejectsWith(h.store.inbox.complete(id, 'A'), LOST);
      expect((await h.store.inbox.get(id))?.lastError?.message).toBe('b failed');
    });

    it('lets an inbox owner finish after its lease ran out while nobody claimed the item', async () => {
      const { id } = await h.store.inbox.append({
        integrationId: 'orders',
        receivedAt: T0,
        body: Buffer.from('x'),
      });
      await h.store.inbox.claim('orders', { limit: 1, leaseMs: LEASE_MS, owner: 'A', now: T0 });
      await h.store.inbox.complete(id, 'A');
      expect((await h.store.inbox.get(id))?.status).toBe('done');
      // Finishing twice is refused too: the claim ended with the first.
      await rejectsWith(h.store.inbox.complete(id, 'A'), LOST);
    });

    it('refuses finishing an inbox item nobody claimed', async () => {
      const { id } = await h.store.inbox.append({
        integrationId: 'orders',
        receivedAt: T0,
        body: Buffer.from('x'),
      });
      await rejectsWith(h.store.inbox.complete(id, 'A'), LOST);
      await rejectsWith(h.store.inbox.fail(id, 'A', sampleError(), null), LOST);
      expect((await h.store.inbox.get(id))?.status).toBe('pending');
    });

    it('refuses a late outbox mark by the sender whose lease ran out', async () => {
      const id = await reclaimedDelivery(h.store);
      await rejectsWith(h.store.outbox.markDelivered(id, 'A'), LOST);
      await rejectsWith(h.store.outbox.markFailed(id, 'A', sampleError(), null), LOST);
      expect(await h.store.outbox.count('orders', 'delivering')).toBe(1);
      await h.store.outbox.markDelivered(id, 'B');
      expect(await h.store.outbox.count('orders', 'delivered')).toBe(1);
      // A late "dead" must not bury a delivery that went through.
      await rejectsWith(h.store.outbox.markFailed(id, 'A', sampleError('late'), null), LOST);
      expect(await h.store.outbox.count('orders', 'dead')).toBe(0);
    });

    it('refuses an outbox mark after the delivery was requeued', async () => {
      const { id } = await h.store.outbox.enqueue({
        integrationId: 'orders',
        destination: 'webhook:acme',
        payload: { n: 1 },
        notBefore: T0,
      });
      await h.store.outbox.claimDue({ limit: 1, leaseMs: LEASE_MS, owner: 'A', now: T0 });
      await h.store.outbox.markFailed(id, 'A', sampleError(), null);
      await h.store.outbox.requeue({
        integrationId: 'orders',
        destination: 'webhook:acme',
        from: 0,
        to: Date.now() + 60_000,
        statuses: ['dead'],
        now: T0,
      });
      await rejectsWith(h.store.outbox.markDelivered(id, 'A'), LOST);
      expect(await h.store.outbox.count('orders', 'pending')).toBe(1);
    });
  });
}
