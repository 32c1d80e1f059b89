import { afterEach, beforeEach, expect } from 'vitest';
import { isPatchbayError, type PatchbayError, type SerializedError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import type { Store } from '../types.js';

/**
 * What a contract factory hands over: a fresh, empty store and how to dispose of it.
 *
 * @example
 * ```ts
 * const result: StoreFactoryResult = { store, cleanup: async () => rmSync(dir, { recursive: true }) };
 * ```
 */
export interface StoreFactoryResult {
  store: Store;
  /** Runs after the store was closed (delete temp files, drop schemas...). */
  cleanup?: () => Promise<void>;
}

/**
 * Builds one fresh, empty store per test.
 *
 * @example
 * ```ts
 * const factory: StoreFactory = async () => ({ store: await openSqliteStore({ path: ':memory:' }) });
 * ```
 */
export type StoreFactory = () => Promise<StoreFactoryResult>;

/**
 * Gives the current test's store; valid only inside a test.
 *
 * @example
 * ```ts
 * const h: Harness = useStore(factory);
 * it('counts', async () => expect(await h.store.inbox.count('x')).toBe(0));
 * ```
 */
export interface Harness {
  readonly store: Store;
}

/**
 * Registers hooks that open a fresh store before each test and close it
 * (then clean up) after.
 *
 * @example
 * ```ts
 * const h = useStore(factory);
 * it('pings', async () => { await h.store.ping(); });
 * ```
 */
export function useStore(factory: StoreFactory): Harness {
  let current: StoreFactoryResult | undefined;
  beforeEach(async () => {
    current = await factory();
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    if (!done) return;
    await done.store.close();
    await done.cleanup?.();
  });
  return {
    get store(): Store {
      if (!current) throw new Error('the contract store exists only inside a test');
      return current.store;
    },
  };
}

/**
 * Awaits `promise`, expecting it to reject with a PatchbayError matching
 * `expected`; returns the error for further checks.
 *
 * @example
 * ```ts
 * await rejectsWith(store.inbox.complete('999', 'worker-a'), { kind: 'validation', code: 'STORE_NOT_FOUND' });
 * ```
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  expected: { kind?: string; code?: string },
): Promise<PatchbayError> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) {
    throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  }
  const err = outcome.error;
  expect(isPatchbayError(err), `expected a PatchbayError, got ${String(err)}`).toBe(true);
  const pe = err as PatchbayError;
  expect({ kind: pe.kind, code: pe.code }).toMatchObject(expected);
  return pe;
}

/**
 * A serialised error as the runtime would store it.
 *
 * @example
 * ```ts
 * await store.inbox.fail(id, 'worker-a', sampleError('boom'), null);
 * ```
 */
export function sampleError(message = 'peer answered 503'): SerializedError {
  return {
    name: 'PatchbayError',
    kind: 'http_5xx',
    code: 'HTTP_503',
    message,
    retryable: true,
    status: 503,
    retryAfterMs: 1500,
    details: { url: 'https://api.example.com/v1/orders', attempt: 3 },
  };
}

/**
 * A JSON value exercising every JSON type, nesting, unicode and number edges.
 *
 * @example
 * ```ts
 * expect(roundTripped).toEqual(RICH_JSON);
 * ```
 */
export const RICH_JSON: JsonValue = {
  text: 'Grüße, 東京 🚚 "quoted" \\ back\nslash',
  empty: '',
  int: 42,
  negative: -7,
  float: 3.141592653589793,
  big: 9007199254740991,
  tiny: 5e-324,
  huge: 1.7976931348623157e308,
  yes: true,
  no: false,
  nothing: null,
  list: [1, 'two', null, [3, [4]], { five: 5 }],
  nested: { a: { b: { c: { d: 'deep' } } } },
  emptyObject: {},
  emptyList: [],
};

/**
 * Every byte value, to prove bodies round-trip byte for byte.
 *
 * @example
 * ```ts
 * expect(item.body.equals(ALL_BYTES)).toBe(true);
 * ```
 */
export const ALL_BYTES: Buffer = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

/**
 * Numbers 0..n-1, for building concurrent batches.
 *
 * @example
 * ```ts
 * await Promise.all(range(200).map((i) => store.inbox.append(item(i))));
 * ```
 */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Base time for tests that pass an explicit `now` (2026-01-01T00:00:00Z).
 *
 * @example
 * ```ts
 * await store.leases.acquire('l', 'a', 1000, T0);
 * ```
 */
export const T0 = 1_767_225_600_000;
