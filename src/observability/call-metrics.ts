/**
 * Recording of external calls and item stages for {@link PatchbayMetrics}:
 * success and error counts, the latency histogram and p99 window,
 * last-known-good answers and `items_total`. Hot path: one Map lookup (done
 * by the caller) and cached label children.
 */
import type { ErrorKind } from '../core/errors.js';
import { addLabelled, type IntegrationState, type MetricSeries } from './metric-series.js';

const UNCLASSIFIED = 'unclassified';

/**
 * Where an item is in its journey; the `stage` label of `items_total`.
 *
 * @example
 * ```ts
 * metrics.recordItems('orders-sync', 'read', batch.items.length);
 * metrics.recordItems('orders-sync', 'dead_lettered' satisfies ItemStage);
 * ```
 */
export type ItemStage = 'read' | 'written' | 'skipped' | 'dead_lettered';

/**
 * The facts about one external call that metrics need (a {@link CallRecord} fits).
 *
 * @example
 * ```ts
 * const call: CallMetric = { integration: 'gps-positions', outcome: 'failure', errorKind: 'timeout', latencyMs: 30_000 };
 * metrics.recordCall(call);
 * ```
 */
export interface CallMetric {
  integration: string;
  outcome: 'success' | 'failure';
  /** The classified kind of a failure. A failure without one is counted under `unclassified`. */
  errorKind?: ErrorKind;
  latencyMs: number;
  /** The answer was last-known-good data served while the breaker was open. */
  stale?: boolean | undefined;
  /** The peer answered 304 Not Modified: the cached response stands. */
  notModified?: boolean | undefined;
}

/**
 * Counts one answer served from last-known-good data.
 *
 * @example
 * ```ts
 * countStaleServed(state);
 * ```
 */
export function countStaleServed(s: IntegrationState): void {
  s.staleServed += 1;
  s.staleChild.inc();
}

/**
 * Counts one external call in its integration's state.
 *
 * @example
 * ```ts
 * countCall(series, state, { integration: 'gps-positions', outcome: 'success', latencyMs: 42 });
 * ```
 */
export function countCall(series: MetricSeries, s: IntegrationState, call: CallMetric): void {
  if (call.outcome === 'success') {
    s.success += 1;
    s.successChild.inc();
  } else {
    const kind = call.errorKind ?? UNCLASSIFIED;
    addLabelled(s.errors, kind, () => series.errors.labels(call.integration, kind), 1);
  }
  if (Number.isFinite(call.latencyMs)) {
    const ms = Math.max(0, call.latencyMs);
    s.latencyChildren[call.outcome === 'success' ? 'success' : 'failure'].observe(ms);
    s.window.observe(ms);
  }
  if (call.stale) countStaleServed(s);
  if (call.notModified) {
    s.notModified += 1;
    s.notModifiedChild.inc();
  }
}

/**
 * Adds `n` (positive) items at a stage.
 *
 * @example
 * ```ts
 * countItems(series, state, 'sap-loads', 'read', 250);
 * ```
 */
export function countItems(
  series: MetricSeries,
  s: IntegrationState,
  integration: string,
  stage: ItemStage,
  n: number,
): void {
  addLabelled(s.items, stage, () => series.items.labels(integration, stage), n);
}
