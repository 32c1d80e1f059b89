/**
 * The webhook receiver's metrics, on the same private registry as
 * {@link PatchbayMetrics} so they appear on the admin server's `/metrics`:
 * what every request was answered (accepted, duplicate, rejected by status
 * and reason), how long the acknowledgement took, and what the processing
 * side did with stored events that were not applied normally (out of order
 * skipped or parked, claimed too often, re-verification failures on replay).
 *
 * The receiver and the `webhook` source only see the structural
 * `WebhookReceiverMetrics` shape (connectors do not depend on this folder);
 * this class implements it.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * How a webhook request was answered; the `outcome` label.
 *
 * @example
 * ```ts
 * const outcome: WebhookOutcome = 'rejected';
 * ```
 */
export type WebhookOutcome = 'accepted' | 'duplicate' | 'rejected';

/**
 * What happened to a stored event outside the normal apply path; the
 * `event` label of `patchbay_webhook_events_total`.
 *
 * @example
 * ```ts
 * metrics.recordWebhookEvent('stripe-payments', 'stale_skipped' satisfies WebhookEventOutcome);
 * ```
 */
export type WebhookEventOutcome =
  'stale_skipped' | 'stale_parked' | 'attempts_exhausted' | 'replay_verify_failed';

/**
 * Options of {@link WebhookMetrics}.
 *
 * @example
 * ```ts
 * new WebhookMetrics(metrics.registry, { ackBuckets: [1, 5, 10, 50, 250] } satisfies WebhookMetricsOptions);
 * ```
 */
export interface WebhookMetricsOptions {
  /** Upper bounds (ms) of the ack-latency histogram. Default 0.5 ms … 5 s. */
  ackBuckets?: number[];
}

const DEFAULT_ACK_BUCKETS = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

type Child = ReturnType<Counter<string>['labels']>;

/**
 * Prometheus series of the webhook receiver (all labelled by `integration`):
 *
 * - `patchbay_webhook_requests_total{outcome,status,reason}`: every answered
 *   request; `outcome` is `accepted`, `duplicate` or `rejected`, `status` the
 *   HTTP status (200, 401, 400, 413, 415, 503), `reason` the answer's code in
 *   lower case (`stored`, `bad_signature`, `stale_timestamp`, `store_unavailable`, ...);
 * - `patchbay_webhook_ack_latency_ms{outcome}` (histogram): from the request
 *   body received to the answer decided, so for `accepted` it includes the
 *   durable write;
 * - `patchbay_webhook_events_total{event}`: stored events the processing side
 *   did not apply normally (`stale_skipped`, `stale_parked`,
 *   `attempts_exhausted`, `replay_verify_failed`).
 *
 * Processing failures of applied events (handler or sink errors, dead
 * letters) are the pipeline's own `patchbay_integration_error_count_by_kind`
 * and `patchbay_integration_items_total{stage="dead_lettered"}`.
 *
 * @example
 * ```ts
 * const metrics = new PatchbayMetrics();
 * const webhookMetrics = new WebhookMetrics(metrics.registry);
 * app.register(webhookRoutes({ targets, store, secrets, logger, webhookMetrics }));
 * // GET /metrics now carries patchbay_webhook_requests_total{integration="gh",outcome="accepted",...}
 * ```
 */
export class WebhookMetrics {
  readonly #requests: Counter<'integration' | 'outcome' | 'status' | 'reason'>;
  readonly #ack: Histogram<'integration' | 'outcome'>;
  readonly #events: Counter<'integration' | 'event'>;
  /** Label children by key, so a request costs one Map lookup per series. */
  readonly #children = new Map<string, Child>();
  readonly #ackChildren = new Map<string, ReturnType<Histogram<string>['labels']>>();

  constructor(registry: Registry, options: WebhookMetricsOptions = {}) {
    const registers = [registry];
    this.#requests = new Counter({
      name: 'patchbay_webhook_requests_total',
      help: 'Webhook requests answered, by outcome (accepted, duplicate, rejected), HTTP status and reason code.',
      labelNames: ['integration', 'outcome', 'status', 'reason'],
      registers,
    });
    this.#ack = new Histogram({
      name: 'patchbay_webhook_ack_latency_ms',
      help: 'Milliseconds from a webhook body received to its answer (accepted answers include the durable write).',
      labelNames: ['integration', 'outcome'],
      buckets: options.ackBuckets ?? DEFAULT_ACK_BUCKETS,
      registers,
    });
    this.#events = new Counter({
      name: 'patchbay_webhook_events_total',
      help: 'Stored webhook events not applied normally: stale_skipped, stale_parked, attempts_exhausted, replay_verify_failed.',
      labelNames: ['integration', 'event'],
      registers,
    });
  }

  /**
   * Makes an integration's accepted and duplicate series exist at zero before
   * its first request, so `rate()` sees them from the start.
   *
   * @example
   * ```ts
   * webhookMetrics.registerIntegration('gh-pushes');
   * ```
   */
  registerIntegration(integration: string): void {
    this.#child(integration, 'accepted', 200, 'STORED').inc(0);
    this.#child(integration, 'duplicate', 200, 'DUPLICATE').inc(0);
  }

  /**
   * Counts one answered request and observes its acknowledgement latency.
   *
   * @example
   * ```ts
   * webhookMetrics.recordWebhookRequest('gh-pushes', 'rejected', 401, 'BAD_SIGNATURE', 0.4);
   * ```
   */
  recordWebhookRequest(
    integration: string,
    outcome: WebhookOutcome,
    status: number,
    code: string,
    latencyMs: number,
  ): void {
    this.#child(integration, outcome, status, code).inc();
    if (!Number.isFinite(latencyMs)) return;
    const key = `${integration}\u0000${outcome}`;
    let h = this.#ackChildren.get(key);
    if (!h) {
      h = this.#ack.labels(integration, outcome);
      this.#ackChildren.set(key, h);
    }
    h.observe(Math.max(0, latencyMs));
  }

  /**
   * Counts `n` (default 1) stored events that were not applied normally.
   *
   * @example
   * ```ts
   * webhookMetrics.recordWebhookEvent('gh-pushes', 'stale_skipped', 3);
   * ```
   */
  recordWebhookEvent(integration: string, event: WebhookEventOutcome, n = 1): void {
    if (n > 0) this.#events.labels(integration, event).inc(n);
  }

  #child(integration: string, outcome: string, status: number, code: string): Child {
    const key = `${integration}\u0000${outcome}\u0000${status}\u0000${code}`;
    let child = this.#children.get(key);
    if (!child) {
      child = this.#requests.labels(integration, outcome, String(status), code.toLowerCase());
      this.#children.set(key, child);
    }
    return child;
  }
}
