/**
 * Last-known-good fallback for reads: every fresh answer is kept per key in
 * the store's cache; when the breaker is open or the retry budget is spent,
 * the kept answer is returned as `{ value, stale: true, asOf }`, never
 * passed off as fresh, and only while it is no older than `maxStaleness`
 * (after that the original error is thrown, and the cache lets it expire).
 */
import type { ErrorKind, PatchbayError } from '../core/errors.js';
import { classify } from '../core/classify.js';
import type { Duration } from '../core/duration.js';
import type { JsonValue } from '../core/json-safe.js';
import type { CacheRepo } from '../store/types.js';
import { EventEmitter, type Event } from './events.js';
import { MemoryCacheRepo } from './memory-repos.js';
import { readDuration, readKinds, readObject, type OptionPath } from './validate.js';

/**
 * Failures after which a stale value may be served.
 * @example
 * ```ts
 * createPipeline({ lastKnownGood: { fallbackOn: DEFAULT_FALLBACK_ON.filter((k) => k !== 'rate_limited') } }, { name: 'gps' });
 * ```
 */
export const DEFAULT_FALLBACK_ON: readonly ErrorKind[] = [
  'circuit_open',
  'timeout',
  'connection',
  'http_5xx',
  'rate_limited',
  'overloaded',
];

/**
 * Options of the last-known-good fallback; defaults shown.
 *
 * @example
 * ```ts
 * // serve exchange rates up to 6 h old while the rates API is down, but not on auth errors
 * const lastKnownGood: LastKnownGoodOptions = { maxStaleness: '6h', fallbackOn: ['circuit_open', 'timeout', 'http_5xx'] };
 * createPipeline({ lastKnownGood }, { name: 'fx-rates', store });
 * ```
 */
export interface LastKnownGoodOptions {
  /** Oldest value that may still be served. Default `"1h"`. */
  maxStaleness?: Duration;
  /** Error kinds after which a stale value is served. Default {@link DEFAULT_FALLBACK_ON}. */
  fallbackOn?: ErrorKind[];
}

/**
 * A read's answer: fresh, or stale with its age.
 *
 * @example
 * ```ts
 * const r: LkgResult<Rates> = await pipeline.read('EUR', ({ signal }) => fx.rates('EUR', { signal }));
 * if (r.stale) logger.warn({ ageMs: r.ageMs, cause: r.error.kind }, 'serving stale rates');
 * use(r.value);
 * ```
 */
export type LkgResult<T> =
  | { value: T; stale: false }
  | {
      value: T;
      stale: true;
      /** When the value was fetched (epoch ms). */
      asOf: number;
      ageMs: number;
      /** Why the fresh read failed. */
      error: PatchbayError;
    };

/**
 * A stale value was served (metric `integration.<name>.stale_served`).
 *
 * @example
 * ```ts
 * pipeline.onStaleServed((e: StaleServedEvent) =>
 *   logger.warn({ key: e.key, ageMs: e.ageMs, kind: e.error.kind }, `${e.name}: served stale value`),
 * );
 * ```
 */
export interface StaleServedEvent {
  name: string;
  key: string;
  asOf: number;
  ageMs: number;
  error: PatchbayError;
}

/** Validated settings. */
export interface ResolvedLastKnownGood {
  maxStalenessMs: number;
  fallbackOn: ReadonlySet<ErrorKind>;
}

/**
 * Validates last-known-good options.
 *
 * @throws a `config` error naming the field, e.g. `policies.lastKnownGood.maxStaleness`
 * @example
 * ```ts
 * resolveLastKnownGood({ maxStaleness: '6h' }, { subject: 'gps', prefix: 'policies.lastKnownGood' }).maxStalenessMs; // 21_600_000
 * ```
 */
export function resolveLastKnownGood(input: unknown, path: OptionPath): ResolvedLastKnownGood {
  const o = readObject(input, path, ['maxStaleness', 'fallbackOn']);
  return {
    maxStalenessMs: readDuration(o, 'maxStaleness', '1h', path, { positive: true }),
    fallbackOn: readKinds(o, 'fallbackOn', DEFAULT_FALLBACK_ON, path),
  };
}

/**
 * The fallback. Values must be JSON values (they go through the store).
 *
 * @example
 * ```ts
 * const lkg = new LastKnownGood({ maxStaleness: '2h' }, { name: 'gps', cache: store.cache });
 * const r = await lkg.execute('fleet-7', () => pipeline.execute(() => fetchPositions('fleet-7')));
 * if (r.stale) logger.warn({ asOf: r.asOf }, 'serving stale positions');
 * ```
 */
export class LastKnownGood {
  readonly name: string;
  readonly settings: ResolvedLastKnownGood;
  readonly #cache: CacheRepo;
  readonly #namespace: string;
  readonly #onStaleServed = new EventEmitter<StaleServedEvent>();
  readonly #onStoreError = new EventEmitter<unknown>();

  /** Fires each time a stale value is served. */
  readonly onStaleServed: Event<StaleServedEvent> = this.#onStaleServed.event;
  /** Fires when saving or reading a value fails (the read itself is not affected). */
  readonly onStoreError: Event<unknown> = this.#onStoreError.event;

  /**
   * @param context.cache - where values are kept; default an in-process cache
   */
  constructor(
    options: LastKnownGoodOptions = {},
    context: { name: string; cache?: CacheRepo | undefined; prefix?: string },
  ) {
    this.name = context.name;
    this.settings = resolveLastKnownGood(options, {
      subject: context.name,
      prefix: context.prefix ?? 'lastKnownGood',
    });
    this.#cache = context.cache ?? new MemoryCacheRepo();
    this.#namespace = `lkg:${context.name}`;
  }

  /**
   * Runs the read `fn`; keeps a fresh answer under `key`, or answers from
   * the kept value when `fn` fails with a fallback kind.
   */
  async execute<T>(key: string, fn: () => Promise<T>): Promise<LkgResult<T>> {
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      const error = classify(err);
      if (!this.settings.fallbackOn.has(error.kind)) throw error;
      const kept = await this.#get(key);
      if (kept === undefined) throw error;
      const now = Date.now();
      const ageMs = Math.max(0, now - kept.storedAt);
      if (ageMs > this.settings.maxStalenessMs) throw error;
      this.#onStaleServed.emit({ name: this.name, key, asOf: kept.storedAt, ageMs, error });
      return { value: kept.value as T, stale: true, asOf: kept.storedAt, ageMs, error };
    }
    try {
      // Kept exactly as long as it may be served (expiry is exclusive).
      await this.#cache.set(this.#namespace, key, value as JsonValue, {
        ttlMs: this.settings.maxStalenessMs + 1,
      });
    } catch (err) {
      this.#onStoreError.emit(err);
    }
    return { value, stale: false };
  }

  /** Forgets the value kept under `key`. */
  forget(key: string): Promise<void> {
    return this.#cache.delete(this.#namespace, key);
  }

  async #get(key: string) {
    try {
      return await this.#cache.get(this.#namespace, key);
    } catch (err) {
      this.#onStoreError.emit(err);
      return undefined;
    }
  }
}
