/**
 * Alerting in the runtime process: the freshness monitor (gauges + rules)
 * and the delivery worker, started together and stopped together. Without
 * an `alerts` config the monitor still feeds the freshness gauges.
 */
import type { Logger } from 'pino';
import { parseDuration } from '../core/duration.js';
import { expectationMetrics } from '../observability/expectation-metrics.js';
import type { PatchbayMetrics } from '../observability/metrics.js';
import type { IntegrationStatus } from '../runtime/status.js';
import type { Store } from '../store/types.js';
import { AlertDeliveryWorker } from './alert-sinks/delivery.js';
import type { AlertsOptions } from './alerts/config.js';
import { AlertEngine } from './alerts/engine.js';
import { rulesFromConfig, sinksFromConfig } from './alerts/from-config.js';
import { FreshnessMonitor } from './freshness.js';

/**
 * What {@link startAlerting} returns.
 *
 * @example
 * ```ts
 * const alerting: Alerting = startAlerting({ alerts: project.alerts, store, read: () => runtime.status(), logger });
 * await alerting.monitor.evaluate(); // evaluate once now, without waiting for the interval
 * // ... on shutdown: stops the monitor and the delivery worker (`worker` is undefined without `alerts`)
 * await alerting.stop();
 * ```
 */
export interface Alerting {
  monitor: FreshnessMonitor;
  worker: AlertDeliveryWorker | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the monitor (every `alerts.evaluateEvery`, default 30 s) and, with
 * sinks configured, the delivery worker (every 5 s).
 *
 * @example
 * ```ts
 * const alerting = startAlerting({ alerts: project.alerts, store, metrics, logger, read: () => runtime.status() });
 * // ... on shutdown
 * await alerting.stop();
 * ```
 */
export function startAlerting(options: {
  alerts: AlertsOptions | undefined;
  store: Store;
  read: () => Promise<IntegrationStatus[]>;
  metrics?: PatchbayMetrics;
  logger?: Logger;
  /** The clock of evaluations (the runtime's, in tests a fake one) [Date.now]. */
  now?: () => number;
}): Alerting {
  const { alerts, store, logger } = options;
  const engine = alerts
    ? new AlertEngine({
        store,
        rules: rulesFromConfig(alerts),
        route: alerts.route,
        escalation: alerts.escalation
          ? { afterMs: parseDuration(alerts.escalation.after), to: alerts.escalation.to }
          : undefined,
        // Every alert event leaves a log line and a metric, whatever the sinks do.
        onEvent: ({ event, alert }) => {
          const line = { event, alert: { ...alert, commands: undefined } };
          const msg = `alert ${event}: ${alert.integration} ${alert.condition}`;
          if (event === 'resolve') logger?.info(line, msg);
          else logger?.warn(line, msg);
          if (options.metrics) {
            expectationMetrics(options.metrics).countAlertEvent(
              alert.integration,
              alert.condition,
              event,
            );
          }
        },
      })
    : undefined;
  const monitor = new FreshnessMonitor({
    read: options.read,
    engine,
    store,
    now: options.now,
    metrics: options.metrics,
    onError: (err) => logger?.warn({ err }, 'alert evaluation failed'),
  });
  monitor.start(alerts?.evaluateEvery ? parseDuration(alerts.evaluateEvery) : 30_000);
  const worker = alerts
    ? new AlertDeliveryWorker({
        store,
        sinks: sinksFromConfig(alerts),
        onError: (err, destination, dead) =>
          logger?.warn(
            { err, destination, dead },
            dead ? 'alert delivery dead' : 'alert delivery failed; will retry',
          ),
      })
    : undefined;
  worker?.start();
  return {
    monitor,
    worker,
    async stop() {
      await monitor.stop();
      await worker?.stop();
    },
  };
}
