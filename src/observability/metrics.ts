/**
 * Patchbay's metrics: the domain's own names (`integration.<name>.success_count`,
 * `integration.<name>.latency_p99_ms`, `integration.<name>.error_count_by_kind`,
 * ...) kept as plain numbers for `patchbay status --json`, and the same facts
 * exported to Prometheus as labelled series (`patchbay_integration_success_count{integration="gps-positions"}`).
 *
 * Everything lives on a private prom-client Registry (no hidden global
 * registration, so two runtimes or two tests never share counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorKind } from '../core/errors.js';
import { LatencyWindow } from './latency-window.js';

/**
 * Where an item is in its journey; the `stage` label of `items_total`.
 *
 * @example
 * ```ts
 * metrics.recordItems('orders-sync', 'read', batch.items.length);
 * metrics.recordItems('orders-sync', 'dead_lettered' satisfies ItemStage);
 * ```
 */
export type ItemStage = 'read' | 'written' | 'skipped' | 'dead_lettered';

/**
 * Circuit breaker state; exported as 0 (closed), 1 (half-open), 2 (open).
 *
 * @example
 * ```ts
 * pipeline.breaker?.onStateChange((e) =>
 *   metrics.setBreakerState('crm-api', e.to === 'half_open' ? 'half-open' : e.to === 'closed' ? 'closed' : 'open'),
 * );
 * ```
 */
export type BreakerState = 'closed' | 'half-open' | 'open' | 0 | 1 | 2;

/**
 * The facts about one external call that metrics need (a {@link CallRecord} fits).
 *
 * @example
 * ```ts
 * const call: CallMetric = { integration: 'gps-positions', outcome: 'failure', errorKind: 'timeout', latencyMs: 30_000 };
 * metrics.recordCall(call);
 * ```
 */
export interface CallMetric {
  integration: string;
  outcome: 'success' | 'failure';
  /** The classified kind of a failure. A failure without one is counted under `unclassified`. */
  errorKind?: ErrorKind;
  latencyMs: number;
  /** The answer was last-known-good data served while the breaker was open. */
  stale?: boolean;
}

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

const DEFAULT_BUCKETS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000];
const BREAKER_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;
const UNCLASSIFIED = 'unclassified';

type CounterChild = ReturnType<Counter<string>['labels']>;
type HistogramChild = ReturnType<Histogram<string>['labels']>;

/** Everything about one integration, so a call costs one Map lookup. */
interface IntegrationState {
  success: number;
  successChild: CounterChild;
  latencyChildren: Record<'success' | 'failure', HistogramChild>;
  errors: Map<string, { n: number; child: CounterChild }>;
  items: Map<ItemStage, { n: number; child: CounterChild }>;
  staleServed: number;
  staleChild: CounterChild;
  window: LatencyWindow;
  freshness?: { seconds: number } | { since: number };
  /** Per entity stream: when its data was last delivered (epoch ms). */
  streams: Map<string, number>;
  deadLetterDepth?: number;
  breaker?: number;
  /** Schema drift events by kind (added, removed, retyped). */
  drift: Map<string, { n: number; child: CounterChild }>;
  /** 1 while recorded drift is unacknowledged, else 0. */
  driftState?: number;
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
 * (0 closed, 1 half-open, 2 open), `patchbay_integration_items_total{stage}`,
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
  readonly #success: Counter<'integration'>;
  readonly #errors: Counter<'integration' | 'kind'>;
  readonly #latency: Histogram<'integration' | 'outcome'>;
  readonly #stale: Counter<'integration'>;
  readonly #items: Counter<'integration' | 'stage'>;
  readonly #drift: Counter<'integration' | 'kind'>;

  constructor(options: PatchbayMetricsOptions = {}) {
    this.registry = new Registry();
    this.contentType = this.registry.contentType;
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.latencyWindowMs ?? 300_000;
    const registers = [this.registry];
    const states = this.#state;

    this.#success = new Counter({
      name: 'patchbay_integration_success_count',
      help: 'Successful external calls (integration.<name>.success_count).',
      labelNames: ['integration'],
      registers,
    });
    this.#errors = new Counter({
      name: 'patchbay_integration_error_count_by_kind',
      help: 'Failed external calls by error kind (integration.<name>.error_count_by_kind).',
      labelNames: ['integration', 'kind'],
      registers,
    });
    this.#latency = new Histogram({
      name: 'patchbay_integration_latency_ms',
      help: 'Latency of external calls in milliseconds.',
      labelNames: ['integration', 'outcome'],
      buckets: options.latencyBuckets ?? DEFAULT_BUCKETS,
      registers,
    });
    this.#stale = new Counter({
      name: 'patchbay_integration_stale_served',
      help: 'Answers served from last-known-good data (integration.<name>.stale_served).',
      labelNames: ['integration'],
      registers,
    });
    this.#items = new Counter({
      name: 'patchbay_integration_items_total',
      help: 'Items by stage: read, written, skipped, dead_lettered (integration.<name>.items_total).',
      labelNames: ['integration', 'stage'],
      registers,
    });
    this.#drift = new Counter({
      name: 'patchbay_integration_drift_events_total',
      help: 'Source schema drift events seen by mapping steps, by kind: added, removed, retyped (integration.<name>.drift_events_total).',
      labelNames: ['integration', 'kind'],
      registers,
    });

    // Gauges are derived from the per-integration state at scrape time, so the
    // snapshot and Prometheus can never disagree, and freshness keeps growing
    // between runs (a static gauge would not alert when runs stop).
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
    const freshness = (s: IntegrationState) => this.#freshness(s);
    const age = (since: number) => this.#age(since);
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
    gauge(
      'patchbay_integration_breaker_state',
      'Circuit breaker: 0 closed, 1 half-open, 2 open (integration.<name>.breaker_state).',
      (s) => s.breaker,
    );
    gauge(
      'patchbay_integration_schema_drift',
      'Source schema drift recorded and not acknowledged: 1, else 0 (integration.<name>.schema_drift).',
      (s) => s.driftState,
    );

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
    const s = this.#get(call.integration);
    if (call.outcome === 'success') {
      s.success += 1;
      s.successChild.inc();
    } else {
      const kind = call.errorKind ?? UNCLASSIFIED;
      let e = s.errors.get(kind);
      if (!e) {
        e = { n: 0, child: this.#errors.labels(call.integration, kind) };
        s.errors.set(kind, e);
      }
      e.n += 1;
      e.child.inc();
    }
    if (Number.isFinite(call.latencyMs)) {
      const ms = Math.max(0, call.latencyMs);
      s.latencyChildren[call.outcome === 'success' ? 'success' : 'failure'].observe(ms);
      s.window.observe(ms);
    }
    if (call.stale) this.#staleServed(s);
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
    const s = this.#get(integration);
    let it = s.items.get(stage);
    if (!it) {
      it = { n: 0, child: this.#items.labels(integration, stage) };
      s.items.set(stage, it);
    }
    it.n += n;
    it.child.inc(n);
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
   * Sets `breaker_state`: `'closed'`/0, `'half-open'`/1, `'open'`/2.
   *
   * @example
   * ```ts
   * breaker.onStateChange((state) => metrics.setBreakerState('gps-positions', state));
   * ```
   */
  setBreakerState(integration: string, state: BreakerState): void {
    this.#get(integration).breaker = typeof state === 'number' ? state : BREAKER_VALUES[state];
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
    const s = this.#get(integration);
    let d = s.drift.get(kind);
    if (!d) {
      d = { n: 0, child: this.#drift.labels(integration, kind) };
      s.drift.set(kind, d);
    }
    d.n += n;
    d.child.inc(n);
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
    this.#staleServed(this.#get(integration));
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
      const fresh = this.#freshness(s);
      if (fresh !== undefined) out[`${p}freshness_seconds`] = fresh;
      for (const [stream, since] of s.streams) {
        out[`${p}freshness_seconds.${stream}`] = this.#age(since);
      }
      if (s.deadLetterDepth !== undefined) out[`${p}dead_letter_depth`] = s.deadLetterDepth;
      out[`${p}stale_served`] = s.staleServed;
      if (s.breaker !== undefined) out[`${p}breaker_state`] = s.breaker;
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
    const successChild = this.#success.labels(integration);
    const staleChild = this.#stale.labels(integration);
    // inc(0) makes the series appear at zero instead of being absent.
    successChild.inc(0);
    staleChild.inc(0);
    s = {
      success: 0,
      successChild,
      latencyChildren: {
        success: this.#latency.labels(integration, 'success'),
        failure: this.#latency.labels(integration, 'failure'),
      },
      errors: new Map(),
      items: new Map(),
      drift: new Map(),
      streams: new Map(),
      staleServed: 0,
      staleChild,
      window: new LatencyWindow({ windowMs: this.#windowMs, now: this.#now }),
    };
    this.#state.set(integration, s);
    return s;
  }

  #staleServed(s: IntegrationState): void {
    s.staleServed += 1;
    s.staleChild.inc();
  }

  #freshness(s: IntegrationState): number | undefined {
    const f = s.freshness;
    if (!f) return undefined;
    if ('seconds' in f) return f.seconds;
    return this.#age(f.since);
  }

  #age(since: number): number {
    return Math.max(0, (this.#now() - since) / 1000);
  }
}
