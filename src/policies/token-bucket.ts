/**
 * The token bucket as a serialisable document and pure functions over it,
 * so the same arithmetic runs in-process and through the store's
 * compare-and-set.
 *
 * Tokens may go negative: a caller that must wait *reserves* the next token
 * and sleeps until its slot, so waiters are served in order and the rate can
 * never be exceeded, even by callers in different processes. `at` moves into
 * the future while the server has told us to stop (`Retry-After`, or
 * `remaining: 0` until reset); nothing refills before it.
 */
import type { JsonValue } from '../core/json-safe.js';
import type { RateLimitInfo } from './rate-limit-headers.js';

/**
 * The limiter's shared state.
 *
 * @example
 * ```ts
 * const state = await store.policyState.get('limiter:crm-api');
 * const bucket: BucketSnapshot | undefined = parseBucket(state?.value);
 * if (bucket && bucket.tokens < 1) logger.debug({ until: bucket.at }, 'limiter is empty');
 * ```
 */
export interface BucketSnapshot {
  /** Tokens at time `at`; negative while reservations are outstanding. */
  tokens: number;
  /** Epoch ms of `tokens`; in the future while blocked. */
  at: number;
  /** Pacing learned from remaining/reset headers: at most `perMs` until `until`. */
  pace?: { perMs: number; until: number };
  /** Quota learned from `RateLimit-Policy`: `perMs` sustained, `burst` at most. */
  policy?: { perMs: number; burst: number };
}

/** Configured limits: tokens per ms (`Infinity` when only learning) and bucket size. */
export interface BucketLimits {
  perMs: number;
  burst: number;
}

/** A reservation: wait `waitMs` then go; or rejected, with when to try again. */
export type Reservation =
  { next: BucketSnapshot; waitMs: number } | { next?: undefined; retryAfterMs: number };

/** A full bucket at `now`. */
export function freshBucket(limits: BucketLimits, now: number): BucketSnapshot {
  return { tokens: Number.isFinite(limits.burst) ? limits.burst : 1, at: now };
}

function perMsAt(s: BucketSnapshot, limits: BucketLimits, now: number): number {
  let perMs = limits.perMs;
  if (s.policy !== undefined && s.policy.perMs < perMs) perMs = s.policy.perMs;
  if (s.pace !== undefined && now < s.pace.until && s.pace.perMs < perMs) perMs = s.pace.perMs;
  return perMs;
}

function burstOf(s: BucketSnapshot, limits: BucketLimits): number {
  return s.policy !== undefined && s.policy.burst < limits.burst ? s.policy.burst : limits.burst;
}

/** Refills `s` in place up to `now` (no change while blocked). */
export function refillInPlace(s: BucketSnapshot, limits: BucketLimits, now: number): void {
  if (now <= s.at) return;
  const perMs = perMsAt(s, limits, s.at);
  s.tokens = Number.isFinite(perMs)
    ? Math.min(burstOf(s, limits), s.tokens + (now - s.at) * perMs)
    : Math.max(s.tokens, 1);
  s.at = now;
  if (s.pace !== undefined && now >= s.pace.until) delete s.pace;
}

/** A refilled copy of `s`. */
export function refill(s: BucketSnapshot, limits: BucketLimits, now: number): BucketSnapshot {
  const next: BucketSnapshot = { ...s };
  refillInPlace(next, limits, now);
  return next;
}

/**
 * Takes one token from `s`, in place. Returns the wait in ms (≥ 0) before
 * the caller may go, or a negative number `-retryAfterMs` when nothing was
 * taken (`drop` mode, or a wait beyond `maxWaitMs`).
 */
export function reserveInPlace(
  s: BucketSnapshot,
  limits: BucketLimits,
  now: number,
  mode: 'throttle' | 'drop',
  maxWaitMs: number,
): number {
  refillInPlace(s, limits, now);
  const perMs = perMsAt(s, limits, now);
  const finite = Number.isFinite(perMs);
  const available = !finite || s.tokens >= 1 ? s.at : s.at + (1 - s.tokens) / perMs;
  const waitMs = available > now ? Math.ceil(available - now) : 0;
  if (waitMs > 0 && (mode === 'drop' || waitMs > maxWaitMs)) return -waitMs;
  if (finite) s.tokens -= 1;
  return waitMs;
}

/**
 * Takes one token. In `drop` mode, or when the wait would exceed
 * `maxWaitMs`, nothing is taken and the caller learns when to retry.
 */
export function reserve(
  s: BucketSnapshot,
  limits: BucketLimits,
  now: number,
  mode: 'throttle' | 'drop',
  maxWaitMs: number,
): Reservation {
  const next: BucketSnapshot = { ...s };
  const waitMs = reserveInPlace(next, limits, now, mode, maxWaitMs);
  return waitMs < 0 ? { retryAfterMs: -waitMs } : { next, waitMs };
}

/** Gives back a reserved token that was not used (the caller gave up waiting). */
export function refund(s: BucketSnapshot, limits: BucketLimits): BucketSnapshot {
  return { ...s, tokens: Math.min(s.tokens + 1, Math.max(1, limits.burst)) };
}

/** `s` after the server told us about its limits. */
export function learn(
  s: BucketSnapshot,
  limits: BucketLimits,
  info: RateLimitInfo,
  now: number,
): BucketSnapshot {
  const r = refill(s, limits, now);
  const block = (ms: number) => {
    r.at = Math.max(r.at, now + ms);
    r.tokens = Math.min(r.tokens, 1);
  };
  if (info.policy !== undefined && info.policy.windowMs > 0 && info.policy.quota > 0) {
    r.policy = {
      perMs: info.policy.quota / info.policy.windowMs,
      burst: Math.max(1, info.policy.quota),
    };
    r.tokens = Math.min(r.tokens, burstOf(r, limits));
  }
  if (info.retryAfterMs !== undefined && info.retryAfterMs > 0) block(info.retryAfterMs);
  if (info.remaining !== undefined && info.resetMs !== undefined) {
    if (info.remaining < 1) {
      if (info.resetMs > 0) block(info.resetMs);
    } else if (info.resetMs > 0) {
      // Spread what is left evenly over the rest of the window: slow down before a 429.
      const perMs = info.remaining / info.resetMs;
      if (perMs < perMsAt(r, limits, now) || r.pace !== undefined) {
        r.pace = { perMs, until: now + info.resetMs };
        r.tokens = Math.min(r.tokens, 1);
      }
    }
  }
  return r;
}

/** Reads a stored document; malformed → `undefined`. */
export function parseBucket(value: JsonValue | undefined): BucketSnapshot | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v['tokens'] !== 'number' || typeof v['at'] !== 'number') return undefined;
  const s: BucketSnapshot = { tokens: v['tokens'], at: v['at'] };
  const pace = v['pace'] as { perMs?: unknown; until?: unknown } | undefined;
  if (pace && typeof pace.perMs === 'number' && typeof pace.until === 'number') {
    s.pace = { perMs: pace.perMs, until: pace.until };
  }
  const policy = v['policy'] as { perMs?: unknown; burst?: unknown } | undefined;
  if (policy && typeof policy.perMs === 'number' && typeof policy.burst === 'number') {
    s.policy = { perMs: policy.perMs, burst: policy.burst };
  }
  return s;
}
