import { describe, expect, it } from 'vitest';
import { isPatchbayError } from '../core/errors.js';
import { resolvePolicies } from './options.js';
import { createPipeline } from './pipeline.js';
import { Bulkhead } from './bulkhead.js';
import { RateLimiter } from './rate-limiter.js';
import { TimeoutPolicy } from './timeout.js';
import { RetryPolicy } from './retry.js';
import { CircuitBreaker } from './circuit-breaker.js';

function configField(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isPatchbayError(err) && err.kind === 'config') return String(err.details['field']);
    throw err;
  }
  return undefined;
}

describe('policies options', () => {
  it('gives the defaults of the field', () => {
    const p = resolvePolicies(undefined, 'gps');
    expect(p.timeoutMs).toBe(30_000);
    expect(p.budgetMs).toBe(900_000);
    expect(p.retry).toMatchObject({
      maxAttempts: 5,
      baseMs: 1000,
      maxMs: 300_000,
      factor: 2,
      jitter: 0.2,
      kind: 'exponential',
      onCircuitOpen: 'fail',
    });
    expect([...p.retry!.retryOn]).toEqual([
      'timeout',
      'connection',
      'http_5xx',
      'rate_limited',
      'overloaded',
    ]);
    expect(p.breaker).toMatchObject({
      mode: 'consecutive',
      failures: 5,
      windowMs: 60_000,
      openMs: 30_000,
      probeLeaseMs: 60_000,
    });
    expect(p.lastKnownGood).toMatchObject({ maxStalenessMs: 3_600_000 });
    expect(p.rateLimit).toBeUndefined();
    expect(p.bulkhead).toBeUndefined();
    expect(p.idempotent).toBe(true);
  });

  it.each([
    ['cap below base', { retry: { baseDelay: '10s', maxDelay: '5s' } }, 'policies.retry.maxDelay'],
    ['attempts < 1', { retry: { maxAttempts: 0 } }, 'policies.retry.maxAttempts'],
    ['fractional attempts', { retry: { maxAttempts: 2.5 } }, 'policies.retry.maxAttempts'],
    ['negative duration', { timeout: -5 }, 'policies.timeout'],
    ['negative duration string', { budget: '-1s' }, 'policies.budget'],
    ['malformed duration', { breaker: { openFor: '30 secs' } }, 'policies.breaker.openFor'],
    ['zero timeout', { timeout: 0 }, 'policies.timeout'],
    [
      'unknown retry kind',
      { retry: { retryOn: ['timeout', 'http_503'] } },
      'policies.retry.retryOn[1]',
    ],
    [
      'unknown breaker kind',
      { breaker: { failureKinds: ['boom'] } },
      'policies.breaker.failureKinds[0]',
    ],
    [
      'unknown fallback kind',
      { lastKnownGood: { fallbackOn: ['stale'] } },
      'policies.lastKnownGood.fallbackOn[0]',
    ],
    ['jitter above 1', { retry: { jitter: 1.5 } }, 'policies.retry.jitter'],
    ['factor below 1', { retry: { factor: 0.5 } }, 'policies.retry.factor'],
    ['bad backoff', { retry: { backoff: 'linear' } }, 'policies.retry.backoff'],
    ['ratio out of range', { breaker: { mode: 'ratio', ratio: 0 } }, 'policies.breaker.ratio'],
    ['bad breaker mode', { breaker: { mode: 'sometimes' } }, 'policies.breaker.mode'],
    [
      'probe lease below timeout',
      { timeout: '2m', breaker: { probeLease: '1m' } },
      'policies.breaker.probeLease',
    ],
    ['rate not positive', { rateLimit: { rate: 0 } }, 'policies.rateLimit.rate'],
    ['burst without rate', { rateLimit: { burst: 5 } }, 'policies.rateLimit.rate'],
    ['bad limiter mode', { rateLimit: { rate: 5, mode: 'queue' } }, 'policies.rateLimit.mode'],
    [
      'bulkhead concurrency 0',
      { bulkhead: { maxConcurrent: 0 } },
      'policies.bulkhead.maxConcurrent',
    ],
    ['negative queue', { bulkhead: { maxQueued: -1 } }, 'policies.bulkhead.maxQueued'],
    ['typo in a policy', { retry: { maxAttempt: 3 } }, 'policies.retry.maxAttempt'],
    ['unknown policy', { retries: {} }, 'policies.retries'],
    ['not an object', { retry: 'often' }, 'policies.retry'],
    ['idempotent not boolean', { idempotent: 'yes' }, 'policies.idempotent'],
  ])('%s → config error naming %s', (_, policies, field) => {
    expect(configField(() => resolvePolicies(policies, 'gps'))).toBe(field);
    expect(configField(() => createPipeline(policies as never, { name: 'gps' }))).toBe(field);
  });

  it('names the subject and what is expected in the message', () => {
    expect(() => resolvePolicies({ retry: { maxAttempts: 0 } }, 'gps-positions')).toThrow(
      'gps-positions: policies.retry.maxAttempts: expected an integer ≥ 1',
    );
  });

  it('stretches the default probe lease to cover a long attempt timeout', () => {
    expect(resolvePolicies({ timeout: '2m' }, 'x').breaker?.probeLeaseMs).toBe(121_000);
  });

  it('accepts true/false and shared instances', () => {
    const pool = new Bulkhead({ maxConcurrent: 2 });
    const limiter = new RateLimiter({ rate: 5 }, { name: 'shared' });
    const p = createPipeline(
      { retry: false, breaker: true, bulkhead: pool, rateLimit: limiter, lastKnownGood: false },
      { name: 'x' },
    );
    expect(p.retry).toBeUndefined();
    expect(p.breaker).toBeDefined();
    expect(p.bulkhead).toBe(pool);
    expect(p.rateLimiter).toBe(limiter);
    expect(p.lastKnownGood).toBeUndefined();
  });

  it('validates standalone policies too', () => {
    expect(configField(() => new TimeoutPolicy('soon'))).toBe('timeout');
    expect(configField(() => new RetryPolicy({ maxAttempts: -1 }))).toBe('retry.maxAttempts');
    expect(configField(() => new CircuitBreaker({ failures: 0 }, { name: 'x' }))).toBe(
      'breaker.failures',
    );
    expect(configField(() => new Bulkhead({ maxQueued: 1.5 }))).toBe('bulkhead.maxQueued');
  });
});
