/**
 * The webhook sender: messages are enqueued in the store's outbox (durable
 * before anyone tries to send), and a worker delivers them signed the
 * Standard Webhooks way, on the retry schedule, honouring `Retry-After`,
 * disabling an endpoint that answers 410, and dead-lettering a message once
 * the schedule is used up. Every endpoint URL passes the SSRF guard when it
 * is registered and again, on the resolved address, when connecting.
 * A tick's messages are attempted concurrently (bounded overall and per
 * endpoint, see {@link WebhookSenderOptions.concurrency}); per-endpoint
 * order of arrival is not promised above one in flight per endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { classify } from '../../../core/classify.js';
import { isPatchbayError, PatchbayError, type SerializedError } from '../../../core/errors.js';
import type { JsonValue } from '../../../core/json-safe.js';
import type { SecretResolverChain } from '../../../core/secrets/resolver.js';
import type { OutboxItem, Store } from '../../../store/types.js';
import { guardedLookup } from '../../http/ssrf.js';
import { EndpointBreakers } from './breaker.js';
import {
  DISABLED_ENDPOINTS,
  endpointIdOf,
  isDisabledFor,
  validateEndpoint,
  type WebhookEndpoint,
} from './endpoint.js';
import { payloadOf, postSigned } from './post.js';
import { DELIVERY_SCHEDULE_MS, nextAttemptAt } from './schedule.js';

export { DISABLED_ENDPOINTS, type WebhookEndpoint } from './endpoint.js';

/**
 * Options of {@link WebhookSender}. Defaults in brackets.
 *
 * @example
 * ```ts
 * const options: WebhookSenderOptions = { store, secrets, logger, integrationId: 'order-events', endpoints: [acme] };
 * ```
 */
export interface WebhookSenderOptions {
  store: Store;
  secrets: SecretResolverChain;
  logger: Logger;
  /** The outbox partition (integration id) this sender drains. */
  integrationId: string;
  endpoints: readonly WebhookEndpoint[];
  /** Per-request timeout [15 s]. */
  timeoutMs?: number;
  /** Lease on a claimed message; a crashed worker frees it after this [60 s]. */
  leaseMs?: number;
  /** Messages claimed per tick [20]. */
  batch?: number;
  /**
   * Deliveries of one tick in flight at once, over all endpoints [16]. The
   * tick marks its accepted deliveries together once all its attempts have
   * settled, in one group commit (one fsync) instead of one each; until then
   * they stay leased, so a crash in between sends them again (at-least-once,
   * as ever: subscribers de-duplicate by `webhook-id`).
   */
  concurrency?: number;
  /**
   * Most deliveries in flight to one endpoint [= `concurrency`]. Within it
   * each endpoint's window starts at 1, doubles with every delivery the
   * endpoint accepts and falls back to 1 on any failure, hold-back or 410,
   * so a failing, rate-limiting or half-open endpoint is tried one message
   * at a time (the breaker's threshold and single probe stay exact).
   * Messages to one endpoint are attempted in enqueue order but, above 1,
   * may arrive out of order; set 1 for strictly one-at-a-time delivery per
   * endpoint (a retried message can still arrive after later ones either way).
   */
  endpointConcurrency?: number;
  /** Delays before each attempt [DELIVERY_SCHEDULE_MS]. */
  schedule?: readonly number[];
  /**
   * Per-endpoint breaker, shared through the store's policy state with every
   * sender of the same integration: consecutive failures that open it [5],
   * and how long it stays open [60 s] before one probe (fleet-wide) may pass.
   */
  breaker?: { threshold?: number; openMs?: number };
}

/**
 * What one {@link WebhookSender.tick} did.
 *
 * @example
 * ```ts
 * const { delivered, retried, dead } = await sender.tick();
 * ```
 */
export interface SendTick {
  delivered: number;
  retried: number;
  dead: number;
}

function breakerSkips(item: OutboxItem): number {
  const skips = item.lastError?.details?.['breakerSkips'];
  return typeof skips === 'number' ? skips : 0;
}

function withSkips(error: PatchbayError, skips: number): SerializedError {
  const json = error.toJSON();
  return { ...json, details: { ...json.details, breakerSkips: skips } };
}
function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new PatchbayError('config', `webhook sender: ${name} must be a whole number ≥ 1`, {
      code: 'INVALID_CONFIG',
      details: { [name]: value },
    });
  }
  return value;
}

/**
 * Delivers the webhook messages of one integration from the outbox. Call
 * `tick(now)` from a timer (or in tests with an explicit clock).
 *
 * @example
 * ```ts
 * const sender = new WebhookSender({ store, secrets, logger, integrationId: 'order-events', endpoints: [acme] });
 * await sender.enqueue('acme', 'order.shipped', { orderId: 'o-1' });
 * await sender.tick();
 * ```
 */
export class WebhookSender {
  readonly #o: WebhookSenderOptions;
  readonly #endpoints: Map<string, { endpoint: WebhookEndpoint; agent: Agent }>;
  readonly #owner = `webhook-sender:${randomUUID()}`;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  readonly #breakers: EndpointBreakers;
  readonly #concurrency: number;
  readonly #endpointLimit: number;
  /** Per-endpoint delivery window, kept across ticks: 1 after a failure, doubling on success. */
  readonly #windows = new Map<string, number>();

  constructor(options: WebhookSenderOptions) {
    this.#o = options;
    this.#concurrency = positiveInt('concurrency', options.concurrency ?? 16);
    this.#endpointLimit = Math.min(
      positiveInt('endpointConcurrency', options.endpointConcurrency ?? this.#concurrency),
      this.#concurrency,
    );
    this.#breakers = new EndpointBreakers({
      store: options.store.policyState,
      scope: options.integrationId,
      threshold: options.breaker?.threshold ?? 5,
      openMs: options.breaker?.openMs ?? 60_000,
      probeLeaseMs: options.leaseMs ?? 60_000,
      owner: this.#owner,
    });
    this.#endpoints = new Map();
    for (const endpoint of options.endpoints) {
      validateEndpoint(endpoint);
      const lookup = guardedLookup({ allowHosts: endpoint.allowHosts ?? [] });
      this.#endpoints.set(endpoint.id, {
        endpoint,
        agent: new Agent({ connect: { lookup: lookup as never } }),
      });
    }
  }

  /**
   * Enqueues a message for an endpoint, durably. The message id (default a
   * random `msg_…`) is the idempotency key: enqueueing it again is a no-op.
   *
   * @example
   * ```ts
   * await sender.enqueue('acme', 'order.shipped', { orderId: 'o-1' }, { id: 'msg_o-1_shipped' });
   * ```
   */
  async enqueue(
    endpointId: string,
    type: string,
    data: JsonValue,
    options: { id?: string; now?: number } = {},
  ): Promise<{ id: string; duplicate: boolean }> {
    if (!this.#endpoints.has(endpointId)) {
      throw new PatchbayError('config', `no webhook endpoint ${endpointId}`, {
        code: 'UNKNOWN_ENDPOINT',
      });
    }
    const id = options.id ?? `msg_${randomUUID().replace(/-/g, '')}`;
    const timestamp = new Date(options.now ?? Date.now()).toISOString();
    const body = JSON.stringify({ type, timestamp, data });
    return this.#o.store.outbox.enqueue({
      integrationId: this.#o.integrationId,
      destination: `webhook:${endpointId}`,
      payload: { id, body },
      idempotencyKey: id,
    });
  }

  /**
   * Claims due messages and attempts each once, concurrently within
   * `concurrency` and each endpoint's window (see
   * {@link WebhookSenderOptions.endpointConcurrency}). Resolves when every
   * claimed message was attempted and its outcome durably recorded; if
   * recording one failed, the others are still attempted and recorded, and
   * the tick then rejects (that message is claimed again after its lease).
   *
   * @example
   * ```ts
   * await sender.tick(Date.now());
   * ```
   */
  async tick(now: number = Date.now()): Promise<SendTick> {
    const out: SendTick = { delivered: 0, retried: 0, dead: 0 };
    const items = await this.#o.store.outbox.claimDue({
      limit: this.#o.batch ?? 20,
      leaseMs: this.#o.leaseMs ?? 60_000,
      owner: this.#owner,
      now,
      integrationId: this.#o.integrationId,
    });
    const accepted: OutboxItem[] = [];
    const errors = await this.#deliverAll(items, now, out, accepted);
    // One durable write per accepted message, all queued in the same turn so they share
    // one group commit (one fsync) instead of one each. Until it is on disk a message is
    // still leased to this sender: a crash now means it is delivered again (at-least-once).
    const marks = await Promise.allSettled(
      accepted.map((item) => this.#o.store.outbox.markDelivered(item.id, this.#owner)),
    );
    for (const mark of marks) {
      if (mark.status === 'fulfilled') out.delivered += 1;
      else errors.push(mark.reason);
    }
    const failures: unknown[] = [];
    for (const err of errors) {
      // The lease ran out and another sender claimed the message since: that sender
      // records its outcome, so this is not a failure of this tick.
      if (isPatchbayError(err) && err.code === 'LEASE_LOST') {
        this.#o.logger.warn({ err }, 'webhook delivery claim lost: left to its new sender');
      } else failures.push(err);
    }
    if (failures.length > 0) {
      // Every other claimed message was still attempted and marked; the ones whose mark
      // failed stay leased and are claimed again once their lease runs out (at-least-once).
      for (const err of failures.slice(1)) {
        this.#o.logger.error({ err }, 'webhook delivery failed to record its outcome');
      }
      throw failures[0];
    }
    return out;
  }

  /** The endpoint's current window (see {@link WebhookSenderOptions.endpointConcurrency}). */
  #windowOf(endpointId: string): number {
    return Math.min(this.#windows.get(endpointId) ?? 1, this.#endpointLimit);
  }

  #adapt(endpointId: string, outcome: keyof SendTick): void {
    if (outcome === 'delivered') {
      this.#windows.set(endpointId, Math.min(this.#windowOf(endpointId) * 2, this.#endpointLimit));
    } else {
      this.#windows.set(endpointId, 1);
    }
  }

  /**
   * Attempts the claimed messages concurrently, at most `concurrency` at once
   * and each endpoint within its window, taking each endpoint's messages in
   * enqueue order. Settles once every message was attempted; an attempt that
   * throws (a store write failed) is returned, never stops the others.
   */
  #deliverAll(
    items: readonly OutboxItem[],
    now: number,
    out: SendTick,
    accepted: OutboxItem[],
  ): Promise<unknown[]> {
    const errors: unknown[] = [];
    const queues = new Map<string, OutboxItem[]>();
    for (const item of items) {
      const queue = queues.get(item.destination);
      if (queue) queue.push(item);
      else queues.set(item.destination, [item]);
    }
    const inFlight = new Map<string, number>();
    let active = 0;
    return new Promise((resolve) => {
      const pump = (): void => {
        for (const [destination, queue] of queues) {
          const endpointId = endpointIdOf(destination);
          let busy = inFlight.get(destination) ?? 0;
          while (
            queue.length > 0 &&
            active < this.#concurrency &&
            busy < this.#windowOf(endpointId)
          ) {
            const item = queue.shift()!;
            active += 1;
            busy += 1;
            inFlight.set(destination, busy);
            void this.#attempt(item, now)
              .then(
                (outcome) => {
                  if (outcome === 'delivered') accepted.push(item);
                  else out[outcome] += 1;
                  this.#adapt(endpointId, outcome);
                },
                (err: unknown) => {
                  errors.push(err);
                  this.#adapt(endpointId, 'retried');
                },
              )
              .finally(() => {
                active -= 1;
                inFlight.set(destination, (inFlight.get(destination) ?? 1) - 1);
                pump();
              });
          }
          if (queue.length === 0) queues.delete(destination);
        }
        if (active === 0 && queues.size === 0) resolve(errors);
      };
      pump();
    });
  }

  /**
   * Ticks every `intervalMs` (default 1000) until {@link stop}; ticks never
   * overlap, and a failed tick is logged and retried on the next one.
   *
   * @example
   * ```ts
   * sender.start(1_000);
   * process.once('SIGTERM', () => void sender.stop());
   * ```
   */
  start(intervalMs = 1000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.tick()
        .catch((err: unknown) => this.#o.logger.error({ err }, 'webhook delivery tick failed'))
        .finally(() => (this.#running = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  /**
   * Stops the timer and waits for a tick in progress.
   *
   * @example
   * ```ts
   * await sender.stop();
   * ```
   */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * Stops and closes the connection pools.
   *
   * @example
   * ```ts
   * await sender.close();
   * ```
   */
  async close(): Promise<void> {
    await this.stop();
    await Promise.all([...this.#endpoints.values()].map((e) => e.agent.close()));
  }

  async #attempt(item: OutboxItem, now: number): Promise<keyof SendTick> {
    const store = this.#o.store;
    const endpointId = endpointIdOf(item.destination);
    const entry = this.#endpoints.get(endpointId);
    if (!entry) {
      const error = new PatchbayError('config', `no webhook endpoint ${endpointId}`, {
        code: 'UNKNOWN_ENDPOINT',
      });
      return this.#dead(item, error, now);
    }
    if (await isDisabledFor(this.#o.store, this.#o.logger, endpointId, entry.endpoint.url, now)) {
      const error = new PatchbayError(
        'http_4xx',
        `webhook endpoint ${endpointId} is disabled (410)`,
        { code: 'ENDPOINT_DISABLED', retryable: false },
      );
      return this.#dead(item, error, now);
    }
    // Claims count attempts; skips by an open breaker are not attempts of the schedule.
    const skips = breakerSkips(item);
    const admission = await this.#breakers.admit(endpointId, now);
    if (!admission.allowed) {
      const error = new PatchbayError(
        'circuit_open',
        `webhook endpoint ${endpointId} breaker ${admission.state.replace('_', '-')}`,
        { code: 'CIRCUIT_OPEN' },
      );
      await store.outbox.markFailed(
        item.id,
        this.#owner,
        withSkips(error, skips + 1),
        admission.retryAt,
      );
      return 'retried';
    }
    let error: PatchbayError;
    let retryAfterMs: number | undefined;
    try {
      const status = await postSigned(
        entry,
        item,
        now,
        this.#o.secrets,
        this.#o.timeoutMs ?? 15_000,
      );
      if (status.code >= 200 && status.code < 300) {
        await this.#breakers.success(endpointId, now, admission.probe);
        return 'delivered'; // marked by tick(), together with the tick's other deliveries
      }
      error = new PatchbayError(
        status.code >= 500 ? 'http_5xx' : status.code === 429 ? 'rate_limited' : 'http_4xx',
        `webhook endpoint ${endpointId} answered ${status.code}`,
        { code: `HTTP_${status.code}`, status: status.code },
      );
      if (status.code === 410) {
        // The subscriber says the endpoint is gone for good: stop sending to it at all.
        // It answered, so a probe it was closes the breaker (recover may re-enable it later).
        await this.#breakers.success(endpointId, now, admission.probe);
        await store.cache.set(DISABLED_ENDPOINTS, endpointId, { at: now, url: entry.endpoint.url });
        this.#o.logger.warn({ endpoint: endpointId }, 'webhook endpoint disabled: 410 Gone');
        return this.#dead(item, error, now);
      }
      if (status.code === 429 || status.code === 503) retryAfterMs = status.retryAfterMs;
    } catch (err) {
      error = classify(err);
    }
    await this.#breakers.failure(endpointId, now, admission.probe, error.code);
    const next = nextAttemptAt(
      item.attempts - skips,
      now,
      retryAfterMs,
      this.#o.schedule ?? DELIVERY_SCHEDULE_MS,
    );
    if (next === null) return this.#dead(item, error, now);
    await store.outbox.markFailed(item.id, this.#owner, withSkips(error, skips), next);
    return 'retried';
  }

  async #dead(item: OutboxItem, error: PatchbayError, now: number): Promise<'dead'> {
    const store = this.#o.store;
    await store.deadLetters.add({
      integrationId: this.#o.integrationId,
      stage: 'deliver',
      raw: { destination: item.destination, ...payloadOf(item) },
      itemKey: payloadOf(item).id,
      error: error.toJSON(),
      attempts: item.attempts,
      firstSeenAt: item.createdAt,
      lastSeenAt: now,
    });
    await store.outbox.markFailed(item.id, this.#owner, error.toJSON(), null);
    this.#o.logger.warn(
      {
        endpoint: item.destination,
        errorKind: error.kind,
        errorCode: error.code,
        attempts: item.attempts,
      },
      'webhook delivery dead-lettered',
    );
    return 'dead';
  }
}
