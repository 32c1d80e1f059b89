import { describe, expect, it } from 'vitest';
import { CheckpointTracker } from './checkpoint-tracker.js';

const cp = (value: number) => ({ kind: 'cursor' as const, value });

describe('CheckpointTracker', () => {
  it('holds a checkpoint back until every earlier batch is complete', async () => {
    const saved: unknown[] = [];
    const tracker = new CheckpointTracker(async (c) => {
      saved.push(c.value);
    });
    const a = tracker.open(cp(1));
    const b = tracker.open(cp(2));
    const c = tracker.open(cp(3));
    await tracker.complete(c);
    await tracker.complete(b);
    expect(saved).toEqual([]);
    await tracker.complete(a);
    expect(saved).toEqual([3]);
    expect(tracker.inFlight).toBe(0);
  });

  it('saves in order when batches complete in order, skipping batches without a checkpoint', async () => {
    const saved: unknown[] = [];
    const tracker = new CheckpointTracker(async (c) => {
      saved.push(c.value);
    });
    const a = tracker.open(cp(1));
    const b = tracker.open(undefined);
    const c = tracker.open(cp(3));
    await tracker.complete(a);
    await tracker.complete(b);
    await tracker.complete(c);
    expect(saved).toEqual([1, 3]);
  });

  it('never lets a slow older save land after a newer one', async () => {
    const saved: unknown[] = [];
    let releaseFirst!: () => void;
    const first = new Promise<void>((r) => (releaseFirst = r));
    const tracker = new CheckpointTracker(async (c) => {
      if (c.value === 1) await first;
      saved.push(c.value);
    });
    const a = tracker.open(cp(1));
    const b = tracker.open(cp(2));
    const pa = tracker.complete(a);
    const pb = tracker.complete(b);
    releaseFirst();
    await Promise.all([pa, pb]);
    expect(saved).toEqual([1, 2]);
  });

  it('keeps the newest checkpoint of every stream released together', async () => {
    const saved: unknown[] = [];
    const tracker = new CheckpointTracker(async (c) => {
      saved.push(`${c.stream}:${String(c.value)}`);
    });
    const x = tracker.open({ stream: 'x', kind: 'offset', value: 10 });
    const y = tracker.open({ stream: 'y', kind: 'offset', value: 20 });
    const x2 = tracker.open({ stream: 'x', kind: 'offset', value: 11 });
    await tracker.complete(y);
    await tracker.complete(x2);
    await tracker.complete(x);
    expect(saved.sort()).toEqual(['x:11', 'y:20']);
  });

  it('rejects an unknown ticket', () => {
    const tracker = new CheckpointTracker(async () => {});
    expect(() => tracker.complete(7)).toThrow(/unknown/);
  });
});
