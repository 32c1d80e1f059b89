/**
 * The shapes of alerting: what a rule observes, what it finds, and the alert
 * record kept in the store (one per integration and condition).
 */
import type { JsonValue } from '../../core/json-safe.js';
import type { IntegrationStatus } from '../../runtime/status.js';

/**
 * What rules look at for one integration: its status plus optional live
 * measurements the status does not carry.
 *
 * @example
 * ```ts
 * const obs: Observation = { status, latencyP99Ms: 850 };
 * ```
 */
export interface Observation {
  status: IntegrationStatus;
  /** p99 call latency in ms (from `integration.<id>.latency_p99_ms`), when known. */
  latencyP99Ms?: number | undefined;
  /**
   * Measurements for custom and anomaly rules. The freshness monitor fills it
   * with the integration's metrics by short name (`items_total.read`) and the
   * per-minute rate of each counter since its previous evaluation
   * (`items_total.read.per_minute`).
   */
  values?: Record<string, number> | undefined;
}

/**
 * How bad a finding is. `critical` is sent as urgency 1 to ticketing.
 *
 * @example
 * ```ts
 * const queueDepth: AlertRule = {
 *   condition: 'queue-depth',
 *   evaluate({ values }) {
 *     const depth = values?.['queue_depth'] ?? 0;
 *     if (depth <= 1_000) return { finding: undefined };
 *     const severity: Severity = depth > 10_000 ? 'critical' : 'warning';
 *     return { finding: { severity, expected: 'at most 1000 queued', actual: `${depth} queued` } };
 *   },
 * };
 * ```
 */
export type Severity = 'warning' | 'critical';

/**
 * A firing condition, as a rule reports it.
 *
 * @example
 * ```ts
 * const f: RuleFinding = { severity: 'warning', expected: 'at most 15m old', actual: '22m old' };
 * ```
 */
export interface RuleFinding {
  severity: Severity;
  /** What was expected, in words. */
  expected: string;
  /** What happened, in words. */
  actual: string;
  /**
   * Changes to this (default: the severity) send an update to the sinks;
   * other changes only refresh the stored record, so a growing age does not
   * page anyone again.
   */
  fingerprint?: string | undefined;
}

/**
 * What a rule returns: a finding while the condition holds, and state to keep
 * until the next evaluation (baselines, "open since").
 *
 * @example
 * ```ts
 * const out: RuleOutcome = { finding: undefined, state: { openSince: null } };
 * ```
 */
export interface RuleOutcome {
  finding: RuleFinding | undefined;
  state?: JsonValue | undefined;
  /**
   * For rules that watch many things at once (one file expectation per
   * business date): findings by key, each its own alert with condition
   * `<condition>:<key>`, opened once and resolved when its key is no longer
   * reported. When set, `finding` is ignored.
   */
  findings?: Record<string, RuleFinding> | undefined;
}

/**
 * One alert condition. Rules are pure: time and state come in, so tests need
 * no timers.
 *
 * @example
 * ```ts
 * const always: AlertRule = { condition: 'always', evaluate: () => ({ finding: { severity: 'warning', expected: 'never', actual: 'now' } }) };
 * ```
 */
export interface AlertRule {
  /** Stable name, part of the de-duplication key, e.g. `freshness`. */
  readonly condition: string;
  evaluate(
    observation: Observation,
    ctx: { now: number; state: JsonValue | undefined },
  ): RuleOutcome;
}

/**
 * An alert as stored (policy state `alert:<integration>:<condition>`) and
 * sent to sinks.
 *
 * @example
 * ```ts
 * console.log(`${alert.integration} ${alert.condition}: expected ${alert.expected}, got ${alert.actual}`);
 * ```
 */
export interface AlertRecord {
  /** `<integration>:<condition>:<since>`: stable for the life of one incident; the ticket's correlation id. */
  id: string;
  integration: string;
  condition: string;
  severity: Severity;
  state: 'open' | 'resolved';
  expected: string;
  actual: string;
  /** When the condition was first seen (epoch ms). */
  since: number;
  updatedAt: number;
  resolvedAt: number | null;
  /** How many evaluations found it firing. */
  evaluations: number;
  fingerprint: string;
  escalated: boolean;
  /** Commands an operator runs to look or replay. */
  commands: string[];
}

/**
 * What happened to an alert, as sent to sinks.
 *
 * @example
 * ```ts
 * const chat: AlertSink = {
 *   name: 'chat',
 *   kind: 'console',
 *   async deliver({ event, alert }: AlertNotification) {
 *     const verb: Record<AlertEventKind, string> = { open: 'opened', update: 'changed', escalate: 'escalated', resolve: 'resolved' };
 *     console.log(`${alert.integration} ${alert.condition} ${verb[event]}`);
 *   },
 * };
 * ```
 */
export type AlertEventKind = 'open' | 'update' | 'escalate' | 'resolve';

/**
 * The payload of one alert delivery in the outbox.
 *
 * @example
 * ```ts
 * const n: AlertNotification = { event: 'open', alert };
 * ```
 */
export interface AlertNotification {
  event: AlertEventKind;
  alert: AlertRecord;
}
