import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PatchbayError } from '../core/errors.js';
import { httpError } from '../core/classify.js';
import type { LkgResult } from './last-known-good.js';
import { MemoryCacheRepo, MemoryPolicyStateRepo } from './memory-repos.js';
import { bindPolicyMetrics, POLICY_METRICS } from './metrics.js';
import { createPipeline } from './pipeline.js';
import type { AttemptEvent, CallEvent } from './engine.js';

const T0 = Date.parse('2026-11-17T08:00:00Z');

function settle<T>(p: Promise<T>) {
  return p.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as PatchbayError }),
  );
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a 60-second outage at 20 calls per second, with the defaults', () => {
  it.each([
    ['in-process state', () => undefined],
    [
      'state in a store',
      () => ({ policyState: new MemoryPolicyStateRepo(), cache: new MemoryCacheRepo() }),
    ],
  ])(
    '%s: at most 7 calls reach the downstream, stale data in between, closes on the first good probe',
    async (_, makeStore) => {
      const pipeline = createPipeline(undefined, { name: 'gps-positions', store: makeStore() });
      const counters = new Map<string, number>();
      const gauge: string[] = [];
      bindPolicyMetrics(pipeline, {
        increment: (m, by = 1) => counters.set(m, (counters.get(m) ?? 0) + by),
        setBreakerState: (_, s) => gauge.push(s),
      });

      // Before the outage: one good read fills the last-known-good cache.
      const primed = await pipeline.read('fleet-7', async () => ({ trucks: 12 }));
      expect(primed).toEqual({ value: { trucks: 12 }, stale: false });
      const asOf = Date.now();

      const OUTAGE_END = T0 + 1000 + 60_000;
      await vi.advanceTimersByTimeAsync(1000); // outage starts at T0 + 1 s
      const downstream: number[] = [];
      const fetchPositions = async () => {
        downstream.push(Date.now() - T0);
        if (Date.now() < OUTAGE_END) throw httpError(503, 'GET /positions');
        return { trucks: 13 };
      };

      const results: Array<{ at: number; r: Promise<LkgResult<unknown>> }> = [];
      for (let i = 0; i < 80 * 20; i++) {
        // 80 s of traffic at 20 calls/s
        results.push({ at: Date.now() - T0, r: pipeline.read('fleet-7', fetchPositions) });
        await vi.advanceTimersByTimeAsync(50);
      }
      await vi.runAllTimersAsync();
      const answers = await Promise.all(results.map(async ({ at, r }) => ({ at, ...(await r) })));

      // 5 failures open the breaker; one probe at 30 s fails; the probe after recovery succeeds.
      const untilClosed = downstream.filter((t) => t <= 61_200);
      expect(untilClosed.length).toBeLessThanOrEqual(7);
      expect(untilClosed).toEqual([1000, 1050, 1100, 1150, 1200, 31_200, 61_200]);
      expect(downstream.filter((t) => t < OUTAGE_END - T0)).toHaveLength(6);
      // after closing, traffic flows normally again: one downstream call per read
      expect(downstream.filter((t) => t > 61_200)).toHaveLength(
        results.filter((r) => r.at > 61_200).length,
      );
      expect(pipeline.breaker?.state).toBe('closed');
      expect(gauge).toEqual(['closed', 'open', 'half-open', 'open', 'half-open', 'closed']);

      // Every answer before the good probe is the last-known-good value, marked stale.
      const before = answers.filter((a) => a.at < 61_200);
      expect(before.length).toBe(1204);
      for (const a of before) {
        expect(a).toMatchObject({ stale: true, value: { trucks: 12 }, asOf });
      }
      // From the good probe on, every answer is fresh.
      const after = answers.filter((a) => a.at >= 61_200);
      for (const a of after) expect(a).toEqual({ at: a.at, value: { trucks: 13 }, stale: false });
      expect(counters.get(POLICY_METRICS.staleServed('gps-positions'))).toBe(1204);
    },
  );
});

describe('Pipeline', () => {
  it('accepts a bare signal or execute options as its second argument', async () => {
    const pipeline = createPipeline({}, { name: 'p' });
    const c = new AbortController();
    expect(await pipeline.execute(({ attempt }) => attempt, c.signal)).toBe(1);
    expect(
      await pipeline.execute(({ idempotencyKey }) => idempotencyKey, {
        signal: c.signal,
        idempotencyKey: 'k1',
      }),
    ).toBe('k1');
  });

  it('reports each attempt and one event per call; measures time only while someone listens', async () => {
    const pipeline = createPipeline({ retry: { jitter: 0 } }, { name: 'p' });
    const spy = vi.spyOn(performance, 'now');
    await pipeline.execute(() => 1);
    expect(spy).not.toHaveBeenCalled();

    const attempts: AttemptEvent[] = [];
    const calls: CallEvent[] = [];
    const subs = [
      pipeline.onAttempt((e) => attempts.push(e)),
      pipeline.onCall((e) => calls.push(e)),
    ];
    let n = 0;
    const result = settle(
      pipeline.execute(
        () => {
          if (++n < 3) throw httpError(502, 'GET');
          return new Promise((r) => setTimeout(() => r('ok'), 40));
        },
        { idempotencyKey: 'abc' },
      ),
    );
    await vi.runAllTimersAsync();
    expect((await result).value).toBe('ok');
    expect(attempts.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'failure'],
      [2, 'failure'],
      [3, 'success'],
    ]);
    expect(attempts[2]?.durationMs).toBe(40);
    expect(calls).toEqual([
      { outcome: 'success', attempts: 3, durationMs: 3040, idempotencyKey: 'abc' },
    ]);
    expect(spy).toHaveBeenCalled();
    subs.forEach((s) => s.dispose());
    spy.mockClear();
    await pipeline.execute(() => 1);
    expect(spy).not.toHaveBeenCalled();
  });

  it('read() reports one call event with its stale flag', async () => {
    const pipeline = createPipeline({ breaker: { failures: 1 } }, { name: 'p' });
    const calls: CallEvent[] = [];
    pipeline.onCall((e) => calls.push(e));
    await pipeline.read('k', () => 'v1');
    const r = settle(pipeline.read('k', () => Promise.reject(httpError(503, 'GET'))));
    await vi.runAllTimersAsync();
    expect((await r).value).toMatchObject({ stale: true, value: 'v1' });
    expect(calls.map((c) => [c.outcome, (c as { stale?: boolean }).stale, c.attempts])).toEqual([
      ['success', false, 1],
      ['success', true, 1],
    ]);
  });

  it('hands ctx.learn to the rate limiter', async () => {
    const pipeline = createPipeline({ rateLimit: { rate: 100 } }, { name: 'p' });
    await pipeline.execute(({ learn }) => learn({ 'retry-after': '2' }));
    const times: number[] = [];
    const next = pipeline.execute(() => times.push(Date.now() - T0));
    await vi.runAllTimersAsync();
    await next;
    expect(times).toEqual([2000]);
  });

  it('throws classified errors only', async () => {
    const pipeline = createPipeline({ retry: false }, { name: 'p' });
    const { error } = await settle(pipeline.execute(() => Promise.reject(new SyntaxError('bad'))));
    expect(error).toBeInstanceOf(PatchbayError);
    expect(error?.kind).toBe('parse');
  });

  it('with every policy off, is a plain call', async () => {
    const pipeline = createPipeline(
      { timeout: false, budget: false, retry: false, breaker: false, lastKnownGood: false },
      { name: 'bare' },
    );
    expect(await pipeline.execute(() => 42)).toBe(42);
    expect(await pipeline.read('k', () => 1)).toEqual({ value: 1, stale: false });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancels the first attempt when the caller aborts, and frees the bulkhead slot', async () => {
    const pipeline = createPipeline(
      { bulkhead: { maxConcurrent: 1, maxQueued: 0 } },
      { name: 'cancel' },
    );
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const call = settle(
      pipeline.execute(({ signal }) => {
        seen = signal;
        return new Promise(() => {});
      }, controller.signal),
    );
    await vi.advanceTimersByTimeAsync(10);
    controller.abort();
    const { error } = await call;
    expect(error).toMatchObject({ kind: 'cancelled' });
    expect(seen?.aborted).toBe(true);
    expect(pipeline.bulkhead?.running).toBe(0);
    expect(pipeline.breaker?.state).toBe('closed');
  });

  it('retries an attempt that timed out, and the late answer of the first is ignored', async () => {
    const pipeline = createPipeline(
      { timeout: '1s', retry: { jitter: 0 }, bulkhead: { maxConcurrent: 1 } },
      { name: 'late' },
    );
    const starts: number[] = [];
    const call = settle(
      pipeline.execute(({ attempt }) => {
        starts.push(Date.now() - T0);
        return new Promise((r) =>
          setTimeout(() => r(`answer ${attempt}`), attempt === 1 ? 5000 : 10),
        );
      }),
    );
    await vi.runAllTimersAsync();
    expect((await call).value).toBe('answer 2');
    expect(starts).toEqual([0, 2000]);
    expect(pipeline.bulkhead?.running).toBe(0);
  });

  it('goes the slow way when a slot, a token or the breaker is not free at once, with the same results', async () => {
    const pipeline = createPipeline(
      {
        timeout: false,
        retry: false,
        bulkhead: { maxConcurrent: 1, maxQueued: 5 },
        rateLimit: { rate: 10, burst: 1 },
        breaker: { failures: 1, openFor: '1s' },
      },
      { name: 'slow-way' },
    );
    const times: number[] = [];
    const calls = [1, 2, 3].map((i) =>
      settle(
        pipeline.execute(() => {
          times.push(Date.now() - T0);
          if (i === 2) throw httpError(503, 'GET');
          return i;
        }),
      ),
    );
    await vi.runAllTimersAsync();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.value ?? r.error?.code)).toEqual([1, 'HTTP_503', 'CIRCUIT_OPEN']);
    expect(times).toEqual([0, 100]);
    expect(pipeline.bulkhead?.running).toBe(0);
  });

  it('many calls sharing one caller signal: one listener, all cancelled together', async () => {
    const warn = vi.spyOn(process, 'emitWarning');
    const pipeline = createPipeline({ retry: false }, { name: 'shared-signal' });
    const controller = new AbortController();
    const calls = Array.from({ length: 50 }, () =>
      settle(pipeline.execute(() => new Promise(() => {}), controller.signal)),
    );
    const finished = await Promise.all(
      Array.from({ length: 50 }, () => pipeline.execute(() => 'quick', controller.signal)),
    );
    expect(finished).toHaveLength(50);
    controller.abort();
    const results = await Promise.all(calls);
    expect(results.every((r) => r.error?.kind === 'cancelled')).toBe(true);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
