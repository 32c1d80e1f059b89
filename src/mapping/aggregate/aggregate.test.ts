import { describe, expect, it } from 'vitest';
import { parseAggregation } from './load.js';
import { compileAggregation } from './spec.js';
import { applyBatch, applyWindowed, emptyState } from './state.js';

const T0 = Date.UTC(2026, 10, 23, 10, 0);
const at = (min: number, sec = 0) => new Date(T0 + min * 60_000 + sec * 1000).toISOString();

const WINDOWED = {
  name: 'per-depot',
  key: 'depot',
  reduce: {
    parcels: 'count',
    weight: 'sum(kg)',
    first_scan: 'first(id)',
    last_scan: 'last(id)',
    ids: 'collect(id)',
  },
  within: { window: '5m', eventTime: 'at', lateness: '1m' },
  id: 'id',
} as const;

describe('applyBatch', () => {
  it('groups a batch by key with exact decimal sums, min, max, first, last, collect', () => {
    const agg = compileAggregation({
      name: 'totals',
      key: ['sku', 'currency'],
      reduce: {
        n: 'count',
        total: 'sum(amount)',
        low: 'min(amount)',
        high: 'max(amount)',
        first: 'first(order)',
        last: 'last(order)',
        orders: 'collect(order)',
      },
      within: 'batch',
    });
    const rows = [
      { sku: 'A', currency: 'EUR', amount: '0.1', order: 1 },
      { sku: 'A', currency: 'EUR', amount: 0.2, order: 2 },
      { sku: 'B', currency: 'EUR', amount: '12.50-', order: 3 },
      { sku: 'A', currency: 'EUR', amount: '10', order: 4 },
    ];
    const { emitted, refused } = applyBatch(
      agg,
      rows.map((data, i) => ({ data, id: `o${i}#0` })),
    );
    expect(refused).toEqual([]);
    expect(emitted.map((e) => e.data)).toEqual([
      {
        sku: 'A',
        currency: 'EUR',
        n: 3,
        total: '10.3',
        low: '0.1',
        high: '10',
        first: 1,
        last: 4,
        orders: [1, 2, 4],
      },
      {
        sku: 'B',
        currency: 'EUR',
        n: 1,
        total: '-12.50',
        low: '12.50-',
        high: '12.50-',
        first: 3,
        last: 3,
        orders: [3],
      },
    ]);
    // The same batch again emits the same keys (an idempotent sink overwrites).
    const again = applyBatch(
      agg,
      rows.map((data, i) => ({ data, id: `o${i}#0` })),
    );
    expect(again.emitted.map((e) => e.key)).toEqual(emitted.map((e) => e.key));
  });

  it('sums huge decimals exactly', () => {
    const agg = compileAggregation({
      name: 'big',
      key: 'k',
      reduce: { s: 'sum(v)' },
      within: 'batch',
    });
    const values = [
      '99999999999999999999999999.99',
      '0.01',
      '123456789012345678901234567890.123456789',
      '-0.000000001',
    ];
    const { emitted } = applyBatch(
      agg,
      values.map((v, i) => ({ data: { k: 1, v }, id: String(i) })),
    );
    expect(emitted[0]?.data['s']).toBe('123556789012345678901234567890.123456788');
  });

  it('rejects a value that is not a number instead of summing it', () => {
    const agg = compileAggregation({
      name: 'big',
      key: 'k',
      reduce: { s: 'sum(v)' },
      within: 'batch',
    });
    const { emitted, refused } = applyBatch(agg, [
      { data: { k: 1, v: '1' }, id: 'a' },
      { data: { k: 1, v: 'n/a' }, id: 'b' },
    ]);
    expect(emitted[0]?.data['s']).toBe('1');
    expect(refused).toMatchObject([{ rule: 'reduce:sum', fieldPath: 'v', input: { id: 'b' } }]);
  });
});

describe('applyWindowed', () => {
  const agg = compileAggregation(WINDOWED);
  const scan = (id: string, depot: string, min: number, kg: string) => ({
    data: { id, depot, at: at(min), kg },
    id,
  });

  it('places out-of-order records by event time and closes a window after its lateness', () => {
    const state = emptyState();
    // Batch 1: out of order within the 10:00–10:05 window.
    let out = applyWindowed(agg, state, [
      scan('s2', 'HAM', 3, '2.5'),
      scan('s1', 'HAM', 1, '1.25'),
    ]);
    expect(out.emitted).toEqual([]);
    // Batch 2: 10:05:30 is within the lateness of 10:05; a late-ish 10:04 still counts.
    out = applyWindowed(agg, state, [scan('s3', 'HAM', 5.5, '1'), scan('s4', 'HAM', 4, '0.25')]);
    expect(out.emitted).toEqual([]);
    // Batch 3: event time 10:07 closes [10:00, 10:05) (end + 1m lateness ≤ 10:07).
    out = applyWindowed(agg, state, [scan('s5', 'BER', 7, '3')]);
    expect(out.refused).toEqual([]);
    expect(out.emitted).toEqual([
      {
        key: `per-depot:${at(0)}:["HAM"]`,
        data: {
          depot: 'HAM',
          window_start: at(0),
          window_end: at(5),
          parcels: 3,
          weight: '4.00',
          first_scan: 's1',
          last_scan: 's4',
          ids: ['s1', 's2', 's4'],
        },
      },
    ]);
    expect(Object.keys(state.open)).toEqual([String(T0 + 5 * 60_000)]);
  });

  it('rejects a record beyond the allowed lateness with the reason', () => {
    const state = emptyState();
    applyWindowed(agg, state, [scan('s1', 'HAM', 1, '1')]);
    applyWindowed(agg, state, [scan('s2', 'HAM', 12, '1')]);
    const out = applyWindowed(agg, state, [scan('s3', 'HAM', 2, '1'), scan('s2', 'HAM', 12, '1')]);
    expect(out.emitted).toEqual([]);
    expect(out.refused).toHaveLength(1);
    expect(out.refused[0]).toMatchObject({
      rule: 'late',
      fieldPath: 'at',
      value: at(2),
      input: { id: 's3' },
    });
    expect(out.refused[0]?.message).toContain('beyond the allowed lateness of 60000 ms');
  });
});

/** An idempotent sink: an upsert by idempotency key, counting every write call. */
describe('aggregation documents', () => {
  it('parses a YAML aggregation', () => {
    const options = parseAggregation(
      [
        'aggregate: per-depot',
        'key: depot',
        'within: { window: 5m, eventTime: at, lateness: 1m }',
        'reduce:',
        '  parcels: count',
        '  weight: sum(kg)',
        'id: id',
      ].join('\n'),
      'per-depot.yaml',
    );
    expect(compileAggregation(options).window).toMatchObject({
      sizeMs: 300_000,
      latenessMs: 60_000,
    });
  });

  it('reports a bad reducer and a bad window with file and line', () => {
    const text = [
      'aggregate: x',
      'key: depot',
      'within: { window: 5m }',
      'reduce:',
      '  n: count',
      '  avg: mean(kg)',
    ].join('\n');
    expect(() => parseAggregation(text, 'x.yaml')).toThrow(
      /x\.yaml:6:3: reduce\.avg: unknown reducer "mean"/,
    );
    const noTime = ['key: depot', 'within: { window: 5m }', 'reduce: { n: count }'].join('\n');
    expect(() => parseAggregation(noTime, 'y.yaml')).toThrow(/y\.yaml:2:1: within: within must be/);
  });
});
