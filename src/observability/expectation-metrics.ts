/**
 * Metrics of file expectations and alerts, registered beside the domain
 * metrics on a {@link PatchbayMetrics} registry (one set per registry, made
 * on first use):
 *
 * - `patchbay_file_expectation{integration,state}`: how many of the
 *   integration's tracked business dates are pending, arrived, late, missing,
 *   duplicate or failed (gauge).
 * - `patchbay_file_expectation_events_total{integration,event}`: business
 *   dates that became late, missing, duplicate or failed, each counted once.
 * - `patchbay_alert_events_total{integration,condition,event}`: alert events
 *   (open, update, escalate, resolve) by condition without its key
 *   (`file:missing`, not `file:missing:2026-11-17`).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PatchbayMetrics } from './metrics.js';

/**
 * The expectation and alert metrics of one registry.
 *
 * @example
 * ```ts
 * const m: ExpectationMetrics = expectationMetrics(metrics);
 * m.setFileStates('sap-loads', { arrived: 4, missing: 1 });
 * ```
 */
export interface ExpectationMetrics {
  /** Replaces the integration's per-state counts of tracked business dates. */
  setFileStates(integration: string, counts: Readonly<Record<string, number>>): void;
  /** Counts one business date that became `event` (late, missing, duplicate, failed). */
  countFileEvent(integration: string, event: string): void;
  /** Counts one alert event. */
  countAlertEvent(integration: string, condition: string, event: string): void;
}

const STATES = ['pending', 'arrived', 'late', 'missing', 'duplicate', 'failed'];
const made = new WeakMap<Registry, ExpectationMetrics>();

/** `file:missing:2026-11-17` → `file:missing`: a label must not grow a series per day. */
function conditionKind(condition: string): string {
  return condition.replace(/:\d{4}-\d{2}-\d{2}$/, '');
}

/**
 * The expectation and alert metrics on `metrics`' registry (created once).
 *
 * @example
 * ```ts
 * expectationMetrics(metrics).countFileEvent('sap-loads', 'missing');
 * await metrics.prometheus(); // ... patchbay_file_expectation_events_total{integration="sap-loads",event="missing"} 1
 * ```
 */
export function expectationMetrics(metrics: Pick<PatchbayMetrics, 'registry'>): ExpectationMetrics {
  const registry = metrics.registry;
  const existing = made.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const states = new Gauge({
    name: 'patchbay_file_expectation',
    help: 'Tracked business dates of a file expectation by state (pending, arrived, late, missing, duplicate, failed).',
    labelNames: ['integration', 'state'],
    registers,
  });
  const fileEvents = new Counter({
    name: 'patchbay_file_expectation_events_total',
    help: 'Business dates whose files became late, missing, duplicate or failed (each once).',
    labelNames: ['integration', 'event'],
    registers,
  });
  const alertEvents = new Counter({
    name: 'patchbay_alert_events_total',
    help: 'Alert events (open, update, escalate, resolve) by integration and condition.',
    labelNames: ['integration', 'condition', 'event'],
    registers,
  });
  const m: ExpectationMetrics = {
    setFileStates(integration, counts) {
      for (const state of STATES) states.set({ integration, state }, counts[state] ?? 0);
    },
    countFileEvent(integration, event) {
      fileEvents.inc({ integration, event });
    },
    countAlertEvent(integration, condition, event) {
      alertEvents.inc({ integration, condition: conditionKind(condition), event });
    },
  };
  made.set(registry, m);
  return m;
}
