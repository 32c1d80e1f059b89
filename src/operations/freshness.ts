/**
 * The freshness monitor: in the runtime process, every `intervalMs` it reads
 * every integration's status, feeds the freshness gauges
 * (`integration.<id>.freshness_seconds`, and per entity stream
 * `integration.<id>.freshness_seconds.<stream>`) and hands the statuses to the alert
 * engine, so a breach opens an alert whether or not anyone scrapes /metrics.
 * Each observation also carries the integration's metrics and the per-minute
 * rate of its counters since the previous evaluation, which anomaly rules
 * compare with their baseline.
 */
import type { PatchbayMetrics } from '../observability/metrics.js';
import type { IntegrationStatus } from '../runtime/status.js';
import type { Store } from '../store/types.js';
import { trackFileExpectations } from './file-expectations.js';
import type { AlertEngine } from './alerts/engine.js';
import type { AlertNotification, Observation } from './alerts/types.js';

/**
 * Options of {@link FreshnessMonitor}.
 *
 * @example
 * ```ts
 * const options: FreshnessMonitorOptions = {
 *   read: () => runtime.status(),
 *   engine,
 *   metrics,
 *   onError: (err) => logger.error({ err }, 'alert evaluation failed'),
 * };
 * const monitor = new FreshnessMonitor(options);
 * monitor.start(30_000);
 * ```
 */
export interface FreshnessMonitorOptions {
  /** Reads statuses, e.g. `() => runtime.status()`. */
  read: () => Promise<IntegrationStatus[]>;
  engine?: AlertEngine | undefined;
  metrics?: PatchbayMetrics | undefined;
  /** Clock, injectable for tests [Date.now]. */
  now?: () => number;
  /** With a store, file expectations are tracked too (gauges, each late/missing date counted once). */
  store?: Store | undefined;
  onError?: (err: unknown) => void;
}

/**
 * Evaluates freshness and alert rules periodically.
 *
 * @example
 * ```ts
 * const monitor = new FreshnessMonitor({ read: () => runtime.status(), engine, metrics });
 * monitor.start(30_000);
 * // ... on shutdown
 * await monitor.stop();
 * ```
 */
export class FreshnessMonitor {
  readonly #o: FreshnessMonitorOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #previous: { at: number; snapshot: Record<string, number> } | undefined;

  constructor(options: FreshnessMonitorOptions) {
    this.#o = options;
  }

  /** One evaluation: gauges, then rules. Returns the alert events it enqueued. */
  async evaluate(): Promise<AlertNotification[]> {
    const now = (this.#o.now ?? Date.now)();
    const statuses = await this.#o.read();
    if (this.#o.store) {
      await trackFileExpectations(this.#o.store, statuses, now, this.#o.metrics);
    }
    const snapshot = this.#o.metrics?.snapshot() ?? {};
    const previous = this.#previous;
    this.#previous = { at: now, snapshot };
    const observations: Observation[] = statuses.map((status) => {
      if (status.lastSuccessAt !== null)
        this.#o.metrics?.markFresh(status.id, status.lastSuccessAt);
      for (const st of status.streams) {
        this.#o.metrics?.markStreamFresh(status.id, st.stream, st.lastDeliveryAt);
      }
      const p99 = snapshot[`integration.${status.id}.latency_p99_ms`];
      return { status, latencyP99Ms: p99, values: valuesOf(status.id, snapshot, now, previous) };
    });
    return this.#o.engine ? this.#o.engine.evaluate(observations, now) : [];
  }

  /** Evaluates every `intervalMs` (default 30 s) until {@link FreshnessMonitor.stop}. */
  start(intervalMs = 30_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.evaluate()
        .catch((err: unknown) => this.#o.onError?.(err))
        .finally(() => (this.#running = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops and waits for the evaluation in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

const COUNTER = /^(success_count|stale_served|error_count_by_kind\.|items_total\.)/;

/**
 * One integration's metrics under their short names (`items_total.read`), plus
 * `<counter>.per_minute` since the previous evaluation for every counter.
 */
function valuesOf(
  id: string,
  snapshot: Record<string, number>,
  now: number,
  previous: { at: number; snapshot: Record<string, number> } | undefined,
): Record<string, number> {
  const prefix = `integration.${id}.`;
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(snapshot)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    values[name] = value;
    if (!previous || now <= previous.at || !COUNTER.test(name)) continue;
    // A counter first seen since the previous evaluation started from zero.
    const before = previous.snapshot[key] ?? 0;
    // A counter that went down was reset (a new metrics registry): no rate this time.
    if (value >= before) {
      values[`${name}.per_minute`] = ((value - before) / (now - previous.at)) * 60_000;
    }
  }
  return values;
}
