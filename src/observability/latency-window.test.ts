import { describe, expect, it } from 'vitest';
import { LatencyWindow } from './latency-window.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('LatencyWindow', () => {
  it('is empty at first', () => {
    const w = new LatencyWindow();
    expect(w.quantile(0.99)).toBeUndefined();
    expect(w.count()).toBe(0);
  });

  it('gives the exact nearest-rank p99 of a known distribution', () => {
    const c = clock();
    const w = new LatencyWindow({ now: c.now });
    // 1..1000 in a shuffled order: p99 is the 990th value, p50 the 500th.
    const values = Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1000) + 1);
    expect(new Set(values).size).toBe(1000);
    for (const v of values) w.observe(v);
    expect(w.quantile(0.99)).toBe(990);
    expect(w.quantile(0.5)).toBe(500);
    expect(w.quantile(1)).toBe(1000);
    expect(w.count()).toBe(1000);
  });

  it('sees a long tail: 98 fast calls and 2 slow ones', () => {
    const w = new LatencyWindow({ now: clock().now });
    for (let i = 0; i < 98; i++) w.observe(10);
    w.observe(5000);
    w.observe(9000);
    expect(w.quantile(0.99)).toBe(5000);
    expect(w.quantile(0.98)).toBe(10);
  });

  it('forgets observations older than the window, slot by slot', () => {
    const c = clock(0);
    const w = new LatencyWindow({ windowMs: 300_000, slots: 5, now: c.now });
    w.observe(1000);
    c.advance(60_000);
    w.observe(10);
    expect(w.quantile(1)).toBe(1000);
    c.advance(240_000); // first slot is now out of the window
    expect(w.quantile(1)).toBe(10);
    expect(w.count()).toBe(1);
    c.advance(60_000);
    expect(w.quantile(1)).toBeUndefined();
    w.observe(7); // reuses a slot: old samples must not come back
    expect(w.quantile(1)).toBe(7);
    expect(w.count()).toBe(1);
  });

  it('caps memory per slot and still estimates from a uniform sample', () => {
    const w = new LatencyWindow({ maxSamplesPerSlot: 500, now: clock().now });
    for (let i = 0; i < 20_000; i++) w.observe((i % 1000) + 1);
    expect(w.count()).toBe(20_000);
    // 500 uniform samples of 1..1000: the p99 estimate is within 10 % with
    // overwhelming probability (a miss needs a ~7-sigma draw).
    const p99 = w.quantile(0.99)!;
    expect(p99).toBeGreaterThanOrEqual(900);
    expect(p99).toBeLessThanOrEqual(1000);
  });

  it('clamps negatives and ignores NaN', () => {
    const w = new LatencyWindow({ now: clock().now });
    w.observe(-5);
    w.observe(Number.NaN);
    expect(w.count()).toBe(1);
    expect(w.quantile(0.99)).toBe(0);
  });
});
