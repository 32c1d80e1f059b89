/**
 * The built-in alert rules. Each is pure: the engine passes the time and the
 * state the rule kept last time, so rule timing is tested with plain numbers.
 */
import { formatDuration } from '../../core/duration.js';
import type { JsonValue } from '../../core/json-safe.js';
import { schemaDriftRule } from './drift-rule.js';
import type { AlertRule, Observation, RuleOutcome } from './types.js';

const none: RuleOutcome = { finding: undefined };

function fmt(seconds: number): string {
  return formatDuration(Math.round(seconds) * 1000);
}

/**
 * Freshness breach: the last successful run is older than the declared
 * `freshness.maxAge`, or (with `streams`, the default) one entity stream of
 * an integration that has two or more has not delivered within it, even while
 * the others are fresh. Warning above the limit, critical above
 * `criticalFactor` times it (default 2). The step up, and a change in which
 * streams are stale, send an update, not a new alert.
 *
 * A single-stream integration is judged by its last successful run only: its
 * one stream's age would also count runs that found nothing new as stale, and
 * a quiet source is not a broken one. With several streams that trade-off is
 * the point (one stream stuck while the others flow); set `streams: false` to
 * judge every integration by its runs alone.
 *
 * An integration with no successful run yet is given one limit of grace from
 * the first evaluation that saw it, so a runtime that has just started does
 * not open incidents for integrations that simply have not run yet.
 *
 * @example
 * ```ts
 * const rules = [freshnessRule({ criticalFactor: 3 })];
 * ```
 */
export function freshnessRule(
  options: { criticalFactor?: number; streams?: boolean } = {},
): AlertRule {
  const factor = options.criticalFactor ?? 2;
  const byStream = options.streams ?? true;
  return {
    condition: 'freshness',
    evaluate({ status }, { now, state }) {
      const limit = status.freshnessLimitSeconds;
      if (limit === null) return none;
      const streams = byStream && status.streams.length > 1 ? status.streams : [];
      const staleStreams = streams.filter((s) => s.stale);
      if (!status.stale && staleStreams.length === 0) return { finding: undefined, state: null };
      const age = status.freshnessSeconds;
      // An integration that has never succeeded gets one freshness limit of grace from
      // the first evaluation that saw it: a runtime that just started is not stale yet.
      if (age === null && staleStreams.length === 0) {
        const firstSeen = typeof state === 'number' ? state : now;
        if (now - firstSeen < limit * 1000) return { finding: undefined, state: firstSeen };
      }
      const worst = Math.max(
        status.stale ? (age ?? Infinity) : 0,
        ...staleStreams.map((s) => s.freshnessSeconds),
      );
      const severity = worst > limit * factor ? 'critical' : 'warning';
      const parts: string[] = [];
      if (status.stale) {
        parts.push(age === null ? 'no successful run yet' : `last success ${fmt(age)} ago`);
      }
      for (const s of staleStreams) {
        parts.push(`stream ${s.stream} last delivered ${fmt(s.freshnessSeconds)} ago`);
      }
      return {
        finding: {
          severity,
          expected: `data at most ${fmt(limit)} old`,
          actual: parts.join('; '),
          // Without stale streams the engine's default (the severity) applies.
          fingerprint: staleStreams.length
            ? `${severity}:${staleStreams.map((s) => s.stream).join(',')}`
            : undefined,
        },
      };
    },
  };
}

/**
 * Dead-letter growth: more than `above` dead letters (default 0). Growth while
 * open sends an update; draining them (retry or drop) resolves the alert.
 *
 * @example
 * ```ts
 * deadLetterRule({ above: 10 });
 * ```
 */
export function deadLetterRule(options: { above?: number } = {}): AlertRule {
  const above = options.above ?? 0;
  return {
    condition: 'dead-letters',
    evaluate({ status }) {
      if (status.deadLetters <= above) return none;
      return {
        finding: {
          severity: 'warning',
          expected: `at most ${above} dead letters`,
          actual: `${status.deadLetters} dead letters`,
          fingerprint: String(status.deadLetters),
        },
      };
    },
  };
}

type Side = 'source' | 'sink';
type OpenSince = Record<Side, number | null>;

// The state before the breakers were split was the source's open-since alone.
function openSinceOf(state: JsonValue | undefined): OpenSince {
  if (typeof state === 'number') return { source: state, sink: null };
  const o = state !== null && typeof state === 'object' && !Array.isArray(state) ? state : {};
  const at = (v: JsonValue | undefined) => (typeof v === 'number' ? v : null);
  return { source: at(o['source']), sink: at(o['sink']) };
}

/**
 * Breaker open too long: the source's breaker or the sink side's (steps and
 * sink writes) has been open for at least `forMs` (default 5 minutes). One
 * alert per integration; the message names the side, and a change in which
 * sides are open sends an update. Remembers when each side was first seen open.
 *
 * @example
 * ```ts
 * breakerOpenRule({ forMs: 600_000 });
 * ```
 */
export function breakerOpenRule(options: { forMs?: number } = {}): AlertRule {
  const forMs = options.forMs ?? 300_000;
  return {
    condition: 'breaker-open',
    evaluate({ status }, { now, state }) {
      const prior = openSinceOf(state);
      const since: OpenSince = {
        source: status.breaker === 'open' ? (prior.source ?? now) : null,
        sink: status.sinkBreaker === 'open' ? (prior.sink ?? now) : null,
      };
      if (since.source === null && since.sink === null) return { finding: undefined, state: null };
      const long = (['source', 'sink'] as const).flatMap((side) => {
        const at = since[side];
        return at !== null && now - at >= forMs ? [{ side, forMs: now - at }] : [];
      });
      if (long.length === 0) return { finding: undefined, state: since };
      const sides = long.map((l) => l.side);
      return {
        state: since,
        finding: {
          severity: 'critical',
          expected: `breaker open less than ${formatDuration(forMs)}`,
          actual: long
            .map((l) => `${l.side} breaker open for ${formatDuration(l.forMs)}`)
            .join('; '),
          // The source alone keeps the default fingerprint it had before the split.
          fingerprint: sides.join() === 'source' ? undefined : `critical:${sides.join(',')}`,
        },
      };
    },
  };
}

/**
 * Error-rate threshold: more than `perMinute` errors per minute between two
 * evaluations (from the 24 h error counts in the status).
 *
 * @example
 * ```ts
 * errorRateRule({ perMinute: 5 });
 * ```
 */
export function errorRateRule(options: { perMinute: number }): AlertRule {
  return {
    condition: 'error-rate',
    evaluate({ status }, { now, state }) {
      const total = Object.values(status.errorsByKind).reduce((a, b) => a + b, 0);
      const prev = state as { at: number; total: number } | undefined | null;
      const next = { at: now, total };
      if (!prev || now <= prev.at) return { finding: undefined, state: next };
      const rate = (Math.max(0, total - prev.total) / (now - prev.at)) * 60_000;
      if (rate <= options.perMinute) return { finding: undefined, state: next };
      return {
        state: next,
        finding: {
          severity: 'warning',
          expected: `at most ${options.perMinute} errors/min`,
          actual: `${rate.toFixed(1)} errors/min`,
          fingerprint: 'warning',
        },
      };
    },
  };
}

/**
 * Latency threshold: p99 call latency above `p99Ms` (needs a latency
 * measurement in the observation; silent without one).
 *
 * @example
 * ```ts
 * latencyRule({ p99Ms: 2000 });
 * ```
 */
export function latencyRule(options: { p99Ms: number }): AlertRule {
  return {
    condition: 'latency',
    evaluate({ latencyP99Ms }) {
      if (latencyP99Ms === undefined || latencyP99Ms <= options.p99Ms) return none;
      return {
        finding: {
          severity: 'warning',
          expected: `p99 latency at most ${options.p99Ms} ms`,
          actual: `p99 latency ${Math.round(latencyP99Ms)} ms`,
        },
      };
    },
  };
}

/**
 * Anomaly: a measurement far from its recent baseline. Keeps the last
 * `window` values (default 20); after `minSamples` (default 5) it fires when
 * the value differs from their mean by more than `factor` (default 3) standard
 * deviations, and by at least `minDelta` (default 1) in absolute terms so a
 * flat baseline does not fire on noise.
 *
 * @example
 * ```ts
 * anomalyRule({ value: (obs) => obs.values?.['items_per_minute'] });
 * ```
 */
export function anomalyRule(options: {
  value: (observation: Observation) => number | undefined;
  name?: string;
  window?: number;
  minSamples?: number;
  factor?: number;
  minDelta?: number;
}): AlertRule {
  const window = options.window ?? 20;
  const minSamples = options.minSamples ?? 5;
  const factor = options.factor ?? 3;
  const minDelta = options.minDelta ?? 1;
  const name = options.name ?? 'rate';
  return {
    condition: `anomaly:${name}`,
    evaluate(observation, { state }) {
      const history = Array.isArray(state) ? (state as number[]) : [];
      const value = options.value(observation);
      if (value === undefined) return { finding: undefined, state: history as JsonValue };
      const next = [...history, value].slice(-window);
      if (history.length < minSamples) return { finding: undefined, state: next };
      const mean = history.reduce((a, b) => a + b, 0) / history.length;
      const sd = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
      const delta = Math.abs(value - mean);
      if (delta < minDelta || delta <= factor * sd) return { finding: undefined, state: next };
      // An anomalous value does not join the baseline, or a sustained drop would hide itself.
      return {
        state: history,
        finding: {
          severity: 'warning',
          expected: `${name} near ${mean.toFixed(1)} (±${(factor * sd).toFixed(1)})`,
          actual: `${name} ${value}`,
          fingerprint: 'warning',
        },
      };
    },
  };
}

/**
 * The default rules: freshness breach (per integration and stream), dead
 * letters, breaker open for 5 minutes, schema drift.
 *
 * @example
 * ```ts
 * const engine = new AlertEngine({ store, rules: defaultRules(), route: ['tickets'] });
 * ```
 */
export function defaultRules(): AlertRule[] {
  return [freshnessRule(), deadLetterRule(), breakerOpenRule(), schemaDriftRule()];
}
