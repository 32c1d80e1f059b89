import { describe, expect, it } from 'vitest';
import type { InboxAppend } from '../types.js';
import { ALL_BYTES, T0, range, rejectsWith, sampleError, type Harness } from './support.js';

function item(n: number, extra: Partial<InboxAppend> = {}): InboxAppend {
  return { integrationId: 'orders', receivedAt: T0 + n, body: Buffer.from(`body-${n}`), ...extra };
}

const LEASE = { leaseMs: 1000, owner: 'worker-a' };

/**
 * Registers the inbox part of the store contract.
 *
 * @example
 * ```ts
 * inboxContract(useStore(factory));
 * ```
 */
export function inboxContract(h: Harness): void {
  describe('inbox', () => {
    it('stores every field and returns it unchanged', async () => {
      const { id, duplicate } = await h.store.inbox.append({
        integrationId: 'orders',
        eventId: 'evt_1',
        entityKey: 'order-7',
        occurredAt: T0 - 5000,
        receivedAt: T0,
        headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
        body: ALL_BYTES,
        meta: { scheme: 'standard-webhooks', offset: 12, nested: { ok: true } },
      });
      expect(duplicate).toBe(false);
      expect(typeof id).toBe('string');
      const got = await h.store.inbox.get(id);
      expect(got).toMatchObject({
        id,
        integrationId: 'orders',
        eventId: 'evt_1',
        entityKey: 'order-7',
        occurredAt: T0 - 5000,
        receivedAt: T0,
        headers: { 'content-type': 'application/json', 'x-request-id': 'r1' },
        meta: { scheme: 'standard-webhooks', offset: 12, nested: { ok: true } },
        status: 'pending',
        attempts: 0,
        nextAttemptAt: null,
        lastError: null,
      });
      expect(Buffer.isBuffer(got?.body)).toBe(true);
      expect(got?.body.equals(ALL_BYTES)).toBe(true);
    });

    it('fills absent optional fields with null and empty objects', async () => {
      const { id } = await h.store.inbox.append({
        integrationId: 'orders',
        receivedAt: T0,
        body: Buffer.alloc(0),
      });
      const got = await h.store.inbox.get(id);
      expect(got).toMatchObject({ eventId: null, entityKey: null, occurredAt: null });
      expect(got?.headers).toEqual({});
      expect(got?.meta).toEqual({});
      expect(got?.body.length).toBe(0);
    });

    it('dedupes on (integrationId, eventId) only', async () => {
      const first = await h.store.inbox.append(item(1, { eventId: 'evt_1' }));
      const again = await h.store.inbox.append(item(2, { eventId: 'evt_1' }));
      const otherIntegration = await h.store.inbox.append(
        item(3, { eventId: 'evt_1', integrationId: 'invoices' }),
      );
      const noEventA = await h.store.inbox.append(item(4));
      const noEventB = await h.store.inbox.append(item(4));
      expect(again).toEqual({ id: first.id, duplicate: true });
      expect(otherIntegration.duplicate).toBe(false);
      expect(otherIntegration.id).not.toBe(first.id);
      expect(noEventA.duplicate || noEventB.duplicate).toBe(false);
      expect(noEventA.id).not.toBe(noEventB.id);
      expect(await h.store.inbox.count('orders')).toBe(3);
      // the duplicate did not overwrite the stored body
      expect((await h.store.inbox.get(first.id))?.body.toString()).toBe('body-1');
    });

    it('keeps exactly one of many concurrent duplicates', async () => {
      const results = await Promise.all(
        range(50).map((i) => h.store.inbox.append(item(i, { eventId: 'same' }))),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(await h.store.inbox.count('orders')).toBe(1);
    });

    it('makes 200 concurrent appends durable and distinct', async () => {
      const results = await Promise.all(range(200).map((i) => h.store.inbox.append(item(i))));
      expect(new Set(results.map((r) => r.id)).size).toBe(200);
      expect(results.every((r) => !r.duplicate)).toBe(true);
      expect(await h.store.inbox.count('orders')).toBe(200);
      const bodies = await Promise.all(results.map((r) => h.store.inbox.get(r.id)));
      expect(bodies.map((b) => b?.body.toString())).toEqual(range(200).map((i) => `body-${i}`));
    });

    it('claims in arrival order, up to the limit, only for the integration', async () => {
      for (const i of range(5)) await h.store.inbox.append(item(i));
      await h.store.inbox.append(item(99, { integrationId: 'invoices' }));
      const claimed = await h.store.inbox.claim('orders', { ...LEASE, limit: 3, now: T0 });
      expect(claimed.map((c) => c.body.toString())).toEqual(['body-0', 'body-1', 'body-2']);
      expect(claimed.every((c) => c.status === 'processing' && c.attempts === 1)).toBe(true);
      const rest = await h.store.inbox.claim('orders', { ...LEASE, limit: 10, now: T0 });
      expect(rest.map((c) => c.body.toString())).toEqual(['body-3', 'body-4']);
      expect(await h.store.inbox.claim('orders', { ...LEASE, limit: 10, now: T0 })).toEqual([]);
      expect(await h.store.inbox.count('orders', 'processing')).toBe(5);
      expect(await h.store.inbox.count('invoices', 'pending')).toBe(1);
      expect(await h.store.inbox.claim('orders', { ...LEASE, limit: 0, now: T0 })).toEqual([]);
    });

    it('makes an item claimable again exactly when its lease expires', async () => {
      const { id } = await h.store.inbox.append(item(1));
      await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 });
      const early = await h.store.inbox.claim('orders', {
        limit: 1,
        leaseMs: 1000,
        owner: 'worker-b',
        now: T0 + 999,
      });
      expect(early).toEqual([]);
      const [again] = await h.store.inbox.claim('orders', {
        limit: 1,
        leaseMs: 1000,
        owner: 'worker-b',
        now: T0 + 1000,
      });
      expect(again?.id).toBe(id);
      expect(again?.attempts).toBe(2);
    });

    it('hands out pending items before due retries', async () => {
      const old = await h.store.inbox.append(item(0));
      await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 });
      await h.store.inbox.fail(old.id, LEASE.owner, sampleError(), T0 + 10);
      const fresh = await h.store.inbox.append(item(1));
      const [first] = await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 + 20 });
      const [second] = await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 + 20 });
      expect([first?.id, second?.id]).toEqual([fresh.id, old.id]);
    });

    it('never hands the same item to two concurrent claimers', async () => {
      await Promise.all(range(60).map((i) => h.store.inbox.append(item(i))));
      const batches = await Promise.all(
        range(12).map((w) =>
          h.store.inbox.claim('orders', { limit: 7, leaseMs: 60_000, owner: `w${w}`, now: T0 }),
        ),
      );
      const ids = batches.flat().map((c) => c.id);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    });

    it('completes items so they are never claimed again', async () => {
      const { id } = await h.store.inbox.append(item(1));
      await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 });
      await h.store.inbox.complete(id, LEASE.owner);
      expect((await h.store.inbox.get(id))?.status).toBe('done');
      const later = await h.store.inbox.claim('orders', { ...LEASE, limit: 5, now: T0 + 10_000 });
      expect(later).toEqual([]);
      expect(await h.store.inbox.count('orders', 'done')).toBe(1);
      expect(await h.store.inbox.count('orders', 'pending')).toBe(0);
    });

    it('schedules a failed item for its next attempt', async () => {
      const { id } = await h.store.inbox.append(item(1));
      await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 });
      await h.store.inbox.fail(id, LEASE.owner, sampleError(), T0 + 5000);
      const failed = await h.store.inbox.get(id);
      expect(failed).toMatchObject({ status: 'failed', nextAttemptAt: T0 + 5000, attempts: 1 });
      expect(failed?.lastError).toEqual(sampleError());
      expect(await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 + 4999 })).toEqual(
        [],
      );
      const [retry] = await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 + 5000 });
      expect(retry).toMatchObject({ id, status: 'processing', attempts: 2 });
    });

    it('counts every status, per integration, through every transition', async () => {
      const ids = await Promise.all(
        [1, 2, 3, 4, 5].map(async (n) => (await h.store.inbox.append(item(n))).id),
      );
      await h.store.inbox.append(item(6, { integrationId: 'invoices' }));
      const [a, b, c, d] = ids as [string, string, string, string];
      await h.store.inbox.claim('orders', { ...LEASE, limit: 4, now: T0 });
      await h.store.inbox.complete(a, LEASE.owner);
      await h.store.inbox.fail(b, LEASE.owner, sampleError(), T0 + 5000);
      await h.store.inbox.fail(c, LEASE.owner, sampleError('gave up'), null);
      const counts = async (integrationId: string) =>
        Promise.all(
          (['pending', 'processing', 'failed', 'done', 'dead'] as const).map((s) =>
            h.store.inbox.count(integrationId, s),
          ),
        );
      expect(await counts('orders')).toEqual([1, 1, 1, 1, 1]);
      expect(await counts('invoices')).toEqual([1, 0, 0, 0, 0]);
      await h.store.inbox.complete(d, LEASE.owner);
      const retried = await h.store.inbox.claim('orders', { ...LEASE, limit: 5, now: T0 + 5000 });
      expect(retried.map((i) => i.id)).toEqual([b, ids[4]]);
      expect(await counts('orders')).toEqual([0, 2, 0, 2, 1]);
      expect(await h.store.inbox.count('orders')).toBe(5);
    });

    it('marks an item dead when no next attempt is given', async () => {
      const { id } = await h.store.inbox.append(item(1));
      await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 });
      await h.store.inbox.fail(id, LEASE.owner, sampleError('gave up'), null);
      expect(await h.store.inbox.get(id)).toMatchObject({ status: 'dead', nextAttemptAt: null });
      expect((await h.store.inbox.get(id))?.lastError?.message).toBe('gave up');
      expect(await h.store.inbox.claim('orders', { ...LEASE, limit: 1, now: T0 + 1e9 })).toEqual(
        [],
      );
      expect(await h.store.inbox.count('orders', 'dead')).toBe(1);
    });

    it('rejects updates of unknown items and reads them as undefined', async () => {
      await rejectsWith(h.store.inbox.complete('999999', LEASE.owner), {
        kind: 'validation',
        code: 'STORE_NOT_FOUND',
      });
      await rejectsWith(h.store.inbox.fail('not-an-id', LEASE.owner, sampleError(), null), {
        kind: 'validation',
        code: 'STORE_NOT_FOUND',
      });
      expect(await h.store.inbox.get('999999')).toBeUndefined();
      expect(await h.store.inbox.get('not-an-id')).toBeUndefined();
      expect(await h.store.inbox.count('nobody')).toBe(0);
    });

    it('rejects invalid arguments before writing', async () => {
      await rejectsWith(h.store.inbox.append({ ...item(1), body: 'text' as unknown as Buffer }), {
        kind: 'validation',
      });
      await rejectsWith(h.store.inbox.append({ ...item(1), integrationId: '' }), {
        kind: 'validation',
      });
      await rejectsWith(
        h.store.inbox.claim('orders', { limit: 1, leaseMs: -5, owner: 'w', now: T0 }),
        { kind: 'validation' },
      );
      await rejectsWith(
        h.store.inbox.claim('orders', { limit: 1.5, leaseMs: 100, owner: 'w', now: T0 }),
        { kind: 'validation' },
      );
      expect(await h.store.inbox.count('orders')).toBe(0);
    });
    it('lists items by received time, inclusive bounds, in id order, only for the integration', async () => {
      for (const n of [5, 1, 3, 9, 7]) await h.store.inbox.append(item(n, { eventId: `e${n}` }));
      await h.store.inbox.append(item(4, { integrationId: 'invoices', eventId: 'x4' }));
      const got = await h.store.inbox.listReceived('orders', {
        from: T0 + 3,
        to: T0 + 7,
        limit: 10,
      });
      expect(got.map((i) => i.eventId)).toEqual(['e5', 'e3', 'e7']);
      expect(got.map((i) => Number(i.id))).toEqual(
        [...got.map((i) => Number(i.id))].sort((a, b) => a - b),
      );
      expect(got.every((i) => i.receivedAt >= T0 + 3 && i.receivedAt <= T0 + 7)).toBe(true);
      expect(got[0]?.body.toString()).toBe('body-5');
      expect(
        await h.store.inbox.listReceived('orders', { from: T0 + 10, to: T0 + 20, limit: 10 }),
      ).toEqual([]);
      expect(
        await h.store.inbox.listReceived('orders', { from: T0 + 7, to: T0 + 3, limit: 10 }),
      ).toEqual([]);
      expect(
        await h.store.inbox.listReceived('orders', { from: T0, to: T0 + 9, limit: 0 }),
      ).toEqual([]);
    });

    it('pages the listing by id without gaps or repeats', async () => {
      for (const n of range(25)) await h.store.inbox.append(item(n));
      await h.store.inbox.append(item(100));
      const seen: string[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await h.store.inbox.listReceived('orders', {
          from: T0,
          to: T0 + 50,
          afterId,
          limit: 7,
        });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(7);
        seen.push(...page.map((i) => i.id));
        afterId = page.at(-1)?.id;
      }
      expect(seen).toHaveLength(25);
      expect(new Set(seen).size).toBe(25);
      expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => a - b));
    });

    it('lists items of every status and changes nothing', async () => {
      const a = await h.store.inbox.append(item(1, { eventId: 'a' }));
      await h.store.inbox.append(item(2, { eventId: 'b' }));
      await h.store.inbox.append(item(3, { eventId: 'c' }));
      const [claimedA, claimedB] = await h.store.inbox.claim('orders', {
        limit: 2,
        ...LEASE,
        now: T0,
      });
      await h.store.inbox.complete(a.id, LEASE.owner);
      expect(claimedA?.id).toBe(a.id);
      await h.store.inbox.fail(claimedB?.id ?? '', LEASE.owner, sampleError(), null);
      const listed = await h.store.inbox.listReceived('orders', {
        from: T0,
        to: T0 + 3,
        limit: 10,
      });
      expect(listed.map((i) => [i.eventId, i.status, i.attempts])).toEqual([
        ['a', 'done', 1],
        ['b', 'dead', 1],
        ['c', 'pending', 0],
      ]);
      expect(await h.store.inbox.count('orders', 'pending')).toBe(1);
      expect(await h.store.inbox.count('orders', 'done')).toBe(1);
      expect(await h.store.inbox.count('orders', 'dead')).toBe(1);
      const next = await h.store.inbox.claim('orders', { limit: 10, ...LEASE, now: T0 });
      expect(next.map((i) => i.eventId)).toEqual(['c']);
    });

    it('rejects invalid listing arguments', async () => {
      await rejectsWith(h.store.inbox.listReceived('', { from: T0, to: T0, limit: 1 }), {
        kind: 'validation',
      });
      await rejectsWith(h.store.inbox.listReceived('orders', { from: T0, to: T0, limit: -1 }), {
        kind: 'validation',
      });
      await rejectsWith(
        h.store.inbox.listReceived('orders', { from: Number.NaN, to: T0, limit: 1 }),
        { kind: 'validation' },
      );
      await rejectsWith(
        h.store.inbox.listReceived('orders', { from: T0, to: T0, afterId: 'nope', limit: 1 }),
        { kind: 'validation' },
      );
    });
  });
}
