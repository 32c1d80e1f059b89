/**
 * The alert engine: evaluates rules against observations and keeps one open
 * alert per (integration, condition) in the store's policy state, so a second
 * process or a restart sees the same alerts. Every change that people must
 * hear about is enqueued in the outbox (durable) for the delivery worker;
 * nothing is sent from here, so a sink being down never loses an alert.
 */
import type { JsonValue } from '../../core/json-safe.js';
import type { Store } from '../../store/types.js';
import type {
  AlertEventKind,
  AlertNotification,
  AlertRecord,
  AlertRule,
  Observation,
  RuleFinding,
} from './types.js';

/**
 * The outbox `integrationId` under which alert deliveries are queued.
 *
 * @example
 * ```ts
 * // alert deliveries still waiting for a sink that is down
 * const waiting = await store.outbox.count(ALERT_OUTBOX, 'pending');
 * ```
 */
export const ALERT_OUTBOX = 'patchbay.alerts';
const ALERT_PREFIX = 'alert:';
const RULE_STATE = 'patchbay.alert-rules';

/**
 * Options of {@link AlertEngine}.
 *
 * @example
 * ```ts
 * const options: AlertEngineOptions = {
 *   store,
 *   rules: [freshnessRule({ criticalFactor: 3 }), deadLetterRule({ above: 10 })],
 *   route: ['chat'],
 *   escalation: { afterMs: 30 * 60_000, to: ['tickets'] }, // still open after 30 min: open a ticket
 * };
 * const engine = new AlertEngine(options);
 * ```
 */
export interface AlertEngineOptions {
  store: Store;
  rules: readonly AlertRule[];
  /** Sink names every alert goes to. */
  route: readonly string[];
  /** After `afterMs` open, also send to `to` (once per alert). */
  escalation?: { afterMs: number; to: readonly string[] } | undefined;
  /**
   * Told of every event once it is durable in the outbox (the runtime logs a
   * line and counts it in the metrics); a throw here is not the engine's concern.
   */
  onEvent?: ((notification: AlertNotification) => void) | undefined;
}

/**
 * The commands an operator runs for an alert.
 *
 * @example
 * ```ts
 * commandsFor('gps-positions', 1_700_000_000_000);
 * // ['patchbay status --only gps-positions', 'patchbay dlq list gps-positions', 'patchbay replay gps-positions --from 2023-11-14']
 * ```
 */
export function commandsFor(integration: string, since: number): string[] {
  const day = new Date(since).toISOString().slice(0, 10);
  return [
    `patchbay status --only ${integration}`,
    `patchbay dlq list ${integration}`,
    `patchbay replay ${integration} --from ${day}`,
  ];
}

/**
 * Reads alerts from the store: open ones by default, or all with `all`.
 *
 * @example
 * ```ts
 * for (const a of await listAlerts(store)) console.log(a.integration, a.condition, a.actual);
 * ```
 */
export async function listAlerts(
  store: Store,
  options: { all?: boolean } = {},
): Promise<AlertRecord[]> {
  const rows = await store.policyState.list(ALERT_PREFIX);
  return rows
    .map((r) => r.value as unknown as AlertRecord)
    .filter((a) => options.all || a.state === 'open')
    .sort((a, b) => a.since - b.since);
}

/**
 * Evaluates rules and keeps alert state. Call {@link AlertEngine.evaluate}
 * periodically (the freshness monitor does) with the time of evaluation.
 *
 * @example
 * ```ts
 * const engine = new AlertEngine({ store, rules: defaultRules(), route: ['tickets'], escalation: { afterMs: 1_800_000, to: ['email'] } });
 * await engine.evaluate(statuses.map((status) => ({ status })), Date.now());
 * ```
 */
export class AlertEngine {
  readonly #o: AlertEngineOptions;

  constructor(options: AlertEngineOptions) {
    this.#o = options;
  }

  /** Evaluates every rule for every observation; returns the events enqueued. */
  async evaluate(observations: readonly Observation[], now: number): Promise<AlertNotification[]> {
    const events: AlertNotification[] = [];
    for (const obs of observations) {
      for (const rule of this.#o.rules) {
        const id = obs.status.id;
        const stateKey = `${id}:${rule.condition}`;
        const prior = await this.#o.store.cache.get(RULE_STATE, stateKey, now);
        const outcome = rule.evaluate(obs, { now, state: prior?.value });
        if (outcome.state !== undefined) {
          await this.#o.store.cache.set(RULE_STATE, stateKey, outcome.state, { now });
        }
        if (outcome.findings) {
          events.push(...(await this.#applyKeyed(id, rule.condition, outcome.findings, now)));
          continue;
        }
        const event = await this.#apply(id, rule.condition, outcome.finding, now);
        if (event) events.push(...event);
      }
    }
    return events;
  }

  /** One alert per key (`<condition>:<key>`); open ones whose key is gone resolve. */
  async #applyKeyed(
    integration: string,
    condition: string,
    findings: Record<string, RuleFinding>,
    now: number,
  ): Promise<AlertNotification[]> {
    const events: AlertNotification[] = [];
    const prefix = `${ALERT_PREFIX}${integration}:${condition}:`;
    const open = (await this.#o.store.policyState.list(prefix))
      .filter((r) => (r.value as unknown as AlertRecord).state === 'open')
      .map((r) => r.key.slice(prefix.length));
    const keys = new Set([...Object.keys(findings), ...open]);
    for (const key of keys) {
      const e = await this.#apply(integration, `${condition}:${key}`, findings[key], now);
      if (e) events.push(...e);
    }
    return events;
  }

  async #apply(
    integration: string,
    condition: string,
    finding: RuleFinding | undefined,
    now: number,
  ): Promise<AlertNotification[] | undefined> {
    const key = `${ALERT_PREFIX}${integration}:${condition}`;
    const stored = await this.#o.store.policyState.get(key);
    const current = stored?.value as unknown as AlertRecord | undefined;
    const version = stored?.version ?? 0;
    const open = current?.state === 'open' ? current : undefined;
    let next: AlertRecord;
    const kinds: AlertEventKind[] = [];
    if (!finding) {
      if (!open) return undefined;
      next = { ...open, state: 'resolved', resolvedAt: now, updatedAt: now };
      kinds.push('resolve');
    } else if (!open) {
      next = {
        id: `${integration}:${condition}:${now}`,
        integration,
        condition,
        severity: finding.severity,
        state: 'open',
        expected: finding.expected,
        actual: finding.actual,
        since: now,
        updatedAt: now,
        resolvedAt: null,
        evaluations: 1,
        fingerprint: finding.fingerprint ?? finding.severity,
        escalated: false,
        commands: commandsFor(integration, now),
      };
      kinds.push('open');
    } else {
      const fingerprint = finding.fingerprint ?? finding.severity;
      next = {
        ...open,
        severity: finding.severity,
        expected: finding.expected,
        actual: finding.actual,
        updatedAt: now,
        evaluations: open.evaluations + 1,
        fingerprint,
      };
      if (fingerprint !== open.fingerprint) kinds.push('update');
    }
    const esc = this.#o.escalation;
    if (next.state === 'open' && esc && !next.escalated && now - next.since >= esc.afterMs) {
      next.escalated = true;
      kinds.push('escalate');
    }
    // Compare-and-set: when another process updated the alert first, its write stands
    // and this evaluation sends nothing, so two runtimes never open two incidents.
    const won = await this.#o.store.policyState.compareAndSet(
      key,
      version,
      next as unknown as JsonValue,
    );
    if (won === undefined) return undefined;
    const events = kinds.map((event) => ({ event, alert: next }));
    for (const e of events) await this.#enqueue(e, now);
    for (const e of events) {
      try {
        this.#o.onEvent?.(e);
      } catch {
        // an observer's failure must not undo a durable alert
      }
    }
    return events;
  }

  async #enqueue(notification: AlertNotification, now: number): Promise<void> {
    const { event, alert } = notification;
    const esc = this.#o.escalation?.to ?? [];
    // The escalation target hears of the escalation and of the resolution, not of every update.
    const sinks =
      event === 'escalate'
        ? esc
        : event === 'resolve' && alert.escalated
          ? [...new Set([...this.#o.route, ...esc])]
          : this.#o.route;
    for (const sink of sinks) {
      await this.#o.store.outbox.enqueue({
        integrationId: ALERT_OUTBOX,
        destination: `alert:${sink}`,
        payload: notification as unknown as JsonValue,
        idempotencyKey: `${alert.id}:${event}:${alert.evaluations}:${sink}`,
        notBefore: now,
      });
    }
  }
}
