/**
 * The `webhook` source: the processing half. The receiver has already
 * verified and durably stored each envelope; this source claims stored
 * envelopes from the inbox and hands them to the runtime's ordinary
 * pipeline (steps, sink, retries, dead letters) as batches. An envelope is
 * marked done only when its batch is acknowledged, so a crash or a failed
 * write leaves it to be claimed again after `claimLease`.
 */
import { randomUUID } from 'node:crypto';
import { defineConnector, type ReadContext, type SourceBatch } from '../../core/connector.js';
import { parseDuration } from '../../core/duration.js';
import { PatchbayError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import { redactDeep } from '../../core/secrets/redaction.js';
import type { InboxItem } from '../../store/types.js';
import { webhookConfigSchema, type WebhookConfig } from './config.js';
import { parseBody } from './envelope.js';
import { planOrdering, recordApplied } from './ordering.js';
import { waitForStored } from './wakeup.js';

/**
 * What steps and sinks of a webhook integration receive for each event.
 *
 * @example
 * ```ts
 * const toInvoice = (e: unknown) => (e as WebhookEvent).payload as { id: string };
 * ```
 */
export interface WebhookEvent {
  /** The provider's event id, when the config locates one. */
  eventId: string | null;
  entityKey: string | null;
  /** The event's own time (ms), when known. */
  occurredAt: number | null;
  receivedAt: number;
  /** The scheme that verified it, or `none`. */
  scheme: string;
  /** Request headers, credentials removed. */
  headers: Record<string, string>;
  /** The body parsed by its media type (JSON, form fields or text). */
  payload: unknown;
}

function toEvent(item: InboxItem): WebhookEvent {
  const type = typeof item.meta['contentType'] === 'string' ? item.meta['contentType'] : '';
  let payload: unknown;
  try {
    payload = parseBody(item.body, type);
  } catch {
    payload = item.body.toString('utf8');
  }
  return {
    eventId: item.eventId,
    entityKey: item.entityKey,
    occurredAt: item.occurredAt,
    receivedAt: item.receivedAt,
    scheme: typeof item.meta['scheme'] === 'string' ? item.meta['scheme'] : 'none',
    headers: item.headers,
    payload,
  };
}

async function settleStale(
  ctx: ReadContext,
  config: WebhookConfig,
  stale: Array<{ item: InboxItem; newerAt: number }>,
): Promise<void> {
  for (const { item, newerAt } of stale) {
    const facts = {
      eventId: item.eventId,
      entityKey: item.entityKey,
      occurredAt: item.occurredAt,
      newerAppliedAt: newerAt,
    };
    if (config.ordering === 'park') {
      const error = new PatchbayError('validation', 'event is older than one already applied', {
        code: 'OUT_OF_ORDER',
        retryable: false,
        details: facts,
      });
      const now = Date.now();
      await ctx.store.deadLetters.add({
        integrationId: ctx.integrationId,
        stage: 'ordering',
        raw: redactDeep(toEvent(item) as unknown as JsonValue),
        itemKey: item.eventId ?? `inbox:${item.id}`,
        error: error.toJSON(),
        attempts: 1,
        firstSeenAt: now,
        lastSeenAt: now,
      });
      await ctx.store.inbox.fail(item.id, error.toJSON(), null);
      ctx.logger.warn(facts, 'out-of-order webhook event parked');
    } else {
      await ctx.store.inbox.complete(item.id);
      ctx.logger.info(facts, 'out-of-order webhook event skipped');
    }
  }
}

/**
 * Envelopes claimed before without being acknowledged go alone, so one that
 * crashes the process takes down only itself until `maxAttempts` retires it.
 */
function chunks(items: InboxItem[]): InboxItem[][] {
  if (items.length === 0) return [];
  if (items.every((item) => item.attempts <= 1)) return [items];
  const fresh = items.filter((item) => item.attempts <= 1);
  const again = items.filter((item) => item.attempts > 1).map((item) => [item]);
  return fresh.length > 0 ? [...again, fresh] : again;
}

/** The newest event time per entity among a chunk, to record once it is applied. */
function newestOf(chunk: InboxItem[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of chunk) {
    if (item.entityKey === null || item.occurredAt === null) continue;
    out.set(item.entityKey, Math.max(out.get(item.entityKey) ?? item.occurredAt, item.occurredAt));
  }
  return out;
}

async function deadLetterExhausted(ctx: ReadContext, items: InboxItem[]): Promise<void> {
  for (const item of items) {
    const error = new PatchbayError(
      'overloaded',
      'envelope was claimed too often without being acknowledged',
      { code: 'INBOX_ATTEMPTS_EXHAUSTED', retryable: false, details: { attempts: item.attempts } },
    );
    const now = Date.now();
    await ctx.store.deadLetters.add({
      integrationId: ctx.integrationId,
      stage: 'inbox',
      raw: redactDeep(toEvent(item) as unknown as JsonValue),
      itemKey: item.eventId ?? `inbox:${item.id}`,
      error: error.toJSON(),
      attempts: item.attempts,
      firstSeenAt: item.receivedAt,
      lastSeenAt: now,
    });
    await ctx.store.inbox.fail(item.id, error.toJSON(), null);
    ctx.logger.warn(
      { eventId: item.eventId, attempts: item.attempts },
      'webhook envelope dead-lettered',
    );
  }
}

async function* readInbox(
  config: WebhookConfig,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch<WebhookEvent>> {
  if (ctx.mode === 'replay') {
    throw new PatchbayError('config', 'replaying stored webhook envelopes is not supported yet', {
      code: 'REPLAY_UNSUPPORTED',
    });
  }
  const owner = `${ctx.integrationId}:${randomUUID()}`;
  const leaseMs = parseDuration(config.claimLease);
  const pollMs = parseDuration(config.pollInterval);
  const aborted = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  while (!ctx.signal.aborted && Date.now() < ctx.budget.deadline) {
    const claimed = await ctx.store.inbox.claim(ctx.integrationId, {
      limit: config.batchSize,
      leaseMs,
      owner,
    });
    if (claimed.length === 0) {
      await waitForStored(ctx.store, ctx.integrationId, pollMs, ctx.signal);
      continue;
    }
    const exhausted = claimed.filter((item) => item.attempts > config.maxAttempts);
    await deadLetterExhausted(ctx, exhausted);
    const live = claimed.filter((item) => item.attempts <= config.maxAttempts);
    const plan = await planOrdering(ctx.store, ctx.integrationId, live, config.ordering);
    await settleStale(ctx, config, plan.stale);
    for (const chunk of chunks(plan.apply)) {
      if (ctx.signal.aborted) break;
      let acknowledged!: () => void;
      const acked = new Promise<void>((resolve) => (acknowledged = resolve));
      yield {
        items: chunk.map((item) => ({
          key: item.eventId ?? `inbox:${item.id}`,
          data: toEvent(item),
          occurredAt: item.occurredAt ?? undefined,
        })),
        ack: async () => {
          for (const item of chunk) await ctx.store.inbox.complete(item.id);
          await recordApplied(ctx.store, ctx.integrationId, newestOf(chunk));
          acknowledged();
        },
      };
      // One batch at a time: the next claim must see this batch's last-applied times.
      await Promise.race([acked, aborted]);
    }
  }
}

/**
 * The webhook receiver as a source. Place it with `trigger: { type: 'stream' }`;
 * the runtime's HTTP server serves its route (see `webhookRoutes`), stores
 * each verified request before answering 2xx, and this source feeds the
 * stored envelopes through steps and sink.
 *
 * Defaults: route `/webhooks/<id>`, tolerance 5 min, 1 MiB bodies, JSON only,
 * ordering `skip`, batches of 100.
 *
 * @example
 * ```ts
 * defineIntegration({
 *   id: 'stripe-payments', owner: 'billing', pattern: 'webhook',
 *   trigger: { type: 'stream' },
 *   source: webhook({
 *     signature: { scheme: 'stripe', secrets: ['env:STRIPE_WEBHOOK_SECRET'] },
 *     entityKey: 'body:data.object.id', occurredAt: 'body:created',
 *   }),
 *   steps: [(event) => (event as WebhookEvent).payload],
 *   sink: paymentsTable,
 *   idempotencyKey: { fields: ['id'] },
 * });
 * ```
 */
export const webhook = defineConnector({
  kind: 'webhook',
  title: 'Webhook receiver',
  description:
    'Receives signed webhooks on the runtime HTTP server: verifies the raw bytes, stores each event durably before answering 2xx, de-duplicates by event id, and processes in event-time order per entity.',
  direction: 'source',
  config: webhookConfigSchema,
  capabilities: {
    ack: 'batch',
    checkpoint: 'none',
    replay: 'none',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect(config) {
    return {
      read: (ctx: ReadContext) => readInbox(config, ctx),
      async close() {},
    };
  },
});
