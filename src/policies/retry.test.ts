import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PatchbayError, permanent, retryAfter } from '../core/errors.js';
import { httpError } from '../core/classify.js';
import { backoffDelays, seededRandom } from './backoff.js';
import { RetryPolicy, type GiveUpEvent, type RetryEvent } from './retry.js';
import { parseRetryAfter } from './rate-limit-headers.js';
import { createPipeline } from './pipeline.js';

const T0 = Date.parse('2026-11-17T08:00:00Z');

/** Settles `p` into a value or an error without unhandled rejections. */
function settle<T>(p: Promise<T>) {
  return p.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as PatchbayError }),
  );
}

function recorder(policy: { onRetry: RetryPolicy['onRetry']; onGiveUp: RetryPolicy['onGiveUp'] }) {
  const retries: RetryEvent[] = [];
  const giveUps: GiveUpEvent[] = [];
  policy.onRetry((e) => retries.push(e));
  policy.onGiveUp((e) => giveUps.push(e));
  return { retries, giveUps };
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RetryPolicy', () => {
  it('waits the exact seeded delay sequence: 5 attempts, 1 s base, ±20 % jitter', async () => {
    const retry = new RetryPolicy({ seed: 42 }, { budget: '15m' });
    const { retries, giveUps } = recorder(retry);
    const calls: number[] = [];
    const result = settle(
      retry.execute(() => {
        calls.push(Date.now() - T0);
        throw httpError(503, 'GET /positions');
      }),
    );
    await vi.runAllTimersAsync();
    const { error } = await result;
    expect(error?.code).toBe('HTTP_503');
    expect(retries.map((r) => r.delayMs)).toEqual([1040, 1959, 4564, 8543]);
    expect(calls).toEqual([0, 1040, 2999, 7563, 16106]);
    expect(giveUps).toEqual([expect.objectContaining({ attempts: 5, reason: 'attempts' })]);
    // each delay is within ±20 % of 1 s · 2^n
    retries.forEach((r, i) => {
      const nominal = 1000 * 2 ** i;
      expect(r.delayMs).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(r.delayMs).toBeLessThanOrEqual(nominal * 1.2);
    });
  });

  it('caps every delay at maxDelay (5 min), jitter included', () => {
    const delays = backoffDelays(
      { kind: 'exponential', baseMs: 1000, maxMs: 300_000, factor: 2, jitter: 0.2 },
      12,
      seededRandom(42),
    );
    expect(delays).toEqual([
      1040, 1959, 4564, 8543, 13919, 32340, 58195, 134387, 293425, 296678, 269991, 300000,
    ]);
    expect(Math.max(...delays)).toBe(300_000);
  });

  it('offers decorrelated jitter: each delay between base and 3× the previous, capped', async () => {
    const retry = new RetryPolicy(
      { backoff: 'decorrelated', seed: 7, maxAttempts: 7 },
      { budget: false },
    );
    const { retries } = recorder(retry);
    const result = settle(
      retry.execute(() => {
        throw new PatchbayError('connection', 'ECONNRESET');
      }),
    );
    await vi.runAllTimersAsync();
    await result;
    const delays = retries.map((r) => r.delayMs);
    expect(delays).toEqual([1023, 1128, 3329, 7282, 11870, 15035]);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(3 * (i === 0 ? 1000 : delays[i - 1]!));
    });
  });

  it('stops when the budget cannot fit the next delay, at the exact millisecond', async () => {
    const retry = new RetryPolicy({ jitter: 0, maxAttempts: 10 }, { budget: '10s' });
    const { giveUps } = recorder(retry);
    const calls: number[] = [];
    const result = settle(
      retry.execute(() => {
        calls.push(Date.now() - T0);
        throw new PatchbayError('timeout', 'slow');
      }),
    );
    await vi.runAllTimersAsync();
    await result;
    // 1 s + 2 s + 4 s = 7 s; the next delay (8 s) would end after the 10 s budget
    expect(calls).toEqual([0, 1000, 3000, 7000]);
    expect(giveUps[0]).toMatchObject({ attempts: 4, reason: 'budget' });
  });

  it('cuts off an attempt in flight when the budget runs out', async () => {
    const retry = new RetryPolicy({ jitter: 0 }, { budget: '2500ms' });
    let aborted: unknown;
    const result = settle(
      retry.execute(
        ({ signal, attempt }) =>
          new Promise((_, reject) => {
            if (attempt === 1) reject(new PatchbayError('http_5xx', 'boom'));
            signal.addEventListener('abort', () => (aborted = signal.reason));
          }),
      ),
    );
    await vi.advanceTimersByTimeAsync(2499);
    expect(aborted).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const { error } = await result;
    expect(error).toMatchObject({ kind: 'timeout', code: 'BUDGET_EXHAUSTED' });
    expect(aborted).toBe(error);
  });

  it('honours Retry-After in seconds and as an HTTP date, exactly', async () => {
    const retry = new RetryPolicy({ seed: 1 }, { budget: '15m' });
    const calls: number[] = [];
    const answers = [
      () => httpError(429, 'GET /a', { retryAfterMs: parseRetryAfter('7') }),
      () =>
        httpError(503, 'GET /a', {
          retryAfterMs: parseRetryAfter(new Date(Date.now() + 12_000).toUTCString()),
        }),
    ];
    const result = settle(
      retry.execute(() => {
        calls.push(Date.now() - T0);
        const answer = answers.shift();
        if (answer) throw answer();
        return 'ok';
      }),
    );
    await vi.runAllTimersAsync();
    expect((await result).value).toBe('ok');
    expect(calls).toEqual([0, 7000, 19000]);
  });

  it('gives up (keeping retryAfterMs) when Retry-After exceeds the cap', async () => {
    const retry = new RetryPolicy({ maxDelay: '1m' }, { budget: '15m' });
    const { giveUps } = recorder(retry);
    let calls = 0;
    const result = settle(
      retry.execute(() => {
        calls++;
        throw httpError(429, 'GET /a', { retryAfterMs: 120_000 });
      }),
    );
    await vi.runAllTimersAsync();
    const { error } = await result;
    expect(calls).toBe(1);
    expect(error?.retryAfterMs).toBe(120_000);
    expect(giveUps[0]?.reason).toBe('retry_after_too_long');
  });

  it('never retries permanent errors', async () => {
    for (const make of [
      () => permanent('customer missing'),
      () => httpError(400, 'POST /orders'),
      () => httpError(401, 'POST /orders'),
      () => httpError(501, 'PATCH /orders'),
      () => httpError(505, 'GET /'),
      () => new TypeError('x is undefined'),
    ]) {
      const retry = new RetryPolicy({}, { budget: '15m' });
      const { giveUps } = recorder(retry);
      let calls = 0;
      const result = settle(
        retry.execute(() => {
          calls++;
          throw make();
        }),
      );
      await vi.runAllTimersAsync();
      expect((await result).error).toBeInstanceOf(PatchbayError);
      expect(calls).toBe(1);
      expect(giveUps[0]?.reason).toBe('not_retryable');
    }
  });

  it('retries a non-idempotent operation only when it carries an idempotency key', async () => {
    const retry = new RetryPolicy({ jitter: 0, maxAttempts: 3 }, { budget: '15m' });
    const { giveUps } = recorder(retry);
    let calls = 0;
    const fail = () => {
      calls++;
      throw httpError(503, 'POST /orders');
    };
    const plain = settle(retry.execute(fail, { idempotent: false }));
    await vi.runAllTimersAsync();
    await plain;
    expect(calls).toBe(1);
    expect(giveUps[0]?.reason).toBe('non_idempotent');

    calls = 0;
    const keys: Array<string | undefined> = [];
    const keyed = settle(
      retry.execute(
        (ctx) => {
          keys.push(ctx.idempotencyKey);
          return fail();
        },
        { idempotent: false, idempotencyKey: 'order-42' },
      ),
    );
    await vi.runAllTimersAsync();
    await keyed;
    expect(calls).toBe(3);
    expect(keys).toEqual(['order-42', 'order-42', 'order-42']);
  });

  it('retries a user retryAfter() error after exactly the asked delay', async () => {
    const retry = new RetryPolicy({}, { budget: '15m' });
    const calls: number[] = [];
    const result = settle(
      retry.execute(() => {
        calls.push(Date.now() - T0);
        if (calls.length === 1) throw retryAfter(30_000, 'order locked');
        return 1;
      }),
    );
    await vi.runAllTimersAsync();
    expect((await result).value).toBe(1);
    expect(calls).toEqual([0, 30_000]);
  });

  it('stops at once, without retrying, when the caller cancels', async () => {
    const retry = new RetryPolicy({ jitter: 0 }, { budget: '15m' });
    const controller = new AbortController();
    let calls = 0;
    const result = settle(
      retry.execute(() => {
        calls++;
        throw httpError(503, 'GET /a');
      }, controller.signal),
    );
    await vi.advanceTimersByTimeAsync(500);
    controller.abort();
    const { error } = await result;
    expect(error?.kind).toBe('cancelled');
    expect(calls).toBe(1);
  });
});

describe('circuit_open and retries', () => {
  it('does not consume attempts: with onCircuitOpen "wait" it waits for the probe window', async () => {
    const pipeline = createPipeline(
      {
        timeout: false,
        retry: { maxAttempts: 2, jitter: 0, onCircuitOpen: 'wait' },
        breaker: { failures: 1, openFor: '10s' },
      },
      { name: 'wait-for-breaker' },
    );
    const calls: number[] = [];
    const first = settle(
      pipeline.execute(() => {
        calls.push(Date.now() - T0);
        if (calls.length === 1) throw httpError(503, 'GET /a');
        return 'recovered';
      }),
    );
    await vi.runAllTimersAsync();
    // attempt 1 fails and opens the breaker; the retry after 1 s meets an open
    // breaker and waits (no attempt used) until the probe window at 10 s
    expect((await first).value).toBe('recovered');
    expect(calls).toEqual([0, 10_000]);
    expect(pipeline.breaker?.state).toBe('closed');
  });

  it('fails fast by default so a fallback can answer', async () => {
    const pipeline = createPipeline(
      { timeout: false, retry: { jitter: 0 }, breaker: { failures: 1 } },
      { name: 'fail-fast' },
    );
    let calls = 0;
    const result = settle(
      pipeline.execute(() => {
        calls++;
        throw httpError(503, 'GET /a');
      }),
    );
    await vi.runAllTimersAsync();
    const { error } = await result;
    expect(calls).toBe(1);
    expect(error).toMatchObject({ kind: 'circuit_open', code: 'CIRCUIT_OPEN' });
  });
});
