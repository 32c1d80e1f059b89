/**
 * The health side of {@link PatchbayMetrics}: freshness (of the integration
 * and of each entity stream), circuit breaker state and schema drift. Ages
 * are computed from the clock whenever they are read, never stored.
 */
import { addLabelled, type IntegrationState, type MetricSeries } from './metric-series.js';

const BREAKER_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Circuit breaker state; exported as 0 (closed), 1 (half-open), 2 (open).
 *
 * @example
 * ```ts
 * pipeline.breaker?.onStateChange((e) =>
 *   metrics.setBreakerState('crm-api', e.to === 'half_open' ? 'half-open' : e.to === 'closed' ? 'closed' : 'open'),
 * );
 * ```
 */
export type BreakerState = 'closed' | 'half-open' | 'open' | 0 | 1 | 2;

/**
 * The gauge value of a breaker state.
 *
 * @example
 * ```ts
 * breakerValue('half-open'); // 1
 * ```
 */
export function breakerValue(state: BreakerState): number {
  return typeof state === 'number' ? state : BREAKER_VALUES[state];
}

/**
 * Seconds from `since` (epoch ms) to now, never negative.
 *
 * @example
 * ```ts
 * ageSeconds(checkpoint.updatedAt, Date.now); // 42.5
 * ```
 */
export function ageSeconds(since: number, now: () => number): number {
  return Math.max(0, (now() - since) / 1000);
}

/**
 * The integration's `freshness_seconds`: the fixed value, or the age of its
 * last fresh mark; undefined when neither was recorded.
 *
 * @example
 * ```ts
 * freshnessOf(state, Date.now); // 3600
 * ```
 */
export function freshnessOf(s: IntegrationState, now: () => number): number | undefined {
  const f = s.freshness;
  if (!f) return undefined;
  if ('seconds' in f) return f.seconds;
  return ageSeconds(f.since, now);
}

/**
 * Counts `n` (positive) schema drift events of one kind.
 *
 * @example
 * ```ts
 * countDrift(series, state, 'employees', 'added', 2);
 * ```
 */
export function countDrift(
  series: MetricSeries,
  s: IntegrationState,
  integration: string,
  kind: string,
  n: number,
): void {
  addLabelled(s.drift, kind, () => series.drift.labels(integration, kind), n);
}
