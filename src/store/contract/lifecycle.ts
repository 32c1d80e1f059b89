import { describe, expect, it } from 'vitest';
import { isPatchbayError } from '../../core/errors.js';
import { T0, range, rejectsWith, type Harness } from './support.js';

/**
 * Registers the ping, close and error-surface parts of the store contract.
 *
 * @example
 * ```ts
 * lifecycleContract(useStore(factory));
 * ```
 */
export function lifecycleContract(h: Harness): void {
  describe('lifecycle', () => {
    it('names its kind and answers ping', async () => {
      expect(typeof h.store.kind).toBe('string');
      expect(h.store.kind.length).toBeGreaterThan(0);
      await expect(h.store.ping()).resolves.toBeUndefined();
    });

    it('commits writes still pending when close is called', async () => {
      const pending = range(100).map((i) =>
        h.store.inbox.append({ integrationId: 'orders', receivedAt: T0, body: Buffer.from([i]) }),
      );
      const closing = h.store.close();
      const results = await Promise.all(pending);
      await closing;
      expect(new Set(results.map((r) => r.id)).size).toBe(100);
    });

    it('closes idempotently and then refuses every call with STORE_CLOSED', async () => {
      await h.store.close();
      await h.store.close();
      const calls: Array<Promise<unknown>> = [
        h.store.inbox.append({ integrationId: 'o', receivedAt: T0, body: Buffer.alloc(1) }),
        h.store.inbox.get('1'),
        h.store.outbox.claimDue({ limit: 1, leaseMs: 1, owner: 'o' }),
        h.store.checkpoints.get('o'),
        h.store.policyState.compareAndSet('k', 0, 1),
        h.store.leases.holder('l'),
        h.store.ping(),
      ];
      for (const call of calls) {
        const err = await rejectsWith(call, { code: 'STORE_CLOSED' });
        expect(err.kind).toBe('overloaded');
      }
    });

    it('lets only PatchbayErrors escape', async () => {
      const failures = await Promise.all(
        [
          h.store.inbox.complete('123456', 'worker-a'),
          h.store.runs.start({ integrationId: '', trigger: 't', mode: 'live' }),
          h.store.cache.set('ns', 'k', undefined as never),
          h.store.leases.acquire('l', 'o', 0),
          h.store.audit.append({ outcome: 'maybe' } as never),
        ].map((p) =>
          p.then(
            () => 'resolved',
            (err: unknown) => err,
          ),
        ),
      );
      for (const failure of failures) expect(isPatchbayError(failure)).toBe(true);
    });
  });
}
