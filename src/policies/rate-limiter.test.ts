import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PatchbayError } from '../core/errors.js';
import { httpError } from '../core/classify.js';
import { MemoryPolicyStateRepo } from './memory-repos.js';
import { RateLimiter } from './rate-limiter.js';
import { createPipeline } from './pipeline.js';

const T0 = Date.parse('2026-11-17T08:00:00Z');

function settle<T>(p: Promise<T>) {
  return p.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as PatchbayError }),
  );
}

/** Starts `n` calls at once and records when each reached the downstream. */
async function burst(limiter: { execute: RateLimiter['execute'] }, n: number) {
  const times: number[] = [];
  const all = Promise.all(
    Array.from({ length: n }, () =>
      settle(
        limiter.execute(() => {
          times.push(Date.now() - T0);
        }),
      ),
    ),
  );
  await vi.runAllTimersAsync();
  return { times, results: await all };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RateLimiter', () => {
  it('throttle: lets the burst through, then spaces calls exactly at the rate, in order', async () => {
    const limiter = new RateLimiter({ rate: 10, burst: 3 }, { name: 'gps' });
    const { times } = await burst(limiter, 7);
    expect(times).toEqual([0, 0, 0, 100, 200, 300, 400]);
  });

  it('drop: rejects beyond the burst with rate_limited and when to retry', async () => {
    const limiter = new RateLimiter({ rate: 2, burst: 2, mode: 'drop' }, { name: 'gps' });
    const { times, results } = await burst(limiter, 3);
    expect(times).toEqual([0, 0]);
    expect(results[2]?.error).toMatchObject({
      kind: 'rate_limited',
      code: 'RATE_LIMITED_LOCAL',
      retryAfterMs: 500,
    });
    await vi.advanceTimersByTimeAsync(500);
    expect((await settle(limiter.execute(() => 'again'))).value).toBe('again');
  });

  it('throttle: rejects when the wait would exceed maxWait', async () => {
    const limiter = new RateLimiter(
      { rate: 1, per: '10s', burst: 1, maxWait: '15s' },
      { name: 'x' },
    );
    const { times, results } = await burst(limiter, 3);
    expect(times).toEqual([0, 10_000]);
    expect(results[2]?.error).toMatchObject({ kind: 'rate_limited', retryAfterMs: 20_000 });
  });

  it('a caller that gives up waiting returns its token', async () => {
    const limiter = new RateLimiter({ rate: 1, burst: 1 }, { name: 'x' });
    await limiter.execute(() => 1);
    const controller = new AbortController();
    const waiting = settle(limiter.execute(() => 2, controller.signal));
    controller.abort();
    expect((await waiting).error?.kind).toBe('cancelled');
    const times: number[] = [];
    const next = limiter.execute(() => times.push(Date.now() - T0));
    await vi.runAllTimersAsync();
    await next;
    expect(times).toEqual([1000]);
  });

  it('learns Retry-After from a 429 and holds every caller until then', async () => {
    const limiter = new RateLimiter({ rate: 100 }, { name: 'x' });
    await settle(
      limiter.execute(() => Promise.reject(httpError(429, 'GET', { retryAfterMs: 5000 }))),
    );
    const { times } = await burst(limiter, 2);
    expect(times).toEqual([5000, 5010]);
  });

  it('learns X-RateLimit-Remaining/Reset and paces the rest of the window (before any 429)', async () => {
    const limiter = new RateLimiter({ rate: 100, burst: 100 }, { name: 'x' });
    await limiter.execute(({ learn }) =>
      learn({ 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset': '8' }),
    );
    const { times } = await burst(limiter, 5);
    // 4 left in 8 s: one now, then one every 2 s
    expect(times).toEqual([0, 2000, 4000, 6000, 8000]);
  });

  it('remaining 0 blocks until the reset', async () => {
    const limiter = new RateLimiter({}, { name: 'learn-only' });
    limiter.learn({ ratelimit: 'limit=10, remaining=0, reset=3' });
    const { times } = await burst(limiter, 1);
    expect(times).toEqual([3000]);
  });

  it('adopts a stricter RateLimit-Policy quota', async () => {
    const limiter = new RateLimiter({ rate: 100, burst: 10 }, { name: 'x' });
    limiter.learn({ 'RateLimit-Policy': '"default";q=2;w=1' });
    const { times } = await burst(limiter, 4);
    expect(times).toEqual([0, 0, 500, 1000]);
  });

  it('in a pipeline, every retry is admitted by the limiter again', async () => {
    const pipeline = createPipeline(
      {
        timeout: false,
        breaker: false,
        retry: { jitter: 0, baseDelay: '10ms', maxAttempts: 4 },
        rateLimit: { rate: 1, burst: 1 },
      },
      { name: 'retry-admitted' },
    );
    const times: number[] = [];
    const result = settle(
      pipeline.execute(() => {
        times.push(Date.now() - T0);
        if (times.length < 3) throw httpError(503, 'GET');
        return 'ok';
      }),
    );
    await vi.runAllTimersAsync();
    expect((await result).value).toBe('ok');
    expect(times).toEqual([0, 1000, 2000]);
  });
});

describe('RateLimiter with shared state', () => {
  it('two instances on one store share one budget', async () => {
    const repo = new MemoryPolicyStateRepo();
    const a = new RateLimiter({ rate: 10, burst: 2 }, { name: 'erp', store: repo });
    const b = new RateLimiter({ rate: 10, burst: 2 }, { name: 'erp', store: repo });
    const times: number[] = [];
    const calls = Array.from({ length: 8 }, (_, i) =>
      (i % 2 ? a : b).execute(() => {
        times.push(Date.now() - T0);
      }),
    );
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    times.sort((x, y) => x - y);
    expect(times).toEqual([0, 0, 100, 200, 300, 400, 500, 600]);
  });

  it('what one instance learns, the other obeys', async () => {
    const repo = new MemoryPolicyStateRepo();
    const a = new RateLimiter({ rate: 100 }, { name: 'erp', store: repo });
    const b = new RateLimiter({ rate: 100 }, { name: 'erp', store: repo });
    await a.learnInfo({ retryAfterMs: 4000 });
    const times: number[] = [];
    const call = b.execute(() => times.push(Date.now() - T0));
    await vi.runAllTimersAsync();
    await call;
    expect(times).toEqual([4000]);
  });
});
