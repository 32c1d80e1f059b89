/**
 * The freshness monitor: in the runtime process, every `intervalMs` it reads
 * every integration's status, feeds the freshness gauges
 * (`integration.<id>.freshness_seconds`) and hands the statuses to the alert
 * engine, so a breach opens an alert whether or not anyone scrapes /metrics.
 */
import type { PatchbayMetrics } from '../observability/metrics.js';
import type { IntegrationStatus } from '../runtime/status.js';
import type { AlertEngine } from './alerts/engine.js';
import type { AlertNotification, Observation } from './alerts/types.js';

/** Options of {@link FreshnessMonitor}. */
export interface FreshnessMonitorOptions {
  /** Reads statuses, e.g. `() => runtime.status()`. */
  read: () => Promise<IntegrationStatus[]>;
  engine?: AlertEngine | undefined;
  metrics?: PatchbayMetrics | undefined;
  /** Clock, injectable for tests [Date.now]. */
  now?: () => number;
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

  constructor(options: FreshnessMonitorOptions) {
    this.#o = options;
  }

  /** One evaluation: gauges, then rules. Returns the alert events it enqueued. */
  async evaluate(): Promise<AlertNotification[]> {
    const now = (this.#o.now ?? Date.now)();
    const statuses = await this.#o.read();
    const snapshot = this.#o.metrics?.snapshot() ?? {};
    const observations: Observation[] = statuses.map((status) => {
      if (status.lastSuccessAt !== null)
        this.#o.metrics?.markFresh(status.id, status.lastSuccessAt);
      const p99 = snapshot[`integration.${status.id}.latency_p99_ms`];
      return { status, latencyP99Ms: p99 };
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
