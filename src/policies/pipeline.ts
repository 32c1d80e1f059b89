/**
 * The policy pipeline of one integration, composed in a fixed, documented
 * order:
 *
 * ```
 * bulkhead ▸ rate limit ▸ total budget ▸ retry ▸ circuit breaker ▸ per-attempt timeout ▸ call
 * ```
 *
 * - the **bulkhead** slot is held for the whole call, retries included;
 * - the **rate limiter** admits the call before the budget starts, and
 *   admits every retry again before it runs, so retries never exceed the limit;
 * - the **budget** bounds all attempts and waits, and cuts off an attempt in
 *   flight when it runs out;
 * - the **breaker** sees every attempt; its rejections are not attempts;
 * - the **timeout** applies to each attempt, clipped to the budget left.
 *
 * Stateful policies (breaker, limiter, last-known-good) keep their state in
 * the store when one is given, and in-process otherwise.
 */
import type { CacheRepo, PolicyStateRepo } from '../store/types.js';
import { Bulkhead } from './bulkhead.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { AttemptContext } from './context.js';
import { DeadlineQueue } from './deadlines.js';
import {
  runPolicies,
  type AttemptEvent,
  type CallEvent,
  type EngineHooks,
  type ExecuteOptions,
  type Stages,
} from './engine.js';
import { EventEmitter, type Disposable, type Event } from './events.js';
import { LastKnownGood, type LkgResult, type StaleServedEvent } from './last-known-good.js';
import { resolvePolicies, type PoliciesOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { RetryPolicy, type GiveUpEvent, type RetryEvent } from './retry.js';

/**
 * Where stateful policies keep their state; a `Store` fits. Both parts optional.
 *
 * @example
 * ```ts
 * // share breaker and limiter state between processes, keep last-known-good values across restarts
 * const policyStore: PolicyStore = { policyState: store.policyState, cache: store.cache };
 * createPipeline({ breaker: true }, { name: 'crm-api', store: policyStore });
 * ```
 */
export interface PolicyStore {
  readonly policyState?: PolicyStateRepo;
  readonly cache?: CacheRepo;
}

/**
 * A call through {@link Pipeline.read} finished; `stale` tells how it was answered.
 *
 * @example
 * ```ts
 * pipeline.onCall((e) => {
 *   if ('stale' in e && e.stale) metrics.increment(`read.${e.key}.stale`, 1);
 * });
 * ```
 */
export interface ReadCallEvent extends CallEvent {
  key: string;
  stale: boolean;
}

const none: Disposable = { dispose() {} };
const noEvent =
  <T>(): Event<T> =>
  () =>
    none;

/**
 * Builds the pipeline of an integration from its `policies` options.
 *
 * @param policies - see {@link PoliciesOptions}; `undefined` means all defaults
 * @param context.name - the integration id; names breaker/limiter state in the store and errors
 * @param context.store - a `Store` (or just its `policyState` and `cache`); omit for in-process state
 * @throws a `config` PatchbayError naming the field, e.g. `policies.retry.maxDelay`
 * @example
 * ```ts
 * import { createPipeline, bindPolicyMetrics } from 'patchbay/policies';
 * const pipeline = createPipeline({ timeout: '10s', retry: { maxAttempts: 3 } }, { name: 'gps-positions', store });
 * bindPolicyMetrics(pipeline, metrics);
 * const positions = await pipeline.execute(({ signal }) => api.getPositions({ signal }), jobSignal);
 * const cached = await pipeline.read('fleet-7', ({ signal }) => api.getFleet(7, { signal }));
 * ```
 */
export function createPipeline(
  policies: PoliciesOptions | undefined,
  context: { name: string; store?: PolicyStore | undefined },
): Pipeline {
  return new Pipeline(policies, context);
}

/**
 * The pipeline. Build it with {@link createPipeline}; one per integration
 * (or per target), reused for every call.
 * @example
 * ```ts
 * const pipeline = createPipeline({ timeout: '10s' }, { name: 'gps-positions' });
 * pipeline.breaker?.onStateChange((e) => console.log(`breaker ${e.from} → ${e.to}`));
 * ```
 */
export class Pipeline implements EngineHooks {
  readonly name: string;
  /** Per-attempt timeout in ms (`Infinity` when off). */
  readonly timeoutMs: number;
  /** Total budget in ms (`Infinity` when off). */
  readonly budgetMs: number;
  readonly retry: RetryPolicy | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly rateLimiter: RateLimiter | undefined;
  readonly bulkhead: Bulkhead | undefined;
  readonly lastKnownGood: LastKnownGood | undefined;
  readonly #stages: Stages;
  readonly #onAttempt = new EventEmitter<AttemptEvent>();
  readonly #onCall = new EventEmitter<CallEvent | ReadCallEvent>();

  /** Every attempt, with its duration (measured only while someone listens). */
  readonly onAttempt: Event<AttemptEvent> = this.#onAttempt.event;
  /** Every call, once, when it finished: the material of the one log line per call. */
  readonly onCall: Event<CallEvent | ReadCallEvent> = this.#onCall.event;
  /** Before each retry's delay. */
  readonly onRetry: Event<RetryEvent>;
  /** When retrying stops with an error. */
  readonly onGiveUp: Event<GiveUpEvent>;
  /** When a stale last-known-good value is served. */
  readonly onStaleServed: Event<StaleServedEvent>;

  constructor(
    policies: PoliciesOptions | undefined,
    context: { name: string; store?: PolicyStore | undefined },
  ) {
    const name = context.name;
    const p = resolvePolicies(policies, name);
    const raw = (policies ?? {}) as Record<string, unknown>;
    const opts = (key: string): Record<string, unknown> =>
      typeof raw[key] === 'object' && raw[key] !== null
        ? (raw[key] as Record<string, unknown>)
        : {};
    this.name = name;
    this.timeoutMs = p.timeoutMs ?? Infinity;
    this.budgetMs = p.budgetMs ?? Infinity;
    const store = context.store;
    this.retry =
      p.retry &&
      new RetryPolicy(opts('retry'), { subject: name, prefix: 'policies.retry', budget: false });
    this.breaker =
      p.breaker &&
      new CircuitBreaker(
        { ...opts('breaker'), probeLease: p.breaker.probeLeaseMs },
        { name, store: store?.policyState, prefix: 'policies.breaker' },
      );
    this.rateLimiter =
      p.rateLimit instanceof RateLimiter
        ? p.rateLimit
        : p.rateLimit &&
          new RateLimiter(opts('rateLimit'), {
            name,
            store: store?.policyState,
            prefix: 'policies.rateLimit',
          });
    this.bulkhead =
      p.bulkhead instanceof Bulkhead
        ? p.bulkhead
        : p.bulkhead && new Bulkhead(opts('bulkhead'), { name, prefix: 'policies.bulkhead' });
    this.lastKnownGood =
      p.lastKnownGood &&
      new LastKnownGood(opts('lastKnownGood'), {
        name,
        cache: store?.cache,
        prefix: 'policies.lastKnownGood',
      });
    this.onRetry = this.retry?.onRetry ?? noEvent();
    this.onGiveUp = this.retry?.onGiveUp ?? noEvent();
    this.onStaleServed = this.lastKnownGood?.onStaleServed ?? noEvent();
    this.#stages = {
      bulkhead: this.bulkhead,
      limiter: this.rateLimiter,
      budgetMs: this.budgetMs,
      retry: this.retry,
      breaker: this.breaker,
      timeoutMs: this.timeoutMs,
      queue: new DeadlineQueue(),
      hooks: this,
      idempotent: p.idempotent,
    };
  }

  /** @internal true when attempt or call listeners exist. */
  get timed(): boolean {
    return this.#onAttempt.hasListeners || this.#onCall.hasListeners;
  }

  /** @internal */
  attempt(event: AttemptEvent): void {
    this.#onAttempt.emit(event);
  }

  /** @internal */
  call(event: CallEvent): void {
    this.#onCall.emit(event);
  }

  /**
   * Runs `fn` through every policy. Throws a classified `PatchbayError`.
   *
   * @param signal - a signal, or {@link ExecuteOptions} (signal, idempotency)
   * @example
   * ```ts
   * await pipeline.execute(({ signal, idempotencyKey }) => postOrder(order, { signal, idempotencyKey }),
   *   { idempotent: false, idempotencyKey: deriveIdempotencyKey('create-order', order) });
   * ```
   */
  execute<T>(
    fn: (ctx: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal | ExecuteOptions,
  ): Promise<T> {
    return runPolicies(this.#stages, fn, signal);
  }

  /**
   * A read with last-known-good fallback: a fresh answer is kept under
   * `key`; when the breaker is open or the budget is spent, the kept answer
   * is returned as `{ value, stale: true, asOf }` (within `maxStaleness`).
   * Values must be JSON values. Without `lastKnownGood`, always fresh or an error.
   *
   * @example
   * ```ts
   * const r = await pipeline.read('fleet-7', ({ signal }) => api.getFleet(7, { signal }));
   * if (r.stale) console.warn(`positions as of ${new Date(r.asOf).toISOString()}`);
   * ```
   */
  async read<T>(
    key: string,
    fn: (ctx: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal | ExecuteOptions,
  ): Promise<LkgResult<T>> {
    const lkg = this.lastKnownGood;
    if (lkg === undefined) return { value: await this.execute(fn, signal), stale: false };
    if (!this.#onCall.hasListeners) return lkg.execute(key, () => this.execute(fn, signal));
    // Defer the call event until we know whether the answer was stale.
    const started = performance.now();
    let inner: CallEvent | undefined;
    const stages: Stages = { ...this.#stages, hooks: this.#readHooks((e) => (inner = e)) };
    try {
      const result = await lkg.execute(key, () => runPolicies(stages, fn, signal));
      this.#onCall.emit({
        ...(inner ?? { outcome: 'success', attempts: 0 }),
        ...(result.stale ? { error: result.error } : {}),
        outcome: 'success',
        durationMs: performance.now() - started,
        key,
        stale: result.stale,
      });
      return result;
    } catch (err) {
      this.#onCall.emit({
        ...(inner ?? { outcome: 'failure', attempts: 0 }),
        outcome: 'failure',
        durationMs: performance.now() - started,
        key,
        stale: false,
      });
      throw err;
    }
  }

  #readHooks(capture: (e: CallEvent) => void): EngineHooks {
    return { timed: true, attempt: (e) => this.#onAttempt.emit(e), call: capture };
  }
}
