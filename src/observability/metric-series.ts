/**
 * The series behind {@link PatchbayMetrics} and the per-integration state they
 * are read from. Every series is defined here, in one place and one order, so
 * the Prometheus exposition keeps its order however the recording code
 * (call-metrics.ts, health-metrics.ts) is arranged.
 *
 * Counters are incremented as facts are recorded; gauges are derived from the
 * state at scrape time, so the snapshot and Prometheus can never disagree, and
 * freshness keeps growing between runs (a static gauge would not alert when
 * runs stop).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ItemStage } from './call-metrics.js';
import { LatencyWindow } from './latency-window.js';

const DEFAULT_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];

/**
 * A label child of a counter, kept so a recording skips prom-client's label lookup.
 *
 * @example
 * ```ts
 * const child: CounterChild = series.success.labels('gps-positions');
 * child.inc();
 * ```
 */
export type CounterChild = ReturnType<Counter<string>['labels']>;

type HistogramChild = ReturnType<Histogram<string>['labels']>;

/**
 * A labelled count: the plain number for the snapshot and its Prometheus child.
 *
 * @example
 * ```ts
 * const c: LabelledCount = { n: 0, child: series.items.labels('sap-loads', 'read') };
 * ```
 */
export interface LabelledCount {
  n: number;
  child: CounterChild;
}

/**
 * Everything about one integration, so a recording costs one Map lookup.
 *
 * @example
 * ```ts
 * const s: IntegrationState = newIntegrationState(series, 'gps-positions', 300_000, Date.now);
 * s.deadLetterDepth = 3;
 * ```
 */
export interface IntegrationState {
  success: number;
  successChild: CounterChild;
  latencyChildren: Record<'success' | 'failure', HistogramChild>;
  errors: Map<string, LabelledCount>;
  items: Map<ItemStage, LabelledCount>;
  staleServed: number;
  staleChild: CounterChild;
  notModified: number;
  notModifiedChild: CounterChild;
  window: LatencyWindow;
  freshness?: { seconds: number } | { since: number };
  /** Per entity stream: when its data was last delivered (epoch ms). */
  streams: Map<string, number>;
  deadLetterDepth?: number;
  breaker?: number;
  /** The breaker of steps and sink writes (`<id>:sink`), exported with `side="sink"`. */
  sinkBreaker?: number;
  /** Schema drift events by kind (added, removed, retyped). */
  drift: Map<string, LabelledCount>;
  /** 1 while recorded drift is unacknowledged, else 0. */
  driftState?: number;
}

/**
 * The series that recording writes to; the gauges need no handle, they read
 * the state themselves.
 *
 * @example
 * ```ts
 * const series: MetricSeries = defineSeries(registry, states, seriesOptions);
 * series.items.labels('sap-loads', 'read').inc(250);
 * ```
 */
export interface MetricSeries {
  success: Counter<'integration'>;
  errors: Counter<'integration' | 'kind'>;
  latency: Histogram<'integration' | 'outcome'>;
  stale: Counter<'integration'>;
  notModified: Counter<'integration'>;
  items: Counter<'integration' | 'stage'>;
  drift: Counter<'integration' | 'kind'>;
}

/**
 * How the scrape-time gauges read ages, and the histogram's buckets.
 *
 * @example
 * ```ts
 * const o: SeriesOptions = { freshness: (s) => freshnessOf(s, Date.now), age: (since) => ageSeconds(since, Date.now) };
 * ```
 */
export interface SeriesOptions {
  /** The integration's `freshness_seconds`; undefined leaves the series absent. */
  freshness: (s: IntegrationState) => number | undefined;
  /** Seconds since an entity stream's last delivery (epoch ms). */
  age: (since: number) => number;
  latencyBuckets?: number[] | undefined;
}

/**
 * Defines every series of {@link PatchbayMetrics} on `registry`; the gauges
 * read `states` (the live map, filled later) at each scrape.
 *
 * @example
 * ```ts
 * const states = new Map<string, IntegrationState>();
 * const series = defineSeries(new Registry(), states, {
 *   freshness: (s) => freshnessOf(s, Date.now),
 *   age: (since) => ageSeconds(since, Date.now),
 *   latencyBuckets: [10, 100, 1000],
 * });
 * ```
 */
export function defineSeries(
  registry: Registry,
  states: ReadonlyMap<string, IntegrationState>,
  options: SeriesOptions,
): MetricSeries {
  const registers = [registry];
  const { freshness, age } = options;
  const series: MetricSeries = {
    success: new Counter({
      name: 'patchbay_integration_success_count',
      help: 'Successful external calls (integration.<name>.success_count).',
      labelNames: ['integration'],
      registers,
    }),
    errors: new Counter({
      name: 'patchbay_integration_error_count_by_kind',
      help: 'Failed external calls by error kind (integration.<name>.error_count_by_kind).',
      labelNames: ['integration', 'kind'],
      registers,
    }),
    latency: new Histogram({
      name: 'patchbay_integration_latency_ms',
      help: 'Latency of external calls in milliseconds.',
      labelNames: ['integration', 'outcome'],
      buckets: options.latencyBuckets ?? DEFAULT_BUCKETS,
      registers,
    }),
    notModified: new Counter({
      name: 'patchbay_integration_not_modified',
      help: 'Calls answered 304 Not Modified: the cached response stood, nothing was processed (integration.<name>.not_modified).',
      labelNames: ['integration'],
      registers,
    }),
    stale: new Counter({
      name: 'patchbay_integration_stale_served',
      help: 'Answers served from last-known-good data (integration.<name>.stale_served).',
      labelNames: ['integration'],
      registers,
    }),
    items: new Counter({
      name: 'patchbay_integration_items_total',
      help: 'Items by stage: read, written, skipped, dead_lettered (integration.<name>.items_total).',
      labelNames: ['integration', 'stage'],
      registers,
    }),
    drift: new Counter({
      name: 'patchbay_integration_drift_events_total',
      help: 'Source schema drift events seen by mapping steps, by kind: added, removed, retyped (integration.<name>.drift_events_total).',
      labelNames: ['integration', 'kind'],
      registers,
    }),
  };

  const gauge = (name: string, help: string, read: (s: IntegrationState) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['integration'],
      registers,
      collect(this: Gauge<'integration'>) {
        this.reset();
        for (const [integration, s] of states) {
          const v = read(s);
          if (v !== undefined) this.set({ integration }, v);
        }
      },
    });
  gauge(
    'patchbay_integration_latency_p99_ms',
    'p99 call latency in ms over the last 5 minutes (integration.<name>.latency_p99_ms); absent when there were no calls.',
    (s) => s.window.quantile(0.99),
  );
  // One gauge, two kinds of series: without `stream` the integration's age
  // (integration.<name>.freshness_seconds, unchanged), with `stream` each
  // entity stream's age, so one alert expression covers both and
  // `{stream=""}` selects the integration-level series.
  new Gauge({
    name: 'patchbay_integration_freshness_seconds',
    help: 'Age of the newest successfully processed data in seconds (integration.<name>.freshness_seconds); with a stream label, the age of that entity stream (integration.<name>.freshness_seconds.<stream>).',
    labelNames: ['integration', 'stream'],
    registers,
    collect(this: Gauge<'integration' | 'stream'>) {
      this.reset();
      for (const [integration, s] of states) {
        const v = freshness(s);
        if (v !== undefined) this.set({ integration }, v);
        for (const [stream, since] of s.streams) this.set({ integration, stream }, age(since));
      }
    },
  });
  gauge(
    'patchbay_integration_dead_letter_depth',
    'Dead letters waiting (integration.<name>.dead_letter_depth).',
    (s) => s.deadLetterDepth,
  );
  // Like freshness: without `side` the source's breaker (the series as it always
  // was), with `side="sink"` the breaker of steps and sink writes.
  new Gauge({
    name: 'patchbay_integration_breaker_state',
    help: 'Circuit breaker: 0 closed, 1 half-open, 2 open; the source\'s (integration.<name>.breaker_state), with side="sink" the one of steps and sink writes (integration.<name>.breaker_state.sink).',
    labelNames: ['integration', 'side'],
    registers,
    collect(this: Gauge<'integration' | 'side'>) {
      this.reset();
      for (const [integration, s] of states) {
        if (s.breaker !== undefined) this.set({ integration }, s.breaker);
        if (s.sinkBreaker !== undefined) this.set({ integration, side: 'sink' }, s.sinkBreaker);
      }
    },
  });
  gauge(
    'patchbay_integration_schema_drift',
    'Source schema drift recorded and not acknowledged: 1, else 0 (integration.<name>.schema_drift).',
    (s) => s.driftState,
  );
  return series;
}

/**
 * The state of an integration seen for the first time, with its always-present
 * series created at zero.
 *
 * @example
 * ```ts
 * states.set('gps-positions', newIntegrationState(series, 'gps-positions', 300_000, Date.now));
 * ```
 */
export function newIntegrationState(
  series: MetricSeries,
  integration: string,
  windowMs: number,
  now: () => number,
): IntegrationState {
  const successChild = series.success.labels(integration);
  const staleChild = series.stale.labels(integration);
  // inc(0) makes the series appear at zero instead of being absent.
  successChild.inc(0);
  staleChild.inc(0);
  const notModifiedChild = series.notModified.labels(integration);
  notModifiedChild.inc(0);
  return {
    success: 0,
    successChild,
    latencyChildren: {
      success: series.latency.labels(integration, 'success'),
      failure: series.latency.labels(integration, 'failure'),
    },
    errors: new Map(),
    items: new Map(),
    drift: new Map(),
    streams: new Map(),
    staleServed: 0,
    staleChild,
    notModified: 0,
    notModifiedChild,
    window: new LatencyWindow({ windowMs, now }),
  };
}

/**
 * Adds `n` to the count under `key`, creating its label child on first use.
 *
 * @example
 * ```ts
 * addLabelled(s.items, 'read', () => series.items.labels('sap-loads', 'read'), 250);
 * ```
 */
export function addLabelled<K>(
  counts: Map<K, LabelledCount>,
  key: K,
  child: () => CounterChild,
  n: number,
): void {
  let c = counts.get(key);
  if (!c) {
    c = { n: 0, child: child() };
    counts.set(key, c);
  }
  c.n += n;
  c.child.inc(n);
}
