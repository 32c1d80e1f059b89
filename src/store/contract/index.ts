/**
 * The store contract as a reusable vitest suite (`patchbay/store/testing`).
 * Every store implementation runs it; a new store is done when it passes.
 *
 * @example
 * ```ts
 * import { describeStoreContract } from 'patchbay/store/testing';
 * describeStoreContract('sqlite :memory:', async () => ({ store: await openSqliteStore({ path: ':memory:' }) }));
 * ```
 */
import { describe } from 'vitest';
import { auditRunContract } from './audit-runs.js';
import { checkpointContract } from './checkpoints.js';
import { coordinationContract } from './coordination.js';
import { deadLetterContract } from './dead-letters.js';
import { fencingContract } from './fencing.js';
import { idempotencyContract } from './idempotency.js';
import { inboxContract } from './inbox.js';
import { keyValueContract } from './kv.js';
import { lifecycleContract } from './lifecycle.js';
import { outboxContract } from './outbox.js';
import { rejectContract } from './rejects.js';
import { useStore, type StoreFactory } from './support.js';

export {
  describeSharedStoreContract,
  type SharedStoreFactory,
  type SharedStoreFactoryResult,
} from './shared.js';
export {
  ALL_BYTES,
  RICH_JSON,
  T0,
  rejectsWith,
  sampleError,
  type StoreFactory,
  type StoreFactoryResult,
} from './support.js';
export { increment } from './coordination.js';

/**
 * Registers the whole store contract for one implementation: every repo's
 * semantics, duplicates, ordering, expiry with explicit `now`, JSON round
 * trips, concurrency (racing claims, compare-and-set, leases), fencing of
 * claimed work and the error surface. `factory` must return a fresh, empty store for each test.
 *
 * @example
 * ```ts
 * describeStoreContract('sqlite file', async () => {
 *   const dir = mkdtempSync(join(tmpdir(), 'pb-'));
 *   return {
 *     store: await openSqliteStore({ path: join(dir, 'state.db') }),
 *     cleanup: async () => rmSync(dir, { recursive: true, force: true }),
 *   };
 * });
 * ```
 */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    const h = useStore(factory);
    inboxContract(h);
    outboxContract(h);
    fencingContract(h);
    idempotencyContract(h);
    checkpointContract(h);
    deadLetterContract(h);
    rejectContract(h);
    auditRunContract(h);
    keyValueContract(h);
    coordinationContract(h);
    lifecycleContract(h);
  });
}
