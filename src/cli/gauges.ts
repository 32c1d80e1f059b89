/**
 * The store-derived metrics: freshness, dead-letter depth and breaker state
 * come from the store (another process may have moved them), so `run`
 * refreshes them from `runtime.status()` and `status --json` shows the same
 * facts under the same domain names.
 */
import type { PatchbayMetrics } from '../observability/metrics.js';
import type { IntegrationStatus } from '../runtime/status.js';

// Status values (half_open, isolated) as the gauge counts them: isolated is held open.
const BREAKER: Record<string, 0 | 1 | 2> = {
  closed: 0,
  'half-open': 1,
  half_open: 1,
  open: 2,
  isolated: 2,
};

/**
 * Sets the freshness, dead-letter depth and breaker gauges from statuses.
 *
 * @example
 * ```ts
 * applyStatusGauges(metrics, await runtime.status());
 * ```
 */
export function applyStatusGauges(
  metrics: PatchbayMetrics,
  statuses: readonly IntegrationStatus[],
): void {
  for (const s of statuses) {
    metrics.registerIntegration(s.id);
    if (s.lastSuccessAt !== null) metrics.markFresh(s.id, s.lastSuccessAt);
    for (const st of s.streams) metrics.markStreamFresh(s.id, st.stream, st.lastDeliveryAt);
    metrics.setDeadLetterDepth(s.id, s.deadLetters);
    const breaker = BREAKER[s.breaker];
    if (breaker !== undefined) metrics.setBreakerState(s.id, breaker);
    const sinkBreaker = BREAKER[s.sinkBreaker];
    if (sinkBreaker !== undefined) metrics.setBreakerState(s.id, sinkBreaker, 'sink');
    metrics.setDriftState(s.id, s.drift !== null && s.drift.acknowledgedAt === null);
  }
}

/**
 * The status facts under their metric names (`integration.<id>.freshness_seconds`,
 * `.freshness_seconds.<stream>` per entity stream,
 * `.dead_letter_depth`, `.breaker_state` (`.breaker_state.sink` for steps and sink
 * writes), `.error_count_by_kind.<kind>` over 24 h,
 * `.paused` and `.schema_drift`: 1 or 0).
 *
 * @example
 * ```ts
 * domainMetrics(statuses)['integration.orders.dead_letter_depth']; // 5
 * ```
 */
export function domainMetrics(statuses: readonly IntegrationStatus[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of statuses) {
    const p = `integration.${s.id}.`;
    if (s.freshnessSeconds !== null) out[`${p}freshness_seconds`] = s.freshnessSeconds;
    for (const st of s.streams) out[`${p}freshness_seconds.${st.stream}`] = st.freshnessSeconds;
    out[`${p}dead_letter_depth`] = s.deadLetters;
    const breaker = BREAKER[s.breaker];
    if (breaker !== undefined) out[`${p}breaker_state`] = breaker;
    const sinkBreaker = BREAKER[s.sinkBreaker];
    if (sinkBreaker !== undefined) out[`${p}breaker_state.sink`] = sinkBreaker;
    for (const [kind, n] of Object.entries(s.errorsByKind))
      out[`${p}error_count_by_kind.${kind}`] = n;
    out[`${p}paused`] = s.paused ? 1 : 0;
    // Unacknowledged drift only: an acknowledged one needs nobody any more.
    out[`${p}schema_drift`] = s.drift && s.drift.acknowledgedAt === null ? 1 : 0;
  }
  return out;
}

/**
 * Keeps the store-derived gauges current: every `intervalMs`, and shortly
 * after item activity (debounced, so a busy run refreshes once, not per batch).
 *
 * @example
 * ```ts
 * const gauges = new GaugeRefresher(() => runtime.status(), metrics, 15_000);
 * gauges.start();
 * // ... later
 * gauges.stop();
 * ```
 */
export class GaugeRefresher {
  readonly #read: () => Promise<IntegrationStatus[]>;
  readonly #metrics: PatchbayMetrics;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  #interval: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    read: () => Promise<IntegrationStatus[]>,
    metrics: PatchbayMetrics,
    intervalMs = 15_000,
    onError: (err: unknown) => void = () => {},
  ) {
    this.#read = read;
    this.#metrics = metrics;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  /** Starts the periodic refresh (timers never keep the process alive). */
  start(): void {
    this.#interval ??= setInterval(() => void this.refresh(), this.#intervalMs);
    this.#interval.unref();
  }

  /** Refreshes within a second; repeated calls within that second collapse into one. */
  soon(): void {
    if (this.#soon || !this.#interval) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.refresh();
    }, 1000);
    this.#soon.unref();
  }

  /** Refreshes now (one refresh at a time). */
  refresh(): Promise<void> {
    this.#running ??= this.#read()
      .then((statuses) => applyStatusGauges(this.#metrics, statuses))
      .catch(this.#onError)
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  /** Stops refreshing and waits for a refresh in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#interval);
    clearTimeout(this.#soon);
    this.#interval = undefined;
    this.#soon = undefined;
    await this.#running;
  }
}
