/**
 * The alert sink contract: one `deliver` per notification. Sinks throw a
 * classified error on failure; the delivery worker decides about retrying.
 */
import type { AlertNotification, AlertRecord } from '../alerts/types.js';

/**
 * What a sink gets besides the notification: a cancel signal and a small
 * durable memory for remote ids (the ticket number to PATCH later).
 *
 * @example
 * ```ts
 * const sysId = await ctx.recall(`ticket:${alert.id}`);
 * ```
 */
export interface AlertSinkContext {
  signal: AbortSignal;
  remember(key: string, value: string): Promise<void>;
  recall(key: string): Promise<string | undefined>;
}

/**
 * Where alerts go: ticketing, email, webhook, Slack.
 *
 * @example
 * ```ts
 * const consoleSink: AlertSink = { name: 'console', kind: 'console', secretRefs: [], async deliver(n) { console.log(n.event, n.alert.id); } };
 * ```
 */
export interface AlertSink {
  readonly name: string;
  /** The kind of target, for the registry and logs, e.g. `servicenow`. */
  readonly kind: string;
  /** Secret references the sink uses (names only), for the secret inventory. */
  readonly secretRefs: readonly string[];
  deliver(notification: AlertNotification, ctx: AlertSinkContext): Promise<void>;
}

/**
 * A one-line title for an alert, used as subject and ticket short description.
 *
 * @example
 * ```ts
 * alertTitle({ event: 'open', alert }); // '[patchbay] orders: freshness (critical)'
 * ```
 */
export function alertTitle(n: AlertNotification): string {
  const a = n.alert;
  const prefix = n.event === 'resolve' ? '[patchbay RESOLVED]' : '[patchbay]';
  return `${prefix} ${a.integration}: ${a.condition} (${a.severity})`;
}

/**
 * The alert in plain text: integration, expected, actual, since, commands.
 *
 * @example
 * ```ts
 * alertText({ event: 'open', alert }).split('\n')[0]; // 'integration: orders'
 * ```
 */
export function alertText(n: AlertNotification): string {
  const a: AlertRecord = n.alert;
  return [
    `integration: ${a.integration}`,
    `condition:   ${a.condition} (${a.severity})`,
    `event:       ${n.event}`,
    `expected:    ${a.expected}`,
    `actual:      ${a.actual}`,
    `since:       ${new Date(a.since).toISOString()}`,
    ...(a.resolvedAt ? [`resolved:    ${new Date(a.resolvedAt).toISOString()}`] : []),
    `alert id:    ${a.id}`,
    'look / replay:',
    ...a.commands.map((c) => `  ${c}`),
  ].join('\n');
}
