/**
 * Turns a validated `alerts` config into sinks and rules.
 */
import { parseDuration } from '../../core/duration.js';
import { emailSink } from '../alert-sinks/email.js';
import { serviceNowSink } from '../alert-sinks/servicenow.js';
import { slackSink } from '../alert-sinks/slack.js';
import type { AlertSink } from '../alert-sinks/types.js';
import { webhookSink } from '../alert-sinks/webhook.js';
import type { AlertsOptions } from './config.js';
import { schemaDriftRule } from './drift-rule.js';
import { fileExpectationRule } from './file-rule.js';
import {
  anomalyRule,
  breakerOpenRule,
  deadLetterRule,
  errorRateRule,
  freshnessRule,
  latencyRule,
} from './rules.js';
import type { AlertRule } from './types.js';

/**
 * The sinks named in an alerts config.
 *
 * @example
 * ```ts
 * const sinks = sinksFromConfig(project.alerts);
 * ```
 */
export function sinksFromConfig(config: AlertsOptions): AlertSink[] {
  return Object.entries(config.sinks).map(([name, s]) => {
    switch (s.type) {
      case 'servicenow':
        return serviceNowSink({ name, ...withoutType(s) });
      case 'webhook':
        return webhookSink({ name, url: s.url, secret: s.secret });
      case 'slack':
        return slackSink({ name, url: s.url });
      case 'email':
        return emailSink({ name, ...withoutType(s) });
    }
  });
}

function withoutType<T extends { type: string }>(s: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = s;
  return rest;
}

/**
 * The rules an alerts config enables (freshness per integration and stream,
 * schema drift, dead letters, breaker and file expectations by default;
 * error rate, latency and anomalies when declared).
 *
 * @example
 * ```ts
 * const rules = rulesFromConfig({ sinks: {}, route: [], rules: { errorRate: { perMinute: 5 } } });
 * ```
 */
export function rulesFromConfig(config: AlertsOptions): AlertRule[] {
  const r = config.rules ?? {};
  const rules: AlertRule[] = [];
  if (r.freshness !== false) {
    rules.push(freshnessRule(typeof r.freshness === 'object' ? r.freshness : {}));
  }
  if (r.deadLetters !== false) rules.push(deadLetterRule(r.deadLetters ?? {}));
  if (r.breakerOpen !== false) {
    rules.push(breakerOpenRule(r.breakerOpen ? { forMs: parseDuration(r.breakerOpen.for) } : {}));
  }
  if (r.errorRate) rules.push(errorRateRule(r.errorRate));
  if (r.latency) rules.push(latencyRule(r.latency));
  for (const { value, ...tuning } of r.anomaly ?? []) {
    rules.push(anomalyRule({ name: value, value: (o) => o.values?.[value], ...tuning }));
  }
  if (r.schemaDrift !== false) {
    rules.push(
      schemaDriftRule(r.schemaDrift ? { quietForMs: parseDuration(r.schemaDrift.quietFor) } : {}),
    );
  }
  if (r.files !== false) {
    rules.push(
      fileExpectationRule(
        r.files ? { duplicateQuietMs: parseDuration(r.files.duplicateQuietFor) } : {},
      ),
    );
  }
  return rules;
}
