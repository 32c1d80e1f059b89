/**
 * Patchbay's metrics: the domain's own names (`integration.<name>.success_count`,
 * `integration.<name>.latency_p99_ms`, `integration.<name>.error_count_by_kind`,
 * ...) kept as plain numbers for `patchbay status --json`, and the same facts
 * exported to Prometheus as labelled series (`patchbay_integration_success_count{integration="gps-positions"}`).
 *
 * Everything lives on a private prom-client Registry (no hidden global
 * registration, so two runtimes or two tests never share counters).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  countCall,
  countItems,
  countStaleServed,
  type CallMetric,
  type ItemStage,
} from './call-metrics.js';
import {
  ageSeconds,
  breakerValue,
  countDrift,
  freshnessOf,
  type BreakerState,
} from './health-metrics.js';
import {
  defineSeries,
  newIntegrationState,
  type IntegrationState,
  type MetricSeries,
} from './metric-series.js';

export type { BreakerState } from './health-metrics.js';
export type { CallMetric, ItemStage } from './call-metrics.js';

/**
 * Options for {@link PatchbayMetrics}.
 *
 * @example
 * ```ts
 * const metrics = new PatchbayMetrics({
 *   defaultMetrics: true,
 *   latencyWindowMs: 60_000,
 *   latencyBuckets: [10, 50, 100, 500, 1000, 5000],
 * } satisfies PatchbayMetricsOptions);
 * ```
 */
export interface PatchbayMetricsOptions {
  /** Also collect Node.js process metrics (CPU, memory, event loop lag, GC) on this registry. Default `false`. */
  defaultMetrics?: boolean;
  /** Sliding window of `latency_p99_ms`. Default 300 000 (5 minutes), advancing in 5 steps. */
  latencyWindowMs?: number;
  /** Upper bounds (ms) of the `patchbay_integration_latency_ms` histogram buckets. Default 5 ms … 60 s. */
  latencyBuckets?: number[];
  /** Clock for the latency window and freshness, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * The metrics of one Patchbay process.
 *
 * Prometheus series (all labelled by `integration`):
 * `patchbay_integration_success_count`, `patchbay_integration_error_count_by_kind{kind}`,
 * `patchbay_integration_latency_ms` (histogram, `outcome` label),
 * `patchbay_integration_latency_p99_ms` (computed at scrape over the last 5 minutes),
 * `patchbay_integration_freshness_seconds` (also per entity stream, with a `stream` label),
 * `patchbay_integration_dead_letter_depth`,
 * `patchbay_integration_stale_served`, `patchbay_integration_breaker_state`
 * (0 closed, 1 half-open, 2 open; the source's, and with `side="sink"` the
 * breaker of steps and sink writes), `patchbay_integration_items_total{stage}`,
 * `patchbay_integration_drift_events_total{kind}` (schema drift events seen by
 * mapping steps) and `patchbay_integration_schema_drift` (1 while recorded
 * drift is unacknowledged).
 *
 * @example
 * ```ts
 * import { PatchbayMetrics } from 'patchbay/observability';
 * const metrics = new PatchbayMetrics({ defaultMetrics: true });
 * metrics.recordCall({ integration: 'gps-positions', outcome: 'success', latencyMs: 42 });
 * metrics.snapshot()['integration.gps-positions.success_count']; // 1
 * const text = await metrics.prometheus(); // serve with metrics.contentType
 * ```
 */
export class PatchbayMetrics {
  /** The private registry; add your own metrics with `registers: [metrics.registry]`. */
  readonly registry: Registry;
  /** The `Content-Type` of {@link PatchbayMetrics.prometheus}'s output. */
  readonly contentType: string;

  readonly #state = new Map<string, IntegrationState>();
  readonly #now: () => number;
  readonly #windowMs: number;
  readonly #series: MetricSeries;

  constructor(options: PatchbayMetricsOptions = {}) {
    this.registry = new Registry();
    this.contentType = this.registry.contentType;
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.latencyWindowMs ?? 300_000;
    this.#series = defineSeries(this.registry, this.#state, {
      freshness: (s) => freshnessOf(s, this.#now),
      age: (since) => ageSeconds(since, this.#now),
      latencyBuckets: options.latencyBuckets,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Makes an integration's zero-valued series exist before its first call,
   * so dashboards and `rate()` see it from the start. Recording does this
   * implicitly; the runtime calls it for every loaded integration.
   *
   * @example
   * ```ts
   * metrics.registerIntegration('gps-positions');
   * ```
   */
  registerIntegration(integration: string): void {
    this.#get(integration);
  }

  /**
   * Counts one external call: success count or error count by kind, latency
   * histogram and p99 window, and `stale_served` when `stale` is true.
   * Cheap: one Map lookup and cached label children.
   *
   * @example
   * ```ts
   * metrics.recordCall({ integration: 'gps-positions', outcome: 'failure', errorKind: 'timeout', latencyMs: 30_000 });
   * ```
   */
  recordCall(call: CallMetric): void {
    countCall(this.#series, this.#get(call.integration), call);
  }

  /**
   * Adds `n` (default 1) items at a stage to `items_total`. Non-positive `n` is ignored.
   *
   * @example
   * ```ts
   * metrics.recordItems('sap-loads', 'read', 250);
   * metrics.recordItems('sap-loads', 'dead_lettered', 2);
   * ```
   */
  recordItems(integration: string, stage: ItemStage, n = 1): void {
    if (!(n > 0)) return;
    countItems(this.#series, this.#get(integration), integration, stage, n);
  }

  /**
   * Sets `freshness_seconds` to a fixed value (when the caller computes data age itself).
   * Prefer {@link PatchbayMetrics.markFresh}, which keeps the age growing between runs.
   *
   * @example
   * ```ts
   * metrics.setFreshness('hr-extract', 3600);
   * ```
   */
  setFreshness(integration: string, seconds: number): void {
    this.#get(integration).freshness = { seconds };
  }

  /**
   * Records that the integration's data was fresh at `atMs` (default now);
   * `freshness_seconds` is then the time since, computed at every scrape.
   *
   * @example
   * ```ts
   * metrics.markFresh('gps-positions');                  // just delivered
   * metrics.markFresh('sap-loads', Date.parse(fileTime)); // data as of the file's time
   * ```
   */
  markFresh(integration: string, atMs: number = this.#now()): void {
    this.#get(integration).freshness = { since: atMs };
  }

  /**
   * Records that one entity stream of the integration delivered data at
   * `atMs` (default now); exported as `freshness_seconds` with a `stream`
   * label and in the snapshot as `integration.<name>.freshness_seconds.<stream>`.
   * The integration's own freshness is not touched.
   *
   * @example
   * ```ts
   * metrics.markStreamFresh('fleet', 'positions', checkpoint.updatedAt);
   * ```
   */
  markStreamFresh(integration: string, stream: string, atMs: number = this.#now()): void {
    this.#get(integration).streams.set(stream, atMs);
  }

  /**
   * Sets `dead_letter_depth` (dead letters waiting for a retry or a drop).
   *
   * @example
   * ```ts
   * metrics.setDeadLetterDepth('gps-positions', await store.deadLetters.count('gps-positions'));
   * ```
   */
  setDeadLetterDepth(integration: string, n: number): void {
    this.#get(integration).deadLetterDepth = n;
  }

  /**
   * Sets `breaker_state`: `'closed'`/0, `'half-open'`/1, `'open'`/2. `side`
   * `'sink'` sets the breaker of steps and sink writes (the series labelled
   * `side="sink"`, `breaker_state.sink` in the snapshot); the default is the
   * source's.
   *
   * @example
   * ```ts
   * breaker.onStateChange((state) => metrics.setBreakerState('gps-positions', state));
   * metrics.setBreakerState('orders-to-warehouse', 'open', 'sink');
   * ```
   */
  setBreakerState(
    integration: string,
    state: BreakerState,
    side: 'source' | 'sink' = 'source',
  ): void {
    const s = this.#get(integration);
    if (side === 'sink') s.sinkBreaker = breakerValue(state);
    else s.breaker = breakerValue(state);
  }

  /**
   * Counts schema drift events of one kind (`drift_events_total{kind}`).
   * Non-positive `n` is ignored.
   *
   * @example
   * ```ts
   * metrics.recordDrift('employees', 'added', 2);
   * ```
   */
  recordDrift(integration: string, kind: string, n = 1): void {
    if (!(n > 0)) return;
    countDrift(this.#series, this.#get(integration), integration, kind, n);
  }

  /**
   * Sets `schema_drift`: whether drift is recorded and not acknowledged
   * (from the store's drift record, which any process may have written).
   *
   * @example
   * ```ts
   * metrics.setDriftState('employees', status.drift !== null && status.drift.acknowledgedAt === null);
   * ```
   */
  setDriftState(integration: string, drifting: boolean): void {
    this.#get(integration).driftState = drifting ? 1 : 0;
  }

  /**
   * Counts one answer served from last-known-good data (`stale_served`).
   *
   * @example
   * ```ts
   * metrics.recordStaleServed('gps-positions');
   * ```
   */
  recordStaleServed(integration: string): void {
    countStaleServed(this.#get(integration));
  }

  /**
   * Every metric under its domain name, for `patchbay status --json`.
   * Labelled metrics append the label value (`...error_count_by_kind.timeout`,
   * `...items_total.read`); gauges never set, and p99 with no calls in the
   * window, are absent.
   *
   * @example
   * ```ts
   * metrics.snapshot();
   * // { 'integration.gps-positions.success_count': 12,
   * //   'integration.gps-positions.error_count_by_kind.timeout': 1,
   * //   'integration.gps-positions.latency_p99_ms': 840, ... }
   * ```
   */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, s] of this.#state) {
      const p = `integration.${name}.`;
      out[`${p}success_count`] = s.success;
      for (const [kind, e] of s.errors) out[`${p}error_count_by_kind.${kind}`] = e.n;
      const p99 = s.window.quantile(0.99);
      if (p99 !== undefined) out[`${p}latency_p99_ms`] = p99;
      const fresh = freshnessOf(s, this.#now);
      if (fresh !== undefined) out[`${p}freshness_seconds`] = fresh;
      for (const [stream, since] of s.streams) {
        out[`${p}freshness_seconds.${stream}`] = ageSeconds(since, this.#now);
      }
      if (s.deadLetterDepth !== undefined) out[`${p}dead_letter_depth`] = s.deadLetterDepth;
      out[`${p}stale_served`] = s.staleServed;
      out[`${p}not_modified`] = s.notModified;
      if (s.breaker !== undefined) out[`${p}breaker_state`] = s.breaker;
      if (s.sinkBreaker !== undefined) out[`${p}breaker_state.sink`] = s.sinkBreaker;
      for (const [stage, it] of s.items) out[`${p}items_total.${stage}`] = it.n;
      for (const [kind, d] of s.drift) out[`${p}drift_events_total.${kind}`] = d.n;
      if (s.driftState !== undefined) out[`${p}schema_drift`] = s.driftState;
    }
    return out;
  }

  /**
   * The Prometheus text exposition of every metric on the registry.
   *
   * @example
   * ```ts
   * reply.header('content-type', metrics.contentType).send(await metrics.prometheus());
   * ```
   */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  #get(integration: string): IntegrationState {
    let s = this.#state.get(integration);
    if (s) return s;
    s = newIntegrationState(this.#series, integration, this.#windowMs, this.#now);
    this.#state.set(integration, s);
    return s;
  }
}
