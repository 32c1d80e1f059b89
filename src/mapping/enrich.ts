/**
 * `enrichStep`: adds data looked up elsewhere (another connector, an API, a
 * reference table) to each record, through the store's cache with a
 * freshness bound. The cache is the store's, so every process and every run
 * shares it and a restart does not re-fetch everything; lookups of one key
 * in flight at once are made once.
 */
import type { Step, StepContext } from '../core/integration.js';
import { permanent } from '../core/errors.js';
import { toJsonSafe, type JsonValue } from '../core/json-safe.js';

/**
 * Options of {@link enrichStep}.
 *
 * @example
 * ```ts
 * const options: EnrichOptions<Order, Customer> = {
 *   name: 'customer', maxAgeMs: 15 * 60_000,
 *   key: (order) => order.customerId,
 *   lookup: (id, ctx) => ctx.guard.execute(({ signal }) => crm.getCustomer(id, signal)),
 *   merge: (order, customer) => ({ ...order, customer }),
 * };
 * ```
 */
export interface EnrichOptions<R, D> {
  /** Step name and cache namespace (`enrich:<name>`). */
  name: string;
  /** The lookup key of a record; `undefined` or `null` skips the lookup (merged with `undefined`). */
  key: (record: R) => string | number | null | undefined;
  /**
   * Fetches the data for a key; `undefined` means "not found" (cached too,
   * so a missing key is not asked for again within `maxAgeMs`). Run remote
   * calls through `ctx.guard` for retries, breaker and rate limit.
   */
  lookup: (key: string, ctx: StepContext) => Promise<D | undefined>;
  /** Builds the enriched record. */
  merge: (record: R, data: D | undefined) => unknown;
  /** Freshness bound: a cached value older than this is fetched again. */
  maxAgeMs: number;
  /** What to do when the lookup found nothing: keep the record (merged with `undefined`, the default), drop it, or fail it (dead letter). */
  onMissing?: 'keep' | 'drop' | 'fail';
  /** Clock, injectable for tests [Date.now]. */
  now?: () => number;
}

/** How a "not found" is cached: JSON has no undefined. */
const NOT_FOUND = { 'patchbay.enrich': 'not-found' };

function isNotFound(v: unknown): boolean {
  return (
    v !== null &&
    typeof v === 'object' &&
    (v as Record<string, unknown>)['patchbay.enrich'] === 'not-found'
  );
}

/**
 * A step that enriches each record with looked-up data, cached in the store
 * for at most `maxAgeMs`.
 *
 * @example
 * ```ts
 * import { enrichStep } from 'patchbay/mapping';
 * const withCustomer = enrichStep<Order, Customer>({
 *   name: 'customer',
 *   key: (o) => o.customerId,
 *   lookup: (id, ctx) => ctx.guard.execute(({ signal }) => crm.getCustomer(id, signal)),
 *   merge: (o, customer) => ({ ...o, customerName: customer?.name ?? null }),
 *   maxAgeMs: 15 * 60_000,
 * });
 * ```
 */
export function enrichStep<R = unknown, D = unknown>(options: EnrichOptions<R, D>): Step {
  if (!(options.maxAgeMs > 0)) throw new TypeError('enrichStep: maxAgeMs must be > 0');
  const namespace = `enrich:${options.name}`;
  const now = options.now ?? Date.now;
  const onMissing = options.onMissing ?? 'keep';
  const inFlight = new Map<string, Promise<D | undefined>>();

  async function fetch(key: string, ctx: StepContext): Promise<D | undefined> {
    const at = now();
    const cached = await ctx.store.cache.get(namespace, key, at);
    if (cached && at - cached.storedAt <= options.maxAgeMs) {
      return isNotFound(cached.value) ? undefined : (cached.value as D);
    }
    const data = await options.lookup(key, ctx);
    const value = data === undefined ? NOT_FOUND : (toJsonSafe(data) as JsonValue);
    await ctx.store.cache.set(namespace, key, value, { ttlMs: options.maxAgeMs, now: now() });
    return data;
  }

  async function run(record: unknown, ctx: StepContext): Promise<unknown> {
    const raw = options.key(record as R);
    if (raw === undefined || raw === null) return options.merge(record as R, undefined);
    const key = String(raw);
    let pending = inFlight.get(key);
    if (!pending) {
      pending = fetch(key, ctx).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const data = await pending;
    if (data === undefined && onMissing === 'drop') return null;
    if (data === undefined && onMissing === 'fail') {
      throw permanent(`${options.name}: nothing found for key ${JSON.stringify(key)}`, {
        code: 'ENRICH_NOT_FOUND',
      });
    }
    return options.merge(record as R, data);
  }

  return { name: `enrich:${options.name}`, run };
}
