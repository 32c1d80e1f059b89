/**
 * The circuit breaker's state as a serialisable document, the pure
 * transitions between states, and the in-process failure statistics.
 *
 * The document is what processes share through the store's
 * `PolicyStateRepo` (compare-and-set), so every transition here is a pure
 * function from one snapshot to the next.
 */
import type { JsonValue } from '../core/json-safe.js';

/**
 * The four states. `isolated` is a manual hold-open that only `reset()` ends.
 *
 * @example
 * ```ts
 * pipeline.breaker?.onStateChange(({ to }: { to: BreakerStateName }) => {
 *   if (to === 'open' || to === 'isolated') alerts.page('crm-api breaker open');
 * });
 * ```
 */
export type BreakerStateName = 'closed' | 'open' | 'half_open' | 'isolated';

/**
 * A breaker's shared state.
 *
 * @example
 * ```ts
 * const s: BreakerSnapshot = { state: 'open', since: 0, openUntil: 30_000, reason: 'HTTP_503' };
 * ```
 */
export interface BreakerSnapshot {
  state: BreakerStateName;
  /** When the current state began (epoch ms). */
  since: number;
  /** `open`: when a half-open probe may start. */
  openUntil?: number;
  /** `half_open`: who runs the probe, and until when the claim holds. */
  probe?: { owner: string; until: number };
  /** Error code that opened the breaker, or `manual`. */
  reason?: string;
}

/** What the breaker says about a call. */
export type BreakerDecision =
  | 'allow'
  | 'claim'
  | { code: 'CIRCUIT_OPEN' | 'CIRCUIT_HALF_OPEN' | 'CIRCUIT_ISOLATED'; retryAfterMs?: number };

/** A closed breaker. */
export function closedSnapshot(now: number): BreakerSnapshot {
  return { state: 'closed', since: now };
}

/** An open breaker that lets a probe through at `now + openMs`. */
export function openedSnapshot(now: number, openMs: number, reason: string): BreakerSnapshot {
  return { state: 'open', since: now, openUntil: now + openMs, reason };
}

/** A manually isolated breaker. */
export function isolatedSnapshot(now: number): BreakerSnapshot {
  return { state: 'isolated', since: now, reason: 'manual' };
}

/** `s` with the half-open probe claimed by `owner` until `now + leaseMs`. */
export function claimedSnapshot(
  s: BreakerSnapshot,
  now: number,
  owner: string,
  leaseMs: number,
): BreakerSnapshot {
  const next: BreakerSnapshot = {
    state: 'half_open',
    since: now,
    probe: { owner, until: now + leaseMs },
  };
  if (s.reason !== undefined) next.reason = s.reason;
  return next;
}

/** `s` with the probe given back unfinished (cancelled, rate limited): the next call may probe. */
export function releasedSnapshot(s: BreakerSnapshot, now: number): BreakerSnapshot {
  const next: BreakerSnapshot = { state: 'open', since: s.since, openUntil: now };
  if (s.reason !== undefined) next.reason = s.reason;
  return next;
}

/**
 * Decides a call against a snapshot: allow, claim the half-open probe, or reject.
 * A probe claim whose lease ran out (its process died) may be claimed again.
 */
export function decide(s: BreakerSnapshot, now: number): BreakerDecision {
  switch (s.state) {
    case 'closed':
      return 'allow';
    case 'isolated':
      return { code: 'CIRCUIT_ISOLATED' };
    case 'open': {
      const until = s.openUntil ?? 0;
      return now >= until ? 'claim' : { code: 'CIRCUIT_OPEN', retryAfterMs: until - now };
    }
    case 'half_open': {
      const until = s.probe?.until ?? 0;
      if (now >= until) return 'claim';
      return { code: 'CIRCUIT_HALF_OPEN', retryAfterMs: Math.min(until - now, 1000) };
    }
  }
}

const STATES: readonly string[] = ['closed', 'open', 'half_open', 'isolated'];

/**
 * Reads a stored document; anything malformed reads as `undefined` (treated as closed).
 * @example
 * ```ts
 * const row = await store.policyState.get('breaker:gps');
 * parseSnapshot(row?.value)?.state; // 'open'
 * ```
 */
export function parseSnapshot(value: JsonValue | undefined): BreakerSnapshot | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, JsonValue>;
  if (typeof v['state'] !== 'string' || !STATES.includes(v['state'])) return undefined;
  if (typeof v['since'] !== 'number') return undefined;
  const s: BreakerSnapshot = { state: v['state'] as BreakerStateName, since: v['since'] };
  if (typeof v['openUntil'] === 'number') s.openUntil = v['openUntil'];
  const probe = v['probe'];
  if (probe !== null && typeof probe === 'object' && !Array.isArray(probe)) {
    const p = probe as Record<string, JsonValue>;
    if (typeof p['owner'] === 'string' && typeof p['until'] === 'number') {
      s.probe = { owner: p['owner'], until: p['until'] };
    }
  }
  if (typeof v['reason'] === 'string') s.reason = v['reason'];
  return s;
}

/** Counts failures while closed and says when to open. */
export interface FailureStats {
  /** Records a failure; true when the breaker should open. */
  failure(now: number): boolean;
  success(now: number): void;
  reset(): void;
}

/**
 * Consecutive mode: opens after `threshold` failures in a row, all within
 * `windowMs` (default 5 within 60 s). Any success starts the count again.
 */
export class ConsecutiveStats implements FailureStats {
  readonly #times: number[];
  #count = 0;

  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {
    this.#times = new Array<number>(threshold).fill(0);
  }

  failure(now: number): boolean {
    const n = this.threshold;
    this.#times[this.#count % n] = now;
    this.#count++;
    if (this.#count < n) return false;
    const oldest = this.#times[this.#count % n]!;
    return now - oldest <= this.windowMs;
  }

  success(): void {
    this.#count = 0;
  }

  reset(): void {
    this.#count = 0;
  }
}

/**
 * Ratio mode: opens when, over the last `windowMs` (in 10 buckets), at
 * least `minimumCalls` calls were seen and `failures / calls ≥ ratio`.
 */
export class RatioStats implements FailureStats {
  static readonly BUCKETS = 10;
  readonly #bucketMs: number;
  readonly #epochs = new Array<number>(RatioStats.BUCKETS).fill(-1);
  readonly #ok = new Array<number>(RatioStats.BUCKETS).fill(0);
  readonly #bad = new Array<number>(RatioStats.BUCKETS).fill(0);

  constructor(
    private readonly ratio: number,
    private readonly minimumCalls: number,
    windowMs: number,
  ) {
    this.#bucketMs = Math.max(1, windowMs / RatioStats.BUCKETS);
  }

  #slot(epoch: number): number {
    const i = epoch % RatioStats.BUCKETS;
    if (this.#epochs[i] !== epoch) {
      this.#epochs[i] = epoch;
      this.#ok[i] = 0;
      this.#bad[i] = 0;
    }
    return i;
  }

  failure(now: number): boolean {
    const epoch = Math.floor(now / this.#bucketMs);
    this.#bad[this.#slot(epoch)]!++;
    let ok = 0;
    let bad = 0;
    for (let i = 0; i < RatioStats.BUCKETS; i++) {
      const e = this.#epochs[i]!;
      if (e > epoch - RatioStats.BUCKETS && e <= epoch) {
        ok += this.#ok[i]!;
        bad += this.#bad[i]!;
      }
    }
    const total = ok + bad;
    return total >= this.minimumCalls && bad / total >= this.ratio;
  }

  success(now: number): void {
    this.#ok[this.#slot(Math.floor(now / this.#bucketMs))]!++;
  }

  reset(): void {
    this.#epochs.fill(-1);
  }
}
