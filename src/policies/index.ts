/**
 * `patchbay/policies`: the resilience kernel. One `execute(fn, signal)`
 * shape for every policy, composed in the fixed order
 * bulkhead ▸ rate limit ▸ total budget ▸ retry ▸ circuit breaker ▸ per-attempt timeout ▸ call.
 *
 * @example
 * ```ts
 * import { createPipeline } from 'patchbay/policies';
 * const pipeline = createPipeline({ timeout: '10s' }, { name: 'gps-positions', store });
 * const data = await pipeline.execute(({ signal }) => fetch(url, { signal }).then((r) => r.json()));
 * ```
 */
export { createPipeline, Pipeline, type PolicyStore, type ReadCallEvent } from './pipeline.js';
export {
  resolvePolicies,
  POLICY_KEYS,
  type PoliciesOptions,
  type ResolvedPolicies,
} from './options.js';
export type { ExecuteOptions, AttemptEvent, CallEvent, Admission } from './engine.js';
export type { AttemptContext } from './context.js';
export { EventEmitter, disposeAll, type Disposable, type Event } from './events.js';
export { bindPolicyMetrics, POLICY_METRICS, type PolicyMetricsSink } from './metrics.js';

export { TimeoutPolicy, DEFAULT_TIMEOUT, type TimeoutEvent } from './timeout.js';
export {
  RetryPolicy,
  resolveRetry,
  DEFAULT_RETRY_ON,
  type RetryOptions,
  type ResolvedRetry,
  type RetryEvent,
  type GiveUpEvent,
  type GiveUpReason,
} from './retry.js';
export {
  backoffDelay,
  backoffDelays,
  seededRandom,
  type BackoffKind,
  type BackoffParams,
} from './backoff.js';
export {
  CircuitBreaker,
  resolveBreaker,
  DEFAULT_FAILURE_KINDS,
  type CircuitBreakerOptions,
  type ResolvedBreaker,
  type BreakerStateChange,
  type BreakerRejection,
} from './circuit-breaker.js';
export {
  parseSnapshot as parseBreakerSnapshot,
  type BreakerSnapshot,
  type BreakerStateName,
} from './breaker-state.js';
export {
  LastKnownGood,
  resolveLastKnownGood,
  DEFAULT_FALLBACK_ON,
  type LastKnownGoodOptions,
  type LkgResult,
  type StaleServedEvent,
} from './last-known-good.js';
export {
  RateLimiter,
  resolveRateLimiter,
  type RateLimiterOptions,
  type ResolvedRateLimiter,
} from './rate-limiter.js';
export type { BucketSnapshot } from './token-bucket.js';
export {
  parseRetryAfter,
  parseRateLimitHeaders,
  headerValue,
  type HeadersLike,
  type RateLimitInfo,
} from './rate-limit-headers.js';
export {
  Bulkhead,
  resolveBulkhead,
  type BulkheadOptions,
  type BulkheadRejection,
} from './bulkhead.js';
export { sleep } from './clock.js';
export {
  MemoryPolicyStateRepo,
  MemoryLeaseRepo,
  MemoryCacheRepo,
  MemoryIdempotencyRepo,
} from './memory-repos.js';
