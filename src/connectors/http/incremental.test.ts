import { describe, expect, it } from 'vitest';
import { compare, IncrementalCursor, incrementalSchema } from './incremental.js';

const config = (extra: object = {}) =>
  incrementalSchema.parse({
    cursorPath: 'at',
    initialValue: '2026-01-01T00:00:00Z',
    primaryKey: 'id',
    ...extra,
  });

describe('incremental cursor', () => {
  it('compares dates by time, numbers numerically', () => {
    expect(compare('2026-01-02T00:00:00Z', '2026-01-01T23:00:00+00:00')).toBeGreaterThan(0);
    expect(compare(10, 9)).toBeGreaterThan(0);
  });

  it('drops boundary duplicates and older records, keeps updates', () => {
    const c = new IncrementalCursor(config(), {
      checkpoint: { last: '2026-01-05T00:00:00Z', keys: ['a'] },
    });
    expect(c.from).toBe('2026-01-05T00:00:00Z');
    const kept = c.accept([
      { id: 'old', at: '2026-01-04T00:00:00Z' },
      { id: 'a', at: '2026-01-05T00:00:00Z' },
      { id: 'b', at: '2026-01-05T00:00:00Z' },
      { id: 'a', at: '2026-01-06T00:00:00Z' },
    ]);
    expect(kept.map((r) => (r as { id: string }).id)).toEqual(['b', 'a']);
    expect(c.state()).toEqual({ last: '2026-01-06T00:00:00Z', keys: ['a'] });
  });

  it('applies the lag to the start of the request', () => {
    const c = new IncrementalCursor(config({ lag: 3600 }), {
      checkpoint: { last: '2026-01-05T00:00:00Z', keys: [] },
    });
    expect(c.from).toBe('2026-01-04T23:00:00.000Z');
  });

  it('is stateless with an end value or a replay range', () => {
    const ended = new IncrementalCursor(config({ endValue: '2026-02-01T00:00:00Z' }), {
      checkpoint: { last: 'x', keys: [] },
    });
    expect(ended.from).toBe('2026-01-01T00:00:00Z');
    ended.accept([
      { id: 'z', at: '2026-01-10T00:00:00Z' },
      { id: 'late', at: '2026-02-01T00:00:00Z' },
    ]);
    expect(ended.state()).toBeUndefined();
    const replay = new IncrementalCursor(config(), { range: { from: '2026-01-02T00:00:00Z' } });
    expect(replay.stateless).toBe(true);
  });

  it('fails a record without a cursor', () => {
    const c = new IncrementalCursor(config());
    expect(() => c.accept([{ id: 1 }])).toThrow(/no cursor/);
  });

  it('de-duplicates by record hash without a primary key', () => {
    const c = new IncrementalCursor(incrementalSchema.parse({ cursorPath: 'n', initialValue: 0 }));
    expect(c.accept([{ n: 1 }, { n: 1 }, { n: 2 }])).toHaveLength(2);
  });
});
