/**
 * Client-side rate limiter: a token bucket with a burst, in `throttle` (wait
 * for a token, up to `maxWait`) or `drop` (reject at once) mode. It learns
 * from the server (`Retry-After`, `X-RateLimit-*`, IETF `RateLimit*`) and
 * paces itself before the server says 429. With a store, the bucket is one
 * shared document updated by compare-and-set, so every process sharing the
 * store shares the budget and the limit is never exceeded.
 */
import { PatchbayError } from '../core/errors.js';
import type { Duration } from '../core/duration.js';
import type { JsonValue } from '../core/json-safe.js';
import type { PolicyStateRepo } from '../store/types.js';
import { sleep } from './clock.js';
import type { AttemptContext } from './context.js';
import { DeadlineQueue } from './deadlines.js';
import { runPolicies, type ExecuteOptions, type LimiterStage } from './engine.js';
import { EventEmitter, type Event } from './events.js';
import {
  parseRateLimitHeaders,
  type HeadersLike,
  type RateLimitInfo,
} from './rate-limit-headers.js';
import {
  freshBucket,
  learn,
  parseBucket,
  refund,
  reserve,
  reserveInPlace,
  type BucketLimits,
  type BucketSnapshot,
  type Reservation,
} from './token-bucket.js';
import {
  readBoolean,
  readDuration,
  readEnum,
  readNumber,
  readObject,
  type OptionPath,
} from './validate.js';
import { configError } from '../core/errors.js';

/**
 * Options of the rate limiter; defaults shown.
 *
 * @example
 * ```ts
 * // 100 calls a minute, bursts of 10, wait at most 30 s for a token
 * const limiter = new RateLimiter(
 *   { rate: 100, per: '1m', burst: 10, mode: 'throttle', maxWait: '30s' } satisfies RateLimiterOptions,
 *   { name: 'crm-api', store: store.policyState },
 * );
 * ```
 */
export interface RateLimiterOptions {
  /** Calls allowed per `per`. Omit to only learn limits from response headers. */
  rate?: number;
  /** The period of `rate`. Default `"1s"`. */
  per?: Duration;
  /** Bucket size: calls allowed back to back. Default `max(1, ceil(rate))`. */
  burst?: number;
  /** `throttle` waits for a token (default); `drop` rejects at once. */
  mode?: 'throttle' | 'drop';
  /** Throttle mode: the longest wait before rejecting with `rate_limited`. Default `"60s"`. */
  maxWait?: Duration;
  /** Learn from `Retry-After` and rate-limit headers. Default `true`. */
  learn?: boolean;
}

/**
 * Validated limiter settings.
 *
 * @example
 * ```ts
 * const limits: ResolvedRateLimiter = resolveRateLimiter({ rate: 5, mode: 'drop' }, { subject: 'gps', prefix: 'policies.rateLimit' });
 * limits.burst; // 5
 * ```
 */
export interface ResolvedRateLimiter extends BucketLimits {
  mode: 'throttle' | 'drop';
  maxWaitMs: number;
  learn: boolean;
}

/**
 * Validates limiter options.
 *
 * @throws a `config` error naming the field, e.g. `policies.rateLimit.rate`
 * @example
 * ```ts
 * resolveRateLimiter({ rate: 10 }, { subject: 'gps', prefix: 'policies.rateLimit' }).burst; // 10
 * ```
 */
export function resolveRateLimiter(input: unknown, path: OptionPath): ResolvedRateLimiter {
  const o = readObject(input, path, ['rate', 'per', 'burst', 'mode', 'maxWait', 'learn']);
  const learnHeaders = readBoolean(o, 'learn', true, path);
  let perMs = Infinity;
  let burst = Infinity;
  if (o['rate'] !== undefined) {
    const rate = readNumber(o, 'rate', 1, path, { min: 0, exclusiveMin: true });
    const per = readDuration(o, 'per', '1s', path, { positive: true });
    perMs = rate / per;
    burst = readNumber(o, 'burst', Math.max(1, Math.ceil(rate)), path, { min: 1 });
  } else if (!learnHeaders) {
    throw configError(path.subject, `${path.prefix}.rate`, 'a rate > 0 (or learn: true)');
  } else if (o['burst'] !== undefined || o['per'] !== undefined) {
    throw configError(path.subject, `${path.prefix}.rate`, 'a rate > 0 when per or burst is set');
  }
  return {
    perMs,
    burst,
    mode: readEnum(o, 'mode', 'throttle', ['throttle', 'drop'], path),
    maxWaitMs: readDuration(o, 'maxWait', '60s', path),
    learn: learnHeaders,
  };
}

/**
 * A token-bucket rate limiter, in-process or shared through a store.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ rate: 10, burst: 5 }, { name: 'gps', store: store.policyState });
 * limiter.onWait((e) => console.log(`waiting ${e.waitMs} ms for a token`));
 * const res = await limiter.execute(async ({ signal, learn }) => {
 *   const r = await fetch(url, { signal });
 *   learn(r.headers);
 *   return r;
 * });
 * ```
 */
export class RateLimiter implements LimiterStage {
  readonly name: string;
  readonly settings: ResolvedRateLimiter;
  readonly #repo: PolicyStateRepo | undefined;
  readonly #key: string;
  readonly #queue = new DeadlineQueue();
  #snap: BucketSnapshot;
  #version = 0;
  readonly #onWait = new EventEmitter<{ limiter: string; waitMs: number }>();
  readonly #onRejected = new EventEmitter<{ limiter: string; error: PatchbayError }>();
  readonly #onLearned = new EventEmitter<{ limiter: string; info: RateLimitInfo }>();
  readonly #onStoreError = new EventEmitter<unknown>();

  /** Fires when a call must wait for a token. */
  readonly onWait: Event<{ limiter: string; waitMs: number }> = this.#onWait.event;
  /** Fires when a call is rejected (drop mode, or a wait beyond `maxWait`). */
  readonly onRejected: Event<{ limiter: string; error: PatchbayError }> = this.#onRejected.event;
  /** Fires when the server taught the limiter something. */
  readonly onLearned: Event<{ limiter: string; info: RateLimitInfo }> = this.#onLearned.event;
  /** Fires when the shared store fails; the limiter then works on its local view. */
  readonly onStoreError: Event<unknown> = this.#onStoreError.event;

  constructor(
    options: RateLimiterOptions,
    context: { name: string; store?: PolicyStateRepo | undefined; prefix?: string },
  ) {
    this.name = context.name;
    this.settings = resolveRateLimiter(options, {
      subject: context.name,
      prefix: context.prefix ?? 'rateLimit',
    });
    this.#repo = context.store;
    this.#key = `limiter:${context.name}`;
    this.#snap = freshBucket(this.settings, Date.now());
  }

  /** The bucket as this process last saw it. */
  snapshot(): BucketSnapshot {
    return structuredClone(this.#snap);
  }

  /** Runs `fn` once a token is available. */
  execute<T>(
    fn: (ctx: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal | ExecuteOptions,
  ): Promise<T> {
    return runPolicies({ limiter: this, queue: this.#queue }, fn, signal);
  }

  /** Feeds response headers; bound, so it can be passed around. */
  readonly learn = (headers: HeadersLike): void => {
    if (!this.settings.learn) return;
    const info = parseRateLimitHeaders(headers);
    if (Object.keys(info).length > 0) this.#background(this.learnInfo(info));
  };

  /** @internal a `rate_limited` (or any) error with `retryAfterMs` blocks the bucket. */
  learnFromError(error: PatchbayError): void {
    if (!this.settings.learn || error.retryAfterMs === undefined) return;
    if (error.kind !== 'rate_limited' && error.status !== 503) return;
    this.#background(this.learnInfo({ retryAfterMs: error.retryAfterMs }));
  }

  /** Applies what the server said; persisted to the store when there is one. */
  learnInfo(info: RateLimitInfo): Promise<void> {
    this.#onLearned.emit({ limiter: this.name, info });
    const now = Date.now();
    this.#snap = learn(this.#snap, this.settings, info, now);
    if (this.#repo === undefined) return Promise.resolve();
    return this.#update((s) => learn(s, this.settings, info, Date.now())).then(() => undefined);
  }

  /** @internal takes a token only if one is free now (in-process); a would-be wait reserves nothing. */
  tryTake(now: number): boolean {
    if (this.#repo !== undefined) return false;
    return reserveInPlace(this.#snap, this.settings, now, 'drop', 0) === 0;
  }

  /** @internal */
  acquire(signal: AbortSignal | undefined, now: number = Date.now()): Promise<void> | undefined {
    if (this.#repo === undefined) {
      const { mode, maxWaitMs } = this.settings;
      const waitMs = reserveInPlace(this.#snap, this.settings, now, mode, maxWaitMs);
      if (waitMs === 0) return undefined;
      if (waitMs < 0) return Promise.reject(this.#rejection(-waitMs));
      return this.#wait(waitMs, signal);
    }
    return this.#acquireShared(signal);
  }

  async #acquireShared(signal: AbortSignal | undefined): Promise<void> {
    let outcome: Reservation | undefined;
    await this.#update((s) => {
      outcome = reserve(s, this.settings, Date.now(), this.settings.mode, this.settings.maxWaitMs);
      return outcome.next;
    });
    const r = outcome!;
    if (r.next === undefined) throw this.#rejection(r.retryAfterMs);
    if (r.waitMs > 0) await this.#wait(r.waitMs, signal);
  }

  async #wait(waitMs: number, signal: AbortSignal | undefined): Promise<void> {
    this.#onWait.emit({ limiter: this.name, waitMs });
    try {
      await sleep(waitMs, signal);
    } catch (err) {
      // Gave up waiting: return the reserved token.
      if (this.#repo === undefined) this.#snap = refund(this.#snap, this.settings);
      else this.#background(this.#update((s) => refund(s, this.settings)));
      throw err;
    }
    // The server may have told us to stop while we slept.
    if (this.#snap.at > Date.now()) {
      const again = this.acquire(signal);
      if (again !== undefined) await again;
    }
  }

  /** Work nobody awaits: its failure is reported, never an unhandled rejection. */
  #background(work: Promise<void>): void {
    work.catch((err: unknown) => this.#onStoreError.emit(err));
  }

  #rejection(retryAfterMs: number): PatchbayError {
    const error = new PatchbayError(
      'rate_limited',
      `rate limiter "${this.name}" has no token for ${retryAfterMs} ms`,
      { code: 'RATE_LIMITED_LOCAL', retryAfterMs, details: { limiter: this.name } },
    );
    this.#onRejected.emit({ limiter: this.name, error });
    return error;
  }

  /**
   * Read-modify-CAS on the shared bucket, starting optimistically from the
   * cached version. `mutate` returning `undefined` writes nothing.
   */
  async #update(mutate: (s: BucketSnapshot) => BucketSnapshot | undefined): Promise<void> {
    const repo = this.#repo!;
    try {
      for (let round = 0; round < 100; round++) {
        const next = mutate(this.#snap);
        if (next === undefined) return;
        const version = await repo.compareAndSet(
          this.#key,
          this.#version,
          next as unknown as JsonValue,
        );
        if (version !== undefined) {
          this.#snap = next;
          this.#version = version;
          return;
        }
        const stored = await repo.get(this.#key);
        this.#version = stored?.version ?? 0;
        this.#snap = parseBucket(stored?.value) ?? freshBucket(this.settings, Date.now());
      }
      throw new PatchbayError('overloaded', `rate limiter "${this.name}": too much contention`, {
        code: 'LIMITER_CONTENTION',
      });
    } catch (err) {
      if (err instanceof PatchbayError && err.code === 'LIMITER_CONTENTION') throw err;
      // Store down: decide on the local view rather than stop every call.
      this.#onStoreError.emit(err);
      const next = mutate(this.#snap);
      if (next !== undefined) this.#snap = next;
    }
  }
}
