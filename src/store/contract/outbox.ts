import { describe, expect, it } from 'vitest';
import type { OutboxEnqueue } from '../types.js';
import { RICH_JSON, T0, range, rejectsWith, sampleError, type Harness } from './support.js';

function delivery(n: number, extra: Partial<OutboxEnqueue> = {}): OutboxEnqueue {
  return {
    integrationId: 'orders',
    destination: 'http:erp',
    payload: { n },
    notBefore: T0,
    ...extra,
  };
}

const CLAIM = { leaseMs: 1000, owner: 'sender-a' };

/**
 * Registers the outbox part of the store contract.
 *
 * @example
 * ```ts
 * outboxContract(useStore(factory));
 * ```
 */
export function outboxContract(h: Harness): void {
  describe('outbox', () => {
    it('round-trips the payload and claims due items in enqueue order', async () => {
      const first = await h.store.outbox.enqueue(delivery(0, { payload: RICH_JSON }));
      await h.store.outbox.enqueue(delivery(1, { destination: 'smtp:ops@example.com' }));
      const claimed = await h.store.outbox.claimDue({ ...CLAIM, limit: 10, now: T0 });
      expect(claimed).toHaveLength(2);
      expect(claimed[0]).toMatchObject({
        id: first.id,
        integrationId: 'orders',
        destination: 'http:erp',
        idempotencyKey: null,
        status: 'delivering',
        attempts: 1,
        nextAttemptAt: T0,
        lastError: null,
      });
      expect(claimed[0]?.payload).toEqual(RICH_JSON);
      expect(typeof claimed[0]?.createdAt).toBe('number');
      expect(claimed[1]?.destination).toBe('smtp:ops@example.com');
      expect(await h.store.outbox.count('orders', 'delivering')).toBe(2);
    });

    it('enqueues an idempotency key once per integration', async () => {
      const first = await h.store.outbox.enqueue(delivery(1, { idempotencyKey: 'k1' }));
      const again = await h.store.outbox.enqueue(delivery(2, { idempotencyKey: 'k1' }));
      const other = await h.store.outbox.enqueue(
        delivery(3, { idempotencyKey: 'k1', integrationId: 'invoices' }),
      );
      const concurrent = await Promise.all(
        range(30).map((i) => h.store.outbox.enqueue(delivery(i, { idempotencyKey: 'k2' }))),
      );
      await h.store.outbox.enqueue(delivery(4));
      await h.store.outbox.enqueue(delivery(4));
      expect(again).toEqual({ id: first.id, duplicate: true });
      expect(other.duplicate).toBe(false);
      expect(concurrent.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(concurrent.map((r) => r.id)).size).toBe(1);
      expect(await h.store.outbox.count('orders')).toBe(4);
      const claimed = await h.store.outbox.claimDue({ ...CLAIM, limit: 10, now: T0 });
      const k1 = claimed.find((c) => c.id === first.id);
      expect(k1?.payload).toEqual({ n: 1 });
      expect(k1?.idempotencyKey).toBe('k1');
    });

    it('holds items until notBefore', async () => {
      await h.store.outbox.enqueue(delivery(1, { notBefore: T0 + 5000 }));
      expect(await h.store.outbox.claimDue({ ...CLAIM, limit: 1, now: T0 + 4999 })).toEqual([]);
      const [due] = await h.store.outbox.claimDue({ ...CLAIM, limit: 1, now: T0 + 5000 });
      expect(due?.nextAttemptAt).toBe(T0 + 5000);
    });

    it('claims the earliest due deliveries first', async () => {
      const late = await h.store.outbox.enqueue(delivery(1, { notBefore: T0 + 50 }));
      const early = await h.store.outbox.enqueue(delivery(2, { notBefore: T0 + 10 }));
      const [first] = await h.store.outbox.claimDue({ ...CLAIM, limit: 1, now: T0 + 100 });
      const [second] = await h.store.outbox.claimDue({ ...CLAIM, limit: 1, now: T0 + 100 });
      expect([first?.id, second?.id]).toEqual([early.id, late.id]);
    });

    it('filters claims by integration when asked', async () => {
      await h.store.outbox.enqueue(delivery(1));
      await h.store.outbox.enqueue(delivery(2, { integrationId: 'invoices' }));
      const only = await h.store.outbox.claimDue({
        ...CLAIM,
        limit: 10,
        now: T0,
        integrationId: 'invoices',
      });
      expect(only.map((o) => o.integrationId)).toEqual(['invoices']);
      const all = await h.store.outbox.claimDue({ ...CLAIM, limit: 10, now: T0 });
      expect(all.map((o) => o.integrationId)).toEqual(['orders']);
    });

    it('makes a delivery claimable again when its lease expires', async () => {
      const { id } = await h.store.outbox.enqueue(delivery(1));
      await h.store.outbox.claimDue({ ...CLAIM, limit: 1, now: T0 });
      expect(await h.store.outbox.claimDue({ ...CLAIM, limit: 1, now: T0 + 999 })).toEqual([]);
      const [again] = await h.store.outbox.claimDue({
        limit: 1,
        leaseMs: 1000,
        owner: 'sender-b',
        now: T0 + 1000,
      });
      expect(again).toMatchObject({ id, attempts: 2, status: 'delivering' });
    });

    it('never hands the same delivery to two concurrent claimers', async () => {
      await Promise.all(range(50).map((i) => h.store.outbox.enqueue(delivery(i))));
      const batches = await Promise.all(
        range(10).map((w) =>
          h.store.outbox.claimDue({ limit: 6, leaseMs: 60_000, owner: `s${w}`, now: T0 }),
        ),
      );
      const ids = batches.flat().map((o) => o.id);
      expect(ids).toHaveLength(50);
      expect(new Set(ids).size).toBe(50);
    });

    it('marks deliveries delivered, rescheduled or dead', async () => {
      const a = await h.store.outbox.enqueue(delivery(1));
      const b = await h.store.outbox.enqueue(delivery(2));
      const c = await h.store.outbox.enqueue(delivery(3));
      await h.store.outbox.claimDue({ ...CLAIM, limit: 3, now: T0 });
      await h.store.outbox.markDelivered(a.id, CLAIM.owner);
      await h.store.outbox.markFailed(b.id, CLAIM.owner, sampleError(), T0 + 60_000);
      await h.store.outbox.markFailed(c.id, CLAIM.owner, sampleError('permanent'), null);
      expect(await h.store.outbox.count('orders', 'delivered')).toBe(1);
      expect(await h.store.outbox.count('orders', 'pending')).toBe(1);
      expect(await h.store.outbox.count('orders', 'dead')).toBe(1);
      expect(await h.store.outbox.claimDue({ ...CLAIM, limit: 3, now: T0 + 59_999 })).toEqual([]);
      const [retry] = await h.store.outbox.claimDue({ ...CLAIM, limit: 3, now: T0 + 1e9 });
      expect(retry).toMatchObject({ id: b.id, attempts: 2, nextAttemptAt: T0 + 60_000 });
      expect(retry?.lastError).toEqual(sampleError());
    });

    it('requeues a window of finished deliveries by enqueue time, and nothing else', async () => {
      // Enqueue times come from the store's clock: step past each millisecond so they differ.
      const created: number[] = [];
      const ids: string[] = [];
      for (const n of range(4)) {
        const before = Date.now();
        while (Date.now() === before) await new Promise((r) => setTimeout(r, 1));
        ids.push((await h.store.outbox.enqueue(delivery(n, { idempotencyKey: `r${n}` }))).id);
      }
      await h.store.outbox.enqueue(delivery(9, { destination: 'http:other' }));
      const claimed = await h.store.outbox.claimDue({ ...CLAIM, limit: 10, now: T0 });
      for (const id of ids) created.push(claimed.find((c) => c.id === id)!.createdAt);
      const [a, b, c, d] = ids as [string, string, string, string];
      await h.store.outbox.markFailed(a, CLAIM.owner, sampleError('permanent'), null);
      await h.store.outbox.markFailed(b, CLAIM.owner, sampleError('permanent'), null);
      await h.store.outbox.markDelivered(c, CLAIM.owner);
      await h.store.outbox.markFailed(d, CLAIM.owner, sampleError(), T0 + 60_000);
      const other = claimed.find((o) => o.destination === 'http:other')!;
      await h.store.outbox.markFailed(other.id, CLAIM.owner, sampleError('permanent'), null);

      // Window b..d on http:erp: b is dead, c delivered (not asked for), d still pending.
      const window = {
        integrationId: 'orders',
        destination: 'http:erp',
        from: created[1]!,
        to: created[3]!,
        now: T0 + 5,
      };
      const dead = await h.store.outbox.requeue({ ...window, statuses: ['dead'] });
      expect(dead.map((o) => [o.id, o.status, o.attempts])).toEqual([[b, 'dead', 1]]);
      expect(dead[0]?.lastError).toEqual(sampleError('permanent'));
      expect(await h.store.outbox.count('orders', 'dead')).toBe(2); // a and the other destination
      const [again] = await h.store.outbox.claimDue({ ...CLAIM, limit: 10, now: T0 + 5 });
      expect(again).toMatchObject({ id: b, attempts: 1, nextAttemptAt: T0 + 5, lastError: null });
      expect(again?.payload).toEqual({ n: 1 });
      expect(again?.idempotencyKey).toBe('r1');

      const all = await h.store.outbox.requeue({ ...window, statuses: ['dead', 'delivered'] });
      expect(all.map((o) => [o.id, o.status])).toEqual([[c, 'delivered']]);
      expect(await h.store.outbox.count('orders', 'delivered')).toBe(0);
      await rejectsWith(h.store.outbox.requeue({ ...window, statuses: [] }), {
        kind: 'validation',
        code: 'STORE_INVALID_ARGUMENT',
      });
      await rejectsWith(
        h.store.outbox.requeue({ ...window, from: window.to + 1, statuses: ['dead'] }),
        { kind: 'validation', code: 'STORE_INVALID_ARGUMENT' },
      );
      await rejectsWith(h.store.outbox.requeue({ ...window, statuses: ['pending' as 'dead'] }), {
        kind: 'validation',
        code: 'STORE_INVALID_ARGUMENT',
      });
    });

    it('rejects updates of unknown deliveries and non-JSON payloads', async () => {
      await rejectsWith(h.store.outbox.markDelivered('424242', CLAIM.owner), {
        kind: 'validation',
        code: 'STORE_NOT_FOUND',
      });
      await rejectsWith(h.store.outbox.markFailed('x', CLAIM.owner, sampleError(), null), {
        kind: 'validation',
        code: 'STORE_NOT_FOUND',
      });
      await rejectsWith(h.store.outbox.enqueue(delivery(1, { payload: { n: 10n } as never })), {
        kind: 'validation',
      });
      expect(await h.store.outbox.count('orders')).toBe(0);
    });
  });
}
