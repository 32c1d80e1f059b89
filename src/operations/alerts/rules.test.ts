import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../core/json-safe.js';
import { aged, status } from './__fixtures__/status.js';
import {
  anomalyRule,
  breakerOpenRule,
  deadLetterRule,
  defaultRules,
  errorRateRule,
  freshnessRule,
  latencyRule,
} from './rules.js';
import type { AlertRule, Observation, RuleOutcome } from './types.js';

const T0 = 1_700_000_000_000;

/** Runs a rule over observations at the given times, threading its state like the engine does. */
function run(rule: AlertRule, steps: Array<[Observation, number]>): RuleOutcome[] {
  let state: JsonValue | undefined;
  return steps.map(([obs, now]) => {
    const out = rule.evaluate(obs, { now, state });
    if (out.state !== undefined) state = out.state;
    return out;
  });
}

describe('freshnessRule', () => {
  const rule = freshnessRule();

  it('is silent while fresh and without an expectation', () => {
    expect(rule.evaluate({ status: aged(600) }, { now: T0, state: undefined }).finding).toBe(
      undefined,
    );
    const noLimit = { status: status({ freshnessLimitSeconds: null, stale: false }) };
    expect(rule.evaluate(noLimit, { now: T0, state: undefined }).finding).toBe(undefined);
  });

  it('warns above the limit and turns critical above twice the limit', () => {
    const warn = rule.evaluate({ status: aged(1320) }, { now: T0, state: undefined }).finding;
    expect(warn).toEqual({
      severity: 'warning',
      expected: 'data at most 15m old',
      actual: 'last success 22m ago',
    });
    const crit = rule.evaluate({ status: aged(1801) }, { now: T0, state: undefined }).finding;
    expect(crit?.severity).toBe('critical');
  });

  it('gives a never-successful integration one limit of grace, then is critical', () => {
    const limitMs = 15 * 60_000;
    const [first, within, after, fresh, again] = run(rule, [
      [{ status: aged(null) }, T0],
      [{ status: aged(null) }, T0 + limitMs - 1],
      [{ status: aged(null) }, T0 + limitMs],
      [{ status: aged(60) }, T0 + limitMs + 1],
      [{ status: aged(null) }, T0 + limitMs + 2],
    ]);
    expect(first?.finding).toBe(undefined);
    expect(within?.finding).toBe(undefined);
    expect(after?.finding).toMatchObject({ severity: 'critical', actual: 'no successful run yet' });
    expect(fresh?.finding).toBe(undefined);
    // Fresh cleared the grace clock, so it starts again.
    expect(again?.finding).toBe(undefined);
  });
});

describe('deadLetterRule', () => {
  it('fires above the threshold, fingerprinted by the count so growth updates', () => {
    const rule = deadLetterRule({ above: 2 });
    const at = (n: number) =>
      rule.evaluate({ status: status({ deadLetters: n }) }, { now: T0, state: undefined }).finding;
    expect(at(2)).toBe(undefined);
    expect(at(3)).toMatchObject({ expected: 'at most 2 dead letters', actual: '3 dead letters' });
    expect(at(3)?.fingerprint).not.toBe(at(7)?.fingerprint);
  });
});

describe('breakerOpenRule', () => {
  it('fires only after the breaker stayed open for the whole period, and forgets when it closes', () => {
    const rule = breakerOpenRule({ forMs: 300_000 });
    const open = { status: status({ breaker: 'open' }) };
    const closed = { status: status({ breaker: 'closed' }) };
    const out = run(rule, [
      [open, T0],
      [open, T0 + 299_000],
      [open, T0 + 300_000],
      [closed, T0 + 310_000],
      [open, T0 + 320_000],
      [open, T0 + 400_000],
    ]);
    expect(out.map((o) => o.finding?.severity ?? null)).toEqual([
      null,
      null,
      'critical',
      null,
      null, // re-opened 80 s ago: the clock started again
      null,
    ]);
    expect(out[2]?.finding).toMatchObject({
      expected: 'breaker open less than 5m',
      actual: 'source breaker open for 5m',
      fingerprint: undefined,
    });
  });

  it('watches the sink side too, names it, and updates when the sides change', () => {
    const rule = breakerOpenRule({ forMs: 300_000 });
    const sink = { status: status({ breaker: 'closed', sinkBreaker: 'open' }) };
    const both = { status: status({ breaker: 'open', sinkBreaker: 'open' }) };
    const out = run(rule, [
      [sink, T0],
      [sink, T0 + 300_000],
      [both, T0 + 360_000],
      [both, T0 + 660_000],
      [sink, T0 + 700_000],
      [{ status: status() }, T0 + 710_000],
    ]);
    expect(out.map((o) => o.finding?.actual ?? null)).toEqual([
      null,
      'sink breaker open for 5m',
      'sink breaker open for 6m', // the source is open, but not for 5 minutes yet
      'source breaker open for 5m; sink breaker open for 11m',
      'sink breaker open for 11m40s',
      null,
    ]);
    expect(out.map((o) => o.finding?.fingerprint ?? null)).toEqual([
      null,
      'critical:sink',
      'critical:sink',
      'critical:source,sink',
      'critical:sink',
      null,
    ]);
    expect(out[5]?.state).toBeNull();
  });

  it('reads the open-since an older version kept (a number: the source side)', () => {
    const rule = breakerOpenRule({ forMs: 300_000 });
    const out = rule.evaluate(
      { status: status({ breaker: 'open' }) },
      { now: T0, state: T0 - 300_000 },
    );
    expect(out.finding?.actual).toBe('source breaker open for 5m');
  });
});

describe('errorRateRule', () => {
  it('compares the error growth between evaluations with the per-minute threshold', () => {
    const rule = errorRateRule({ perMinute: 5 });
    const errs = (n: number) => ({ status: status({ errorsByKind: { timeout: n, http_5xx: 0 } }) });
    const out = run(rule, [
      [errs(100), T0], // first look: no baseline yet
      [errs(104), T0 + 60_000], // 4/min
      [errs(124), T0 + 120_000], // 20/min
      [errs(125), T0 + 180_000], // 1/min again
    ]);
    expect(out.map((o) => o.finding?.actual ?? null)).toEqual([
      null,
      null,
      '20.0 errors/min',
      null,
    ]);
  });
});

describe('latencyRule', () => {
  it('fires on a p99 above the limit and is silent without a measurement', () => {
    const rule = latencyRule({ p99Ms: 2000 });
    const at = (p99: number | undefined) =>
      rule.evaluate({ status: status(), latencyP99Ms: p99 }, { now: T0, state: undefined }).finding;
    expect(at(undefined)).toBe(undefined);
    expect(at(2000)).toBe(undefined);
    expect(at(2500.4)).toMatchObject({ actual: 'p99 latency 2500 ms' });
  });
});

describe('anomalyRule', () => {
  const rule = anomalyRule({ name: 'items_per_minute', value: (o) => o.values?.['ipm'] });
  const v = (ipm: number | undefined): Observation => ({
    status: status(),
    values: ipm === undefined ? {} : { ipm },
  });

  it('learns a baseline first, then fires on a value far from it', () => {
    const baseline = [100, 104, 98, 101, 99, 102];
    const out = run(
      rule,
      [...baseline, 20].map((x, i) => [v(x), T0 + i * 60_000]),
    );
    expect(out.slice(0, baseline.length).every((o) => o.finding === undefined)).toBe(true);
    expect(out.at(-1)?.finding).toMatchObject({
      severity: 'warning',
      actual: 'items_per_minute 20',
    });
    expect(out.at(-1)?.finding?.expected).toMatch(/^items_per_minute near 100\.\d/);
  });

  it('does not fire before enough samples or on small noise around a flat baseline', () => {
    const few = run(
      rule,
      [100, 100, 5].map((x, i) => [v(x), T0 + i]),
    );
    expect(few.every((o) => o.finding === undefined)).toBe(true);
    const flat = run(
      rule,
      [10, 10, 10, 10, 10, 10, 10.5].map((x, i) => [v(x), T0 + i]),
    );
    expect(flat.every((o) => o.finding === undefined)).toBe(true);
  });

  it('keeps the anomalous value out of the baseline, so a sustained drop keeps firing', () => {
    const out = run(
      rule,
      [100, 101, 99, 100, 100, 20, 20, 20, 20, 20, 20].map((x, i) => [v(x), T0 + i]),
    );
    expect(out.slice(5).every((o) => o.finding !== undefined)).toBe(true);
  });
});

describe('defaultRules', () => {
  it('are freshness, dead letters, breaker open and schema drift', () => {
    expect(defaultRules().map((r) => r.condition)).toEqual([
      'freshness',
      'dead-letters',
      'breaker-open',
      'schema-drift',
    ]);
  });
});
