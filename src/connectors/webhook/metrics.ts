/**
 * What the webhook receiver and source report to metrics, as a structural
 * interface (`WebhookMetrics` in `patchbay/observability` implements it), and
 * the in-process link from a receiver to the source reading the same store,
 * so the processing side reports to the same metrics without the runtime
 * knowing about webhooks.
 */

/**
 * The receiver's metrics sink.
 *
 * @example
 * ```ts
 * import { PatchbayMetrics, WebhookMetrics } from 'patchbay/observability';
 * const sink: WebhookReceiverMetrics = new WebhookMetrics(new PatchbayMetrics().registry);
 * sink.recordWebhookRequest('gh-pushes', 'accepted', 200, 'STORED', 1.8);
 * ```
 */
export interface WebhookReceiverMetrics {
  /** One answered request: outcome, HTTP status, answer code, ms from body received to answer. */
  recordWebhookRequest(
    integration: string,
    outcome: 'accepted' | 'duplicate' | 'rejected',
    status: number,
    code: string,
    latencyMs: number,
  ): void;
  /** Stored events the processing side did not apply normally. */
  recordWebhookEvent(
    integration: string,
    event: 'stale_skipped' | 'stale_parked' | 'attempts_exhausted' | 'replay_verify_failed',
    n?: number,
  ): void;
}

const byStore = new WeakMap<object, WebhookReceiverMetrics>();

/**
 * Links `metrics` to `store`: the `webhook` source reading that store reports
 * its out-of-order, exhausted and replay-verification counts there. The
 * receiver does this itself when built with `webhookMetrics`.
 *
 * @example
 * ```ts
 * attachWebhookMetrics(store, webhookMetrics);
 * ```
 */
export function attachWebhookMetrics(store: object, metrics: WebhookReceiverMetrics): void {
  byStore.set(store, metrics);
}

/**
 * The metrics linked to `store`, if any.
 *
 * @example
 * ```ts
 * webhookMetricsOf(ctx.store)?.recordWebhookEvent(ctx.integrationId, 'stale_skipped');
 * ```
 */
export function webhookMetricsOf(store: object): WebhookReceiverMetrics | undefined {
  return byStore.get(store);
}
