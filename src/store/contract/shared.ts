import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../types.js';
import { increment } from './coordination.js';
import { T0, range } from './support.js';

/**
 * Opens stores that all see the same data, as separate processes would.
 *
 * @example
 * ```ts
 * const shared: SharedStoreFactoryResult = { open: () => openSqliteStore({ path }) };
 * ```
 */
export interface SharedStoreFactoryResult {
  /** Opens one more store on the same, initially empty, data. */
  open: () => Promise<Store>;
  /** Runs after every store opened by `open` was closed. */
  cleanup?: () => Promise<void>;
}

/**
 * Builds one fresh data set per test that several stores can open.
 *
 * @example
 * ```ts
 * const factory: SharedStoreFactory = async () => {
 *   const path = join(mkdtempSync(join(tmpdir(), 'pb-')), 'state.db');
 *   return { open: () => openSqliteStore({ path }) };
 * };
 * ```
 */
export type SharedStoreFactory = () => Promise<SharedStoreFactoryResult>;

/**
 * Registers the part of the contract that needs two stores on the same data:
 * acknowledged writes survive a restart, and claims (and their fencing),
 * compare-and-set, leases and idempotency claims stay exclusive across
 * instances.
 *
 * @example
 * ```ts
 * describeSharedStoreContract('sqlite file', async () => {
 *   const path = join(mkdtempSync(join(tmpdir(), 'pb-')), 'state.db');
 *   return { open: () => openSqliteStore({ path }) };
 * });
 * ```
 */
export function describeSharedStoreContract(name: string, factory: SharedStoreFactory): void {
  describe(`shared store contract: ${name}`, () => {
    let current: SharedStoreFactoryResult | undefined;
    let opened: Store[] = [];
    const open = async (): Promise<Store> => {
      if (!current) throw new Error('the shared contract opens stores only inside a test');
      const store = await current.open();
      opened.push(store);
      return store;
    };
    beforeEach(async () => {
      current = await factory();
    });
    afterEach(async () => {
      for (const store of opened) await store.close();
      await current?.cleanup?.();
      opened = [];
      current = undefined;
    });

    it('keeps every acknowledged write across close and reopen', async () => {
      const first = await open();
      const acked = await Promise.all(
        range(200).map((i) =>
          first.inbox.append({
            integrationId: 'orders',
            eventId: `e${i}`,
            receivedAt: T0,
            body: Buffer.from(`b${i}`),
          }),
        ),
      );
      await first.checkpoints.set('orders', 'default', { kind: 'offset', value: 200 });
      await first.close();
      const second = await open();
      expect(await second.inbox.count('orders')).toBe(200);
      for (const [i, { id }] of acked.entries()) {
        expect((await second.inbox.get(id))?.body.toString()).toBe(`b${i}`);
      }
      expect((await second.checkpoints.get('orders'))?.value).toBe(200);
    });

    it('shows writes of one instance to the other at once', async () => {
      const [a, b] = [await open(), await open()];
      const { id } = await a.outbox.enqueue({
        integrationId: 'orders',
        destination: 'd',
        payload: 1,
        idempotencyKey: 'k',
      });
      const dup = await b.outbox.enqueue({
        integrationId: 'orders',
        destination: 'd',
        payload: 2,
        idempotencyKey: 'k',
      });
      expect(dup).toEqual({ id, duplicate: true });
      await b.crosswalk.put('ns', 's', 't');
      expect(await a.crosswalk.lookup('ns', 's')).toBe('t');
    });

    it('never lets claimers on two instances take the same inbox item', async () => {
      const [a, b] = [await open(), await open()];
      await Promise.all(
        range(80).map((i) =>
          a.inbox.append({ integrationId: 'o', receivedAt: T0, body: Buffer.from([i]) }),
        ),
      );
      const claimAll = async (store: Store, owner: string) => {
        const got: string[] = [];
        for (;;) {
          const batch = await store.inbox.claim('o', { limit: 3, leaseMs: 60_000, owner, now: T0 });
          if (batch.length === 0) return got;
          got.push(...batch.map((i) => i.id));
        }
      };
      const [fromA, fromB] = await Promise.all([claimAll(a, 'a'), claimAll(b, 'b')]);
      const all = [...fromA, ...fromB];
      expect(all).toHaveLength(80);
      expect(new Set(all).size).toBe(80);
    });

    it('refuses a late complete from an instance whose inbox claim was taken over', async () => {
      const [a, b] = [await open(), await open()];
      const { id } = await a.inbox.append({
        integrationId: 'o',
        receivedAt: T0,
        body: Buffer.from('x'),
      });
      await a.inbox.claim('o', { limit: 1, leaseMs: 1000, owner: 'a', now: T0 });
      await b.inbox.claim('o', { limit: 1, leaseMs: 60_000, owner: 'b', now: T0 + 1000 });
      await expect(a.inbox.complete(id, 'a')).rejects.toMatchObject({ code: 'LEASE_LOST' });
      await b.inbox.complete(id, 'b');
      expect((await a.inbox.get(id))?.status).toBe('done');
    });

    it('lets one instance win a compare-and-set race and loses no increment', async () => {
      const [a, b] = [await open(), await open()];
      const results = await Promise.all(
        range(20).map((i) => (i % 2 ? a : b).policyState.compareAndSet('race', 0, i)),
      );
      expect(results.filter((v) => v !== undefined)).toEqual([1]);
      await Promise.all(
        [a, b, a, b].map(async (store) => {
          for (const _ of range(15)) await increment(store, 'counter');
        }),
      );
      expect(await b.policyState.get('counter')).toMatchObject({ value: 60, version: 60 });
    });

    it('grants a lease and an idempotency key to one instance only', async () => {
      const [a, b] = [await open(), await open()];
      const leases = await Promise.all([
        a.leases.acquire('poll', 'a', 60_000, T0),
        b.leases.acquire('poll', 'b', 60_000, T0),
        a.leases.acquire('poll', 'a2', 60_000, T0),
        b.leases.acquire('poll', 'b2', 60_000, T0),
      ]);
      expect(leases.filter(Boolean)).toHaveLength(1);
      const claims = await Promise.all(
        [a, b, a, b].map((s, i) =>
          s.idempotency.claim('erp', 'k', { owner: `o${i}`, leaseMs: 60_000, now: T0 }),
        ),
      );
      expect(claims.filter((c) => c.status === 'claimed')).toHaveLength(1);
    });
  });
}
