import { describe, expect, it } from 'vitest';
import type { PatchbayError } from '../core/errors.js';
import { Bulkhead } from './bulkhead.js';
import { createPipeline } from './pipeline.js';

function settle<T>(p: Promise<T>) {
  return p.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as PatchbayError }),
  );
}

function gate() {
  const opens: Array<() => void> = [];
  return {
    wait: () => new Promise<void>((r) => opens.push(r)),
    openOne: () => opens.shift()?.(),
    get waiting() {
      return opens.length;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Bulkhead', () => {
  it('runs at most maxConcurrent, queues up to maxQueued in order, rejects the rest as overloaded', async () => {
    const pool = new Bulkhead({ maxConcurrent: 2, maxQueued: 1 }, { name: 'erp' });
    const rejections: number[] = [];
    pool.onRejected((e) => rejections.push(e.queued));
    const g = gate();
    const order: number[] = [];
    const calls = [1, 2, 3].map((i) =>
      pool.execute(async () => {
        order.push(i);
        await g.wait();
        return i;
      }),
    );
    const fourth = await settle(pool.execute(() => 4));
    expect(fourth.error).toMatchObject({
      kind: 'overloaded',
      code: 'BULKHEAD_FULL',
      retryable: true,
    });
    expect(rejections).toEqual([1]);
    await tick();
    expect([pool.running, pool.queued, order]).toEqual([2, 1, [1, 2]]);
    g.openOne();
    await tick();
    expect(order).toEqual([1, 2, 3]);
    expect([pool.running, pool.queued]).toEqual([2, 0]);
    g.openOne();
    g.openOne();
    expect(await Promise.all(calls)).toEqual([1, 2, 3]);
    expect([pool.running, pool.queued]).toEqual([0, 0]);
  });

  it('a queued caller that aborts leaves the queue and frees its place', async () => {
    const pool = new Bulkhead({ maxConcurrent: 1, maxQueued: 1 });
    const g = gate();
    const first = pool.execute(() => g.wait());
    const controller = new AbortController();
    const queued = settle(pool.execute(() => 'never', controller.signal));
    await tick();
    controller.abort();
    expect((await queued).error?.kind).toBe('cancelled');
    expect(pool.queued).toBe(0);
    const next = pool.execute(() => 'next');
    await tick();
    g.openOne();
    await first;
    expect(await next).toBe('next');
    expect(pool.running).toBe(0);
  });

  it('one instance shared by two pipelines is one pool', async () => {
    const pool = new Bulkhead({ maxConcurrent: 1, maxQueued: 0 }, { name: 'shared' });
    const a = createPipeline({ bulkhead: pool }, { name: 'a' });
    const b = createPipeline({ bulkhead: pool }, { name: 'b' });
    const g = gate();
    const running = a.execute(() => g.wait());
    const rejected = await settle(b.execute(() => 'b'));
    expect(rejected.error?.code).toBe('BULKHEAD_FULL');
    g.openOne();
    await running;
    expect(await b.execute(() => 'b')).toBe('b');
  });

  it('releases the slot when the call throws', async () => {
    const pool = new Bulkhead({ maxConcurrent: 1, maxQueued: 0 });
    await settle(pool.execute(() => Promise.reject(new Error('x'))));
    expect(pool.running).toBe(0);
    expect(await pool.execute(() => 'ok')).toBe('ok');
  });
});
