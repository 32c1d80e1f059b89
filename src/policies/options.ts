/**
 * The `policies` object of an integration: one typed options object for the
 * whole pipeline, validated up front with config errors that name the field
 * (`gps-positions: policies.retry.maxAttempts: expected an integer ≥ 1`).
 */
import { configError } from '../core/errors.js';
import type { Duration } from '../core/duration.js';
import { Bulkhead, resolveBulkhead, type BulkheadOptions } from './bulkhead.js';
import { resolveBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { resolveLastKnownGood, type LastKnownGoodOptions } from './last-known-good.js';
import { RateLimiter, resolveRateLimiter, type RateLimiterOptions } from './rate-limiter.js';
import { resolveRetry, type RetryOptions } from './retry.js';
import { resolveTimeout } from './timeout.js';
import { readBoolean, readDuration, readObject, type OptionPath } from './validate.js';

/**
 * Every policy of one integration. Defaults: 30 s per-attempt timeout, 15 min
 * budget, retry (5 attempts, 1 s base, 5 min cap, ±20 % jitter), a breaker
 * (5 failures within 60 s, open 30 s, one probe) and last-known-good for
 * reads (1 h max staleness); no rate limit and no bulkhead unless given.
 * `false` turns a policy off; `true` turns it on with its defaults.
 *
 * @example
 * ```ts
 * const policies: PoliciesOptions = {
 *   timeout: '10s',
 *   budget: '2m',
 *   retry: { maxAttempts: 4, baseDelay: '500ms' },
 *   breaker: { mode: 'ratio', ratio: 0.5, minimumCalls: 20 },
 *   rateLimit: { rate: 20, burst: 5 },
 *   bulkhead: { maxConcurrent: 4, maxQueued: 50 },
 *   lastKnownGood: { maxStaleness: '6h' },
 * };
 * ```
 */
export interface PoliciesOptions {
  /** Per-attempt timeout. Default `"30s"`. */
  timeout?: Duration | false;
  /** Total wall-clock budget of a call, all attempts and waits included. Default `"15m"`. */
  budget?: Duration | false;
  /** Retry policy. Default on. */
  retry?: RetryOptions | boolean;
  /** Circuit breaker. Default on. */
  breaker?: CircuitBreakerOptions | boolean;
  /** Rate limiter, or a shared {@link RateLimiter} instance. Default off. */
  rateLimit?: RateLimiterOptions | RateLimiter | boolean;
  /** Bulkhead, or a shared {@link Bulkhead} (a named pool). Default off. */
  bulkhead?: BulkheadOptions | Bulkhead | boolean;
  /** Last-known-good fallback for `pipeline.read()`. Default on. */
  lastKnownGood?: LastKnownGoodOptions | boolean;
  /** Whether calls are idempotent unless `execute` says otherwise. Default `true`. */
  idempotent?: boolean;
}

/**
 * The policies' own field names, in pipeline order.
 * @example
 * ```ts
 * POLICY_KEYS.includes('retry'); // true
 * ```
 */
export const POLICY_KEYS = [
  'bulkhead',
  'rateLimit',
  'budget',
  'retry',
  'breaker',
  'timeout',
  'lastKnownGood',
  'idempotent',
] as const;

/**
 * Validated `policies`: `undefined` for a policy that is off. Durations in ms.
 *
 * @example
 * ```ts
 * const p: ResolvedPolicies = resolvePolicies({ timeout: '10s', retry: false }, 'gps-positions');
 * p.timeoutMs; // 10_000
 * p.retry; // undefined: retries are off
 * ```
 */
export interface ResolvedPolicies {
  timeoutMs: number | undefined;
  budgetMs: number | undefined;
  retry: ReturnType<typeof resolveRetry> | undefined;
  breaker: ReturnType<typeof resolveBreaker> | undefined;
  rateLimit: ReturnType<typeof resolveRateLimiter> | RateLimiter | undefined;
  bulkhead: ReturnType<typeof resolveBulkhead> | Bulkhead | undefined;
  lastKnownGood: ReturnType<typeof resolveLastKnownGood> | undefined;
  idempotent: boolean;
}

function sub(value: unknown, fallbackOn: boolean): { on: false } | { on: true; options: unknown } {
  if (value === false) return { on: false };
  if (value === undefined) return fallbackOn ? { on: true, options: {} } : { on: false };
  if (value === true) return { on: true, options: {} };
  return { on: true, options: value };
}

/**
 * Validates an integration's `policies` without building anything (what
 * `patchbay check` and `createPipeline` use).
 *
 * @param subject - named in errors, usually the integration id
 * @throws a `config` PatchbayError naming the field
 * @example
 * ```ts
 * resolvePolicies({ retry: { maxAttempts: 0 } }, 'gps');
 * // throws: gps: policies.retry.maxAttempts: expected an integer ≥ 1
 * ```
 */
export function resolvePolicies(input: unknown, subject: string): ResolvedPolicies {
  const root: OptionPath = { subject, prefix: 'policies' };
  const o = readObject(input, root, POLICY_KEYS);
  const at = (field: string): OptionPath => ({ subject, prefix: `policies.${field}` });

  const timeoutMs = o['timeout'] === false ? undefined : resolveTimeout(o['timeout'], root);
  const budgetMs =
    o['budget'] === false ? undefined : readDuration(o, 'budget', '15m', root, { positive: true });

  const r = sub(o['retry'], true);
  const retry = r.on ? resolveRetry(r.options, at('retry')) : undefined;

  const b = sub(o['breaker'], true);
  let breaker = b.on ? resolveBreaker(b.options, at('breaker')) : undefined;
  if (breaker !== undefined && timeoutMs !== undefined && b.on) {
    const explicit = (b.options as { probeLease?: unknown } | undefined)?.probeLease;
    if (explicit === undefined) {
      breaker = { ...breaker, probeLeaseMs: Math.max(breaker.probeLeaseMs, timeoutMs + 1000) };
    } else if (breaker.probeLeaseMs < timeoutMs) {
      throw configError(
        subject,
        'policies.breaker.probeLease',
        `a duration ≥ policies.timeout (${timeoutMs} ms)`,
      );
    }
  }

  const l = sub(o['rateLimit'], false);
  const rateLimit = !l.on
    ? undefined
    : l.options instanceof RateLimiter
      ? l.options
      : resolveRateLimiter(l.options, at('rateLimit'));

  const h = sub(o['bulkhead'], false);
  const bulkhead = !h.on
    ? undefined
    : h.options instanceof Bulkhead
      ? h.options
      : resolveBulkhead(h.options, at('bulkhead'));

  const k = sub(o['lastKnownGood'], true);
  const lastKnownGood = k.on ? resolveLastKnownGood(k.options, at('lastKnownGood')) : undefined;

  return {
    timeoutMs,
    budgetMs,
    retry,
    breaker,
    rateLimit,
    bulkhead,
    lastKnownGood,
    idempotent: readBoolean(o, 'idempotent', true, root),
  };
}
