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
import { isPatchbayError, PatchbayError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import { redactDeep } from '../../core/secrets/redaction.js';
import type { InboxItem } from '../../store/types.js';
import { schemeFor, webhookConfigSchema, type WebhookConfig } from './config.js';
import { parseBody } from './envelope.js';
import { webhookMetricsOf } from './metrics.js';
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

/**
 * Finishes one claimed envelope. When this worker's claim ran out and another
 * worker claimed the envelope meanwhile, the store refuses (`LEASE_LOST`):
 * the envelope is the new owner's to finish, so this worker lets it go.
 */
async function finish(
  ctx: ReadContext,
  item: InboxItem,
  update: () => Promise<void>,
): Promise<boolean> {
  try {
    await update();
    return true;
  } catch (err) {
    if (!isPatchbayError(err) || err.code !== 'LEASE_LOST') throw err;
    ctx.logger.warn(
      { inboxId: item.id, eventId: item.eventId, err },
      'webhook envelope claim lost: left to the worker that claimed it since',
    );
    return false;
  }
}

async function settleStale(
  ctx: ReadContext,
  config: WebhookConfig,
  owner: string,
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
      const parked = () => ctx.store.inbox.fail(item.id, owner, error.toJSON(), null);
      if (!(await finish(ctx, item, parked))) continue;
      webhookMetricsOf(ctx.store)?.recordWebhookEvent(ctx.integrationId, 'stale_parked');
      ctx.logger.warn(facts, 'out-of-order webhook event parked');
    } else {
      if (!(await finish(ctx, item, () => ctx.store.inbox.complete(item.id, owner)))) continue;
      webhookMetricsOf(ctx.store)?.recordWebhookEvent(ctx.integrationId, 'stale_skipped');
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

async function deadLetterExhausted(
  ctx: ReadContext,
  owner: string,
  items: InboxItem[],
): Promise<void> {
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
    const retired = () => ctx.store.inbox.fail(item.id, owner, error.toJSON(), null);
    if (!(await finish(ctx, item, retired))) continue;
    webhookMetricsOf(ctx.store)?.recordWebhookEvent(ctx.integrationId, 'attempts_exhausted');
    ctx.logger.warn(
      { eventId: item.eventId, attempts: item.attempts },
      'webhook envelope dead-lettered',
    );
  }
}

function replayWindow(ctx: ReadContext): { from: number; to: number } {
  const range = ctx.range;
  const from = range ? Date.parse(range.from) : Number.NaN;
  const to = range?.to === undefined ? Date.now() : Date.parse(range.to);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    throw new PatchbayError('config', 'a webhook replay needs a time range (from/to as dates)', {
      code: 'REPLAY_RANGE_INVALID',
      details: { from: range?.from ?? null, to: range?.to ?? null },
    });
  }
  return { from, to };
}

/**
 * The item keys with a dead letter, read once per replay (a replay is an
 * operator action, and the queue holds what still needs one).
 */
async function deadLetterKeys(ctx: ReadContext): Promise<Set<string>> {
  const keys = new Set<string>();
  for (let afterId: string | undefined; ;) {
    const page = await ctx.store.deadLetters.list(ctx.integrationId, {
      limit: 500,
      ...(afterId === undefined ? {} : { afterId }),
    });
    for (const letter of page) if (letter.itemKey !== undefined) keys.add(letter.itemKey);
    if (page.length < 500) return keys;
    afterId = page.at(-1)?.id;
  }
}

/**
 * Replay: the stored envelopes received in the window, in arrival order,
 * each verified again with the current secrets (at the time it was
 * received, so the timestamp tolerance means what it meant then), then
 * handed to the same pipeline as live batches. Read-only towards live
 * state: no claim, no status change, no ordering record, no checkpoint.
 * With de-duplication respected (the default) only envelopes never applied
 * are re-applied: those with a dead letter (parked, out of attempts, or
 * refused by a step or the sink; a replay that applies one resolves its
 * letter, so the next replay skips it); `bypass` re-applies every one.
 */
async function* replayInbox(
  config: WebhookConfig,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch<WebhookEvent>> {
  const { from, to } = replayWindow(ctx);
  const bypass = ctx.range?.dedupe === 'bypass';
  const scheme = schemeFor(config);
  const toleranceMs = parseDuration(config.tolerance);
  const refs = config.signature.scheme === 'none' ? [] : config.signature.secrets;
  const secrets = await Promise.all(
    refs.map(async (ref) => (await ctx.secrets.resolve(ref)).reveal()),
  );
  const tally = { applied: 0, alreadyApplied: 0, verifyFailed: 0 };
  const lettered = bypass ? undefined : await deadLetterKeys(ctx);
  let afterId: string | undefined;
  let yielded = 0;
  while (!ctx.signal.aborted && Date.now() < ctx.budget.deadline && yielded < ctx.budget.maxItems) {
    const limit = Math.min(config.batchSize, ctx.budget.maxItems - yielded);
    const page = await ctx.store.inbox.listReceived(ctx.integrationId, {
      from,
      to,
      afterId,
      limit,
    });
    if (page.length === 0) break;
    afterId = page.at(-1)?.id;
    const chosen: InboxItem[] = [];
    let verifyFailed = 0;
    for (const item of page) {
      // Respecting de-duplication: only an envelope that was never applied and
      // never will be by the live path goes again, i.e. one with a dead letter
      // (an operator who dropped the letter chose not to apply it).
      if (lettered && !lettered.has(item.eventId ?? `inbox:${item.id}`)) {
        tally.alreadyApplied += 1;
        continue;
      }
      if (scheme) {
        const result = scheme.verify({
          headers: item.headers,
          body: item.body,
          secrets,
          now: item.receivedAt,
          toleranceMs,
        });
        if (!result.ok) {
          verifyFailed += 1;
          ctx.logger.warn(
            { inboxId: item.id, eventId: item.eventId, reason: result.reason },
            'stored webhook envelope failed re-verification: skipped, not applied',
          );
          continue;
        }
      }
      chosen.push(item);
    }
    yielded += page.length;
    tally.verifyFailed += verifyFailed;
    if (verifyFailed > 0) {
      webhookMetricsOf(ctx.store)?.recordWebhookEvent(
        ctx.integrationId,
        'replay_verify_failed',
        verifyFailed,
      );
    }
    if (chosen.length === 0 && verifyFailed === 0) continue;
    tally.applied += chosen.length;
    // Failed re-verifications count in the run as read, skipped and `auth` errors.
    yield {
      items: chosen.map((item) => ({
        key: item.eventId ?? `inbox:${item.id}`,
        data: toEvent(item),
        occurredAt: item.occurredAt ?? undefined,
      })),
      ...(verifyFailed > 0 ? { dropped: { count: verifyFailed, errorKind: 'auth' as const } } : {}),
    };
  }
  ctx.logger.info(
    { ...tally, dedupe: bypass ? 'bypass' : 'respect' },
    'webhook replay finished reading',
  );
  if (tally.verifyFailed > 0) {
    ctx.logger.warn(
      { verifyFailed: tally.verifyFailed },
      `${tally.verifyFailed} stored webhook envelope(s) failed re-verification and were not replayed`,
    );
  }
}

async function* readInbox(
  config: WebhookConfig,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch<WebhookEvent>> {
  if (ctx.mode === 'replay') {
    yield* replayInbox(config, ctx);
    return;
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
    await deadLetterExhausted(ctx, owner, exhausted);
    const live = claimed.filter((item) => item.attempts <= config.maxAttempts);
    const plan = await planOrdering(ctx.store, ctx.integrationId, live, config.ordering);
    await settleStale(ctx, config, owner, plan.stale);
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
          // The write happened either way, so its event times count as applied.
          for (const item of chunk) {
            await finish(ctx, item, () => ctx.store.inbox.complete(item.id, owner));
          }
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
 * Replay (`patchbay replay <id> --from <time> --to <time>`) re-reads the
 * envelopes received in the window, verifies each signature again with the
 * current secrets (a failure is logged and skipped), and runs them through
 * the same steps and sink without touching inbox status, ordering state or
 * the live checkpoint. By default only envelopes never applied (status
 * `dead`) are re-applied; `--bypass-dedupe` re-applies all of them.
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
    'Receives signed webhooks on the runtime HTTP server: verifies the raw bytes, stores each event durably before answering 2xx, de-duplicates by event id, and processes in event-time order per entity. Replays stored envelopes by received time, verifying each signature again.',
  direction: 'source',
  config: webhookConfigSchema,
  capabilities: {
    ack: 'batch',
    checkpoint: 'none',
    replay: 'time-range',
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
