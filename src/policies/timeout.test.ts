import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PatchbayError } from '../core/errors.js';
import { DeadlineQueue, type DeadlineEntry } from './deadlines.js';
import { TimeoutPolicy } from './timeout.js';
import { Attempt } from './context.js';
import { createPipeline } from './pipeline.js';

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

describe('TimeoutPolicy', () => {
  it('rejects at the exact millisecond and aborts the signal with the same error', async () => {
    const policy = new TimeoutPolicy('1500ms');
    const timeouts: number[] = [];
    policy.onTimeout(() => timeouts.push(Date.now() - T0));
    let seen: AbortSignal | undefined;
    const result = settle(
      policy.execute(({ signal }) => {
        seen = signal;
        return new Promise(() => {}); // ignores its signal: still cut off
      }),
    );
    await vi.advanceTimersByTimeAsync(1499);
    expect(seen?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { error } = await result;
    expect(error).toMatchObject({ kind: 'timeout', code: 'ATTEMPT_TIMEOUT', retryable: true });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
    expect(timeouts).toEqual([1500]);
  });

  it('gives a signal that is already aborted when read after the deadline', async () => {
    const policy = new TimeoutPolicy(100);
    let late: AbortSignal | undefined;
    const result = settle(
      policy.execute(async (ctx) => {
        await new Promise((r) => setTimeout(r, 200));
        late = ctx.signal;
      }),
    );
    await vi.advanceTimersByTimeAsync(300);
    expect((await result).error?.code).toBe('ATTEMPT_TIMEOUT');
    expect(late?.aborted).toBe(true);
  });

  it('returns the value when the call beats the deadline, leaving no deadline behind', async () => {
    const policy = new TimeoutPolicy('1s');
    const result = settle(
      policy.execute(() => new Promise<string>((r) => setTimeout(() => r('done'), 999))),
    );
    await vi.advanceTimersByTimeAsync(999);
    expect((await result).value).toBe('done');
    await vi.advanceTimersByTimeAsync(5000);
  });

  it('turns a caller abort into a cancelled error at once', async () => {
    const policy = new TimeoutPolicy('30s');
    const controller = new AbortController();
    const result = settle(policy.execute(() => new Promise(() => {}), controller.signal));
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('shutdown'));
    const { error } = await result;
    expect(error).toMatchObject({ kind: 'cancelled', code: 'CANCELLED' });
    expect((error?.cause as Error).message).toBe('shutdown');
  });

  it('does not start when the caller signal is already aborted', async () => {
    const policy = new TimeoutPolicy('1s');
    let ran = false;
    const result = await settle(
      policy.execute(() => {
        ran = true;
      }, AbortSignal.abort()),
    );
    expect(result.error?.kind).toBe('cancelled');
    expect(ran).toBe(false);
  });

  it('classifies a synchronous throw instead of timing out', async () => {
    const pipeline = createPipeline({ retry: false }, { name: 'sync-throw' });
    const result = await settle(
      pipeline.execute(() => {
        throw Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
      }),
    );
    expect(result.error).toMatchObject({ kind: 'connection', code: 'ECONNREFUSED' });
  });

  it('clips the per-attempt timeout to the budget left', async () => {
    const pipeline = createPipeline(
      { timeout: '10s', budget: '12s', retry: { jitter: 0 }, breaker: false },
      { name: 'clip' },
    );
    const starts: number[] = [];
    const result = settle(
      pipeline.execute(() => {
        starts.push(Date.now() - T0);
        return new Promise(() => {});
      }),
    );
    await vi.runAllTimersAsync();
    const { error } = await result;
    // attempt 1 times out at 10 s; retry after 1 s; attempt 2 is cut at 12 s by the budget
    expect(starts).toEqual([0, 11_000]);
    expect(error?.code).toBe('BUDGET_EXHAUSTED');
    expect(Date.now() - T0).toBe(12_000);
  });
});

describe('DeadlineQueue', () => {
  function entry(at: number, fired: number[]): DeadlineEntry {
    return { at, heapIndex: -1, expire: () => fired.push(Date.now() - T0) };
  }

  it('fires many deadlines in order from one timer, skipping removed ones', async () => {
    const queue = new DeadlineQueue();
    const fired: number[] = [];
    const entries = [500, 100, 300, 200, 400].map((ms) => entry(T0 + ms, fired));
    entries.forEach((e) => queue.add(e));
    queue.remove(entries[2]!); // 300
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(fired).toEqual([100, 200, 400, 500]);
    expect(queue.size).toBe(0);
  });

  it('keeps the heap consistent under random adds and removes', () => {
    const queue = new DeadlineQueue();
    const live = new Set<DeadlineEntry>();
    let seed = 1;
    const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 2000; i++) {
      if (live.size > 0 && rnd() < 0.45) {
        const victim = [...live][Math.floor(rnd() * live.size)]!;
        queue.remove(victim);
        live.delete(victim);
      } else {
        const e = entry(T0 + Math.floor(rnd() * 10_000), []);
        queue.add(e);
        live.add(e);
      }
    }
    expect(queue.size).toBe(live.size);
    for (const e of live) expect(e.heapIndex).toBeGreaterThanOrEqual(0);
  });

  it('re-arms for an earlier deadline added later', async () => {
    const queue = new DeadlineQueue();
    const fired: number[] = [];
    queue.add(entry(T0 + 1000, fired));
    queue.add(entry(T0 + 10, fired));
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toEqual([10]);
    await vi.advanceTimersByTimeAsync(990);
    expect(fired).toEqual([10, 1000]);
  });

  it('a cancelled attempt leaves the queue at once', async () => {
    const queue = new DeadlineQueue();
    const controller = new AbortController();
    const attempt = new Attempt(1, T0 + 60_000, undefined, controller.signal, 'attempt', 60_000);
    const running = attempt.run(() => new Promise(() => {}), queue).catch((e: unknown) => e);
    expect(queue.size).toBe(1);
    attempt.cancel();
    expect(queue.size).toBe(0);
    expect(await running).toMatchObject({ kind: 'cancelled' });
  });
});
