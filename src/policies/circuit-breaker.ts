/**
 * Circuit breaker: consecutive-failure or failure-ratio-in-window mode,
 * exactly one half-open probe, manual isolate/reset.
 *
 * Without a store, state lives in this object and every decision is
 * synchronous. With a store (`PolicyStateRepo`), the state document
 * ({@link BreakerSnapshot}) is shared: every transition is a compare-and-set,
 * so a restarted or second process sees an open breaker, and the
 * open → half-open claim is won by exactly one caller across all processes.
 * A claim carries a lease (`probeLease`), so a probe whose process died is
 * retried by someone else. Failure statistics are counted per process; the
 * state they lead to is shared.
 *
 * `rate_limited`, `cancelled` and permanent errors (4xx, auth, validation)
 * never count as failures.
 */
import { PatchbayError, type ErrorKind } from '../core/errors.js';
import type { Duration } from '../core/duration.js';
import type { JsonValue } from '../core/json-safe.js';
import type { PolicyStateRepo } from '../store/types.js';
import {
  ConsecutiveStats,
  RatioStats,
  claimedSnapshot,
  closedSnapshot,
  decide,
  isolatedSnapshot,
  openedSnapshot,
  parseSnapshot,
  releasedSnapshot,
  type BreakerSnapshot,
  type BreakerStateName,
  type FailureStats,
} from './breaker-state.js';
import { ownerId } from './clock.js';
import type { AttemptContext } from './context.js';
import { DeadlineQueue } from './deadlines.js';
import { runPolicies, type Admission, type BreakerStage, type ExecuteOptions } from './engine.js';
import { EventEmitter, type Event } from './events.js';
import {
  readDuration,
  readEnum,
  readKinds,
  readNumber,
  readObject,
  type OptionPath,
} from './validate.js';

/**
 * Kinds that count as failures by default (only when the error is retryable, so 501/505 do not).
 * @example
 * ```ts
 * new CircuitBreaker({ failureKinds: [...DEFAULT_FAILURE_KINDS, 'parse'] }, { name: 'gps' });
 * ```
 */
export const DEFAULT_FAILURE_KINDS: readonly ErrorKind[] = [
  'timeout',
  'connection',
  'http_5xx',
  'overloaded',
];

/**
 * Options of the circuit breaker; defaults shown.
 *
 * @example
 * ```ts
 * const breaker: CircuitBreakerOptions = {
 *   mode: 'ratio',
 *   ratio: 0.5,
 *   minimumCalls: 20,
 *   window: '60s',
 *   openFor: '30s',
 * };
 * createPipeline({ breaker }, { name: 'crm-api', store });
 * ```
 */
export interface CircuitBreakerOptions {
  /** `consecutive` (default) or `ratio`. */
  mode?: 'consecutive' | 'ratio';
  /** Consecutive mode: failures in a row (within `window`) that open the breaker. Default `5`. */
  failures?: number;
  /** Ratio mode: failure ratio (0–1] that opens the breaker. Default `0.5`. */
  ratio?: number;
  /** Ratio mode: calls needed in the window before the ratio counts. Default `10`. */
  minimumCalls?: number;
  /** Window over which failures count. Default `"60s"`. */
  window?: Duration;
  /** How long the breaker stays open before one probe may pass. Default `"30s"`. */
  openFor?: Duration;
  /** How long a half-open probe claim holds; set ≥ the attempt timeout. Default `"60s"`. */
  probeLease?: Duration;
  /** Error kinds that count as failures. Default {@link DEFAULT_FAILURE_KINDS}. */
  failureKinds?: ErrorKind[];
  /** With a store: how long a read of the shared state is trusted while closed. Default `0` (read per call). */
  syncInterval?: Duration;
}

/**
 * Validated breaker settings (milliseconds).
 *
 * @example
 * ```ts
 * const settings: ResolvedBreaker = resolveBreaker({ openFor: '1m' }, { subject: 'crm-api', prefix: 'policies.breaker' });
 * settings.openMs; // 60_000
 * ```
 */
export interface ResolvedBreaker {
  mode: 'consecutive' | 'ratio';
  failures: number;
  ratio: number;
  minimumCalls: number;
  windowMs: number;
  openMs: number;
  probeLeaseMs: number;
  failureKinds: ReadonlySet<ErrorKind>;
  syncIntervalMs: number;
}

/**
 * A state change, made here (`local`) or seen in the shared store (`store`).
 *
 * @example
 * ```ts
 * pipeline.breaker?.onStateChange((e: BreakerStateChange) =>
 *   logger.warn({ breaker: e.breaker, from: e.from, to: e.to, source: e.source }, 'breaker changed state'),
 * );
 * ```
 */
export interface BreakerStateChange {
  breaker: string;
  from: BreakerStateName;
  to: BreakerStateName;
  at: number;
  source: 'local' | 'store';
  snapshot: BreakerSnapshot;
}

/**
 * A call turned away by the breaker.
 *
 * @example
 * ```ts
 * pipeline.breaker?.onRejected(({ breaker, error }: BreakerRejection) =>
 *   metrics.increment(`breaker.${breaker}.rejected`, 1),
 * );
 * ```
 */
export interface BreakerRejection {
  breaker: string;
  error: PatchbayError;
}

const KEYS = [
  'mode',
  'failures',
  'ratio',
  'minimumCalls',
  'window',
  'openFor',
  'probeLease',
  'failureKinds',
  'syncInterval',
] as const;

/**
 * Validates breaker options.
 *
 * @throws a `config` error naming the field, e.g. `policies.breaker.failures`
 * @example
 * ```ts
 * resolveBreaker({ mode: 'ratio' }, { subject: 'gps', prefix: 'policies.breaker' }).ratio; // 0.5
 * ```
 */
export function resolveBreaker(input: unknown, path: OptionPath): ResolvedBreaker {
  const o = readObject(input, path, KEYS);
  return {
    mode: readEnum(o, 'mode', 'consecutive', ['consecutive', 'ratio'], path),
    failures: readNumber(o, 'failures', 5, path, { min: 1, integer: true }),
    ratio: readNumber(o, 'ratio', 0.5, path, { min: 0, max: 1, exclusiveMin: true }),
    minimumCalls: readNumber(o, 'minimumCalls', 10, path, { min: 1, integer: true }),
    windowMs: readDuration(o, 'window', '60s', path, { positive: true }),
    openMs: readDuration(o, 'openFor', '30s', path, { positive: true }),
    probeLeaseMs: readDuration(o, 'probeLease', '60s', path, { positive: true }),
    failureKinds: readKinds(o, 'failureKinds', DEFAULT_FAILURE_KINDS, path),
    syncIntervalMs: readDuration(o, 'syncInterval', 0, path),
  };
}

/**
 * A circuit breaker, in-process or shared through a store.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker({ failures: 5, openFor: '30s' }, { name: 'gps', store: store.policyState });
 * breaker.onStateChange((e) => metrics.setBreakerState('gps', e.to));
 * await breaker.execute(({ signal }) => fetch(url, { signal }));
 * if (await breaker.heldOpen()) return; // open or isolated: skip work that needs it
 * await breaker.isolate(); // operator: hold open until reset()
 * await breaker.reset();
 * ```
 */
export class CircuitBreaker implements BreakerStage {
  readonly name: string;
  readonly settings: ResolvedBreaker;
  readonly #repo: PolicyStateRepo | undefined;
  readonly #key: string;
  readonly #owner: string;
  readonly #stats: FailureStats;
  readonly #queue = new DeadlineQueue();
  #snap: BreakerSnapshot;
  #version = 0;
  #fetchedAt = -Infinity;
  #reading: Promise<void> | undefined;
  readonly #onStateChange = new EventEmitter<BreakerStateChange>();
  readonly #onRejected = new EventEmitter<BreakerRejection>();
  readonly #onStoreError = new EventEmitter<unknown>();

  /** Fires on every state change this process makes or observes. */
  readonly onStateChange: Event<BreakerStateChange> = this.#onStateChange.event;
  /** Fires for every call the breaker turns away. */
  readonly onRejected: Event<BreakerRejection> = this.#onRejected.event;
  /** Fires when the shared store fails; the breaker then decides on its local view. */
  readonly onStoreError: Event<unknown> = this.#onStoreError.event;

  /**
   * @param options - see {@link CircuitBreakerOptions}
   * @param context.name - breaker name; the store key is `breaker:<name>`
   * @param context.store - shared state; omit for an in-process breaker
   */
  constructor(
    options: CircuitBreakerOptions = {},
    context: { name: string; store?: PolicyStateRepo | undefined; prefix?: string },
  ) {
    this.name = context.name;
    this.settings = resolveBreaker(options, {
      subject: context.name,
      prefix: context.prefix ?? 'breaker',
    });
    this.#repo = context.store;
    this.#key = `breaker:${context.name}`;
    this.#owner = ownerId(`breaker:${context.name}`);
    const s = this.settings;
    this.#stats =
      s.mode === 'ratio'
        ? new RatioStats(s.ratio, s.minimumCalls, s.windowMs)
        : new ConsecutiveStats(s.failures, s.windowMs);
    this.#snap = closedSnapshot(Date.now());
  }

  /** The state as this process last saw it. */
  get state(): BreakerStateName {
    return this.#snap.state;
  }

  /** A copy of the state document as this process last saw it. */
  snapshot(): BreakerSnapshot {
    return structuredClone(this.#snap);
  }

  /** Re-reads the shared state (no-op without a store) and returns it. */
  async refresh(): Promise<BreakerSnapshot> {
    if (this.#repo !== undefined) await this.#read(true);
    return this.snapshot();
  }

  /**
   * Read-only: the `circuit_open` error a call would get now because the
   * breaker holds calls off (open before its probe is due, or isolated);
   * `undefined` when a call may pass or probe, half-open included. Re-reads
   * the shared state first; claims no probe and records no failure, so a
   * caller can skip work that could only end in a rejected call.
   */
  async heldOpen(): Promise<PatchbayError | undefined> {
    const d = decide(await this.refresh(), Date.now());
    if (typeof d === 'string' || d.code === 'CIRCUIT_HALF_OPEN') return undefined;
    return this.#reject(d.code, d.retryAfterMs);
  }

  /** True when `error` counts as a failure of the downstream. */
  isFailure(error: PatchbayError): boolean {
    return error.retryable && this.settings.failureKinds.has(error.kind);
  }

  /** Holds the breaker open (fleet-wide with a store) until {@link CircuitBreaker.reset}. */
  async isolate(): Promise<void> {
    await this.#transition(() => isolatedSnapshot(Date.now()));
  }

  /** Closes the breaker (fleet-wide with a store) and forgets the failure counts. */
  async reset(): Promise<void> {
    await this.#transition(() => closedSnapshot(Date.now()));
    this.#stats.reset();
  }

  /** Runs `fn` through the breaker alone. */
  execute<T>(
    fn: (ctx: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal | ExecuteOptions,
  ): Promise<T> {
    return runPolicies({ breaker: this, queue: this.#queue }, fn, signal);
  }

  /** @internal closed and in-process: a call may pass with no bookkeeping before it. */
  get passesFast(): boolean {
    return this.#repo === undefined && this.#snap.state === 'closed';
  }

  /** @internal */
  admit(): Admission | Promise<Admission> {
    if (this.#repo === undefined) {
      if (this.#snap.state === 'closed') return 0;
      return this.#decideLocal(Date.now());
    }
    if (
      this.#snap.state === 'closed' &&
      this.settings.syncIntervalMs > 0 &&
      Date.now() - this.#fetchedAt < this.settings.syncIntervalMs
    ) {
      return 0;
    }
    return this.#admitShared();
  }

  /** @internal */
  succeeded(admission: 0 | 1): void | Promise<void> {
    if (admission === 1) {
      const now = Date.now();
      return this.#transition((s) => (this.#ownsProbe(s) ? closedSnapshot(now) : undefined));
    }
    // Consecutive mode needs no clock on success; ratio mode counts it in its bucket.
    if (this.settings.mode === 'ratio') this.#stats.success(Date.now());
    else this.#stats.reset();
  }

  /** @internal */
  failed(error: PatchbayError, admission: 0 | 1, now: number): void | Promise<void> {
    const failure = this.isFailure(error);
    if (admission === 1) {
      const reason = error.code;
      return this.#transition((s) => {
        if (!this.#ownsProbe(s)) return undefined;
        if (failure) return openedSnapshot(now, this.settings.openMs, reason);
        // The server answered (4xx): it is up. Cancelled or throttled: let the next call probe.
        return error.kind === 'cancelled' || error.kind === 'rate_limited'
          ? releasedSnapshot(s, now)
          : closedSnapshot(now);
      });
    }
    if (!failure || this.#snap.state !== 'closed') return;
    if (this.#stats.failure(now)) {
      const reason = error.code;
      return this.#transition((s) =>
        s.state === 'closed' ? openedSnapshot(now, this.settings.openMs, reason) : undefined,
      );
    }
  }

  #ownsProbe(s: BreakerSnapshot): boolean {
    return s.state === 'half_open' && s.probe?.owner === this.#owner;
  }

  #decideLocal(now: number): Admission {
    const d = decide(this.#snap, now);
    if (d === 'allow') return 0;
    if (d === 'claim') {
      this.#adopt(
        claimedSnapshot(this.#snap, now, this.#owner, this.settings.probeLeaseMs),
        this.#version + 1,
        'local',
      );
      return 1;
    }
    return this.#reject(d.code, d.retryAfterMs);
  }

  async #admitShared(): Promise<Admission> {
    for (let round = 0; round < 8; round++) {
      await this.#read(false);
      const snap = this.#snap;
      const version = this.#version;
      const now = Date.now();
      const d = decide(snap, now);
      if (d === 'allow') return 0;
      if (d !== 'claim') return this.#reject(d.code, d.retryAfterMs);
      const next = claimedSnapshot(snap, now, this.#owner, this.settings.probeLeaseMs);
      const won = await this.#cas(version, next);
      if (won === 'error') return this.#decideLocal(now);
      if (won !== undefined) {
        this.#adopt(next, won, 'local');
        return 1;
      }
      this.#fetchedAt = -Infinity; // lost the race: read the winner's state
    }
    return this.#reject('CIRCUIT_HALF_OPEN', 1000);
  }

  #reject(code: string, retryAfterMs: number | undefined): PatchbayError {
    const state = this.#snap.state;
    const error = new PatchbayError(
      'circuit_open',
      `circuit breaker "${this.name}" is ${state.replace('_', '-')}`,
      {
        code,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        details: { breaker: this.name, state, reason: this.#snap.reason },
      },
    );
    this.#onRejected.emit({ breaker: this.name, error });
    return error;
  }

  /** Applies `mutate` to the current state; with a store, by compare-and-set until it sticks. */
  #transition(mutate: (s: BreakerSnapshot) => BreakerSnapshot | undefined): void | Promise<void> {
    if (this.#repo === undefined) {
      const next = mutate(this.#snap);
      if (next !== undefined) this.#adopt(next, this.#version + 1, 'local');
      return;
    }
    return this.#transitionShared(mutate);
  }

  async #transitionShared(mutate: (s: BreakerSnapshot) => BreakerSnapshot | undefined) {
    for (let round = 0; round < 16; round++) {
      const next = mutate(this.#snap);
      if (next === undefined) return;
      const won = await this.#cas(this.#version, next);
      if (won === 'error') {
        this.#adopt(next, this.#version, 'local');
        return;
      }
      if (won !== undefined) {
        this.#adopt(next, won, 'local');
        return;
      }
      await this.#read(true);
    }
  }

  async #cas(version: number, next: BreakerSnapshot): Promise<number | undefined | 'error'> {
    try {
      return await this.#repo!.compareAndSet(this.#key, version, next as unknown as JsonValue);
    } catch (err) {
      this.#onStoreError.emit(err);
      return 'error';
    }
  }

  /** Reads the shared state; concurrent readers share one read. */
  #read(force: boolean): Promise<void> {
    if (!force && this.#reading !== undefined) return this.#reading;
    const reading = this.#repo!.get(this.#key).then(
      (stored) => {
        this.#fetchedAt = Date.now();
        if (stored === undefined) {
          if (this.#version !== 0) this.#adopt(closedSnapshot(this.#fetchedAt), 0, 'store', true);
          return;
        }
        if (stored.version === this.#version) return;
        const snap = parseSnapshot(stored.value) ?? closedSnapshot(stored.updatedAt);
        this.#adopt(snap, stored.version, 'store', true);
      },
      (err: unknown) => {
        this.#onStoreError.emit(err);
      },
    );
    const tracked = reading.finally(() => {
      if (this.#reading === tracked) this.#reading = undefined;
    });
    this.#reading = tracked;
    return tracked;
  }

  #adopt(next: BreakerSnapshot, version: number, source: 'local' | 'store', fromRead = false) {
    // A read that started before our own write may return an older version.
    if (fromRead && version < this.#version && version !== 0) return;
    const from = this.#snap.state;
    this.#snap = next;
    this.#version = version;
    if (next.state === 'closed' && from !== 'closed') this.#stats.reset();
    if (from !== next.state) {
      this.#onStateChange.emit({
        breaker: this.name,
        from,
        to: next.state,
        at: next.since,
        source,
        snapshot: structuredClone(next),
      });
    }
  }
}
