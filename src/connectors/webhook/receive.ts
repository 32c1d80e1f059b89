/**
 * The receiving half, independent of any HTTP framework: size and media
 * type, signature on the raw bytes, parse, then one durable inbox write
 * before any 2xx. Every rejection is decided before anything is stored, and
 * nothing here calls the integration's steps or sink.
 */
import type { Logger } from 'pino';
import type { SecretResolverChain } from '../../core/secrets/resolver.js';
import type { Store } from '../../store/types.js';
import { parseDuration } from '../../core/duration.js';
import { eventIdLocator, schemeFor, type WebhookConfig } from './config.js';
import {
  flatHeaders,
  locate,
  mediaType,
  parseBody,
  parseEventTime,
  storableHeaders,
} from './envelope.js';
import { attachWebhookMetrics, type WebhookReceiverMetrics } from './metrics.js';
import { notifyStored } from './wakeup.js';

/**
 * An integration whose source is the `webhook` connector.
 *
 * @example
 * ```ts
 * const target: WebhookTarget = { integrationId: 'gh-pushes', config: webhookConfigSchema.parse(rawConfig) };
 * ```
 */
export interface WebhookTarget {
  integrationId: string;
  config: WebhookConfig;
}

/**
 * What the receiver needs from the process around it.
 *
 * @example
 * ```ts
 * const { store, secrets, logger, now } = runtime.services;
 * const deps: ReceiverDeps = { store, secrets, logger, now };
 * ```
 */
export interface ReceiverDeps {
  store: Store;
  secrets: SecretResolverChain;
  logger: Logger;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Counts `received`, `duplicate` and `rejected` items, when given. */
  metrics?: { recordItems(integration: string, stage: string, count: number): void };
  /**
   * Receiver counters by outcome, status and reason, and the ack-latency
   * histogram (`WebhookMetrics` from `patchbay/observability`), when given.
   * The `webhook` source reading the same store reports there too.
   */
  webhookMetrics?: WebhookReceiverMetrics | undefined;
  /** How long resolved secrets are reused, in ms. Default 5000; rotation takes effect within it. */
  secretCacheMs?: number;
}

/**
 * A request as the receiver sees it: raw bytes, untouched.
 *
 * @example
 * ```ts
 * const req: WebhookRequest = { headers: incoming.headers, body: Buffer.concat(chunks) };
 * ```
 */
export interface WebhookRequest {
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

/**
 * The answer to send.
 *
 * @example
 * ```ts
 * const res: WebhookResponse = { status: 503, headers: { 'retry-after': '5' }, body: { error: { code: 'STORE_UNAVAILABLE' } } };
 * ```
 */
export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

function answer(status: number, code: string, headers: Record<string, string> = {}) {
  return { status, headers, body: status < 300 ? { ok: true, code } : { error: { code } } };
}

/**
 * Builds the request handler of one webhook integration.
 *
 * Answers: 200 stored (or duplicate); 401 missing or bad signature, stale or
 * future timestamp; 400 malformed body; 413 over `maxBodyBytes`; 415
 * unsupported media type; 503 with `Retry-After` when a secret cannot be
 * resolved or the store cannot take the write.
 *
 * @example
 * ```ts
 * const handle = webhookHandler({ integrationId: 'stripe-payments', config }, { store, secrets, logger });
 * const res = await handle({ headers: req.headers, body: rawBytes });
 * reply.code(res.status).headers(res.headers).send(res.body);
 * ```
 */
export function webhookHandler(
  target: WebhookTarget,
  deps: ReceiverDeps,
): (req: WebhookRequest) => Promise<WebhookResponse> {
  const { integrationId: id, config } = target;
  const now = deps.now ?? Date.now;
  const scheme = schemeFor(config);
  const schemeName = scheme?.name ?? 'none';
  const toleranceMs = parseDuration(config.tolerance);
  const retryAfter = String(Math.max(1, Math.ceil(parseDuration(config.retryAfter) / 1000)));
  const accepted = new Set(config.mediaTypes.map((t) => t.toLowerCase()));
  const idLocator = eventIdLocator(config);
  const cacheMs = deps.secretCacheMs ?? 5000;
  const logger = deps.logger.child({ integration: id, connector: 'webhook' });
  let cached: { values: string[]; at: number } | undefined;

  const secretValues = async (): Promise<string[]> => {
    const refs = config.signature.scheme === 'none' ? [] : config.signature.secrets;
    if (cached && now() - cached.at < cacheMs) return cached.values;
    const values = await Promise.all(
      refs.map(async (ref) => (await deps.secrets.resolve(ref)).reveal()),
    );
    cached = { values, at: now() };
    return values;
  };

  const reject = (status: number, code: string, extra: Record<string, string> = {}) => {
    deps.metrics?.recordItems(id, 'rejected', 1);
    logger.warn({ status, code }, 'webhook rejected');
    return answer(status, code, extra);
  };

  const handle = async (req: WebhookRequest): Promise<WebhookResponse> => {
    if (req.body.length > config.maxBodyBytes) return reject(413, 'BODY_TOO_LARGE');
    const headers = flatHeaders(req.headers);
    const type = mediaType(headers['content-type']);
    if (!accepted.has(type)) return reject(415, 'UNSUPPORTED_MEDIA_TYPE');
    const receivedAt = now();

    let keyIndex: number | undefined;
    let signedAt: number | undefined;
    let secrets: string[] = [];
    if (scheme) {
      try {
        // No await while the cached values are fresh: one promise less per request.
        secrets = cached && receivedAt - cached.at < cacheMs ? cached.values : await secretValues();
      } catch (err) {
        // A missing secret is our fault, not the sender's: 503 makes the provider retry.
        logger.error({ err }, 'webhook secret cannot be resolved');
        return reject(503, 'SECRET_UNAVAILABLE', { 'retry-after': retryAfter });
      }
      const result = scheme.verify({
        headers,
        body: req.body,
        secrets,
        now: receivedAt,
        toleranceMs,
      });
      if (!result.ok) return reject(401, result.reason.toUpperCase().replace(/-/g, '_'));
      keyIndex = result.keyIndex;
      signedAt = result.timestamp;
      if (keyIndex > 0) logger.info({ keyIndex }, 'webhook verified with a previous secret');
    }

    let parsed: unknown;
    try {
      parsed = parseBody(req.body, type);
    } catch {
      return reject(400, 'MALFORMED_BODY');
    }
    // Slack's one-time URL check must be answered with its challenge, and is not an event.
    if (
      config.signature.scheme === 'slack' &&
      (parsed as { type?: unknown } | null)?.type === 'url_verification'
    ) {
      const challenge = (parsed as { challenge?: unknown }).challenge;
      return { status: 200, headers: {}, body: { challenge: String(challenge ?? '') } };
    }

    const eventId = locate(idLocator, headers, parsed);
    // Not the signed timestamp: providers re-sign every retry, so it is delivery time, not event time.
    const occurredAt = parseEventTime(locate(config.occurredAt, headers, parsed));
    const meta: Record<string, string | number | boolean> = {
      scheme: schemeName,
      verified: scheme !== undefined,
      contentType: type,
    };
    if (keyIndex !== undefined) meta['keyIndex'] = keyIndex;
    if (signedAt !== undefined) meta['signedAt'] = signedAt;
    try {
      const stored = await deps.store.inbox.append({
        integrationId: id,
        eventId,
        entityKey: locate(config.entityKey, headers, parsed),
        occurredAt,
        receivedAt,
        headers: storableHeaders(req.headers, secrets),
        body: req.body,
        meta,
      });
      deps.metrics?.recordItems(id, stored.duplicate ? 'duplicate' : 'received', 1);
      if (stored.duplicate) return answer(200, 'DUPLICATE');
      notifyStored(deps.store, id);
      return answer(200, 'STORED');
    } catch (err) {
      // Never a 2xx without a durable write: the provider keeps the event and retries.
      logger.error({ err, eventId }, 'webhook envelope could not be stored');
      return reject(503, 'STORE_UNAVAILABLE', { 'retry-after': retryAfter });
    }
  };

  const sink = deps.webhookMetrics;
  if (!sink) return handle;
  attachWebhookMetrics(deps.store, sink);
  return async (req) => {
    const started = performance.now();
    const res = await handle(req);
    recordAnswer(sink, id, res, performance.now() - started);
    return res;
  };
}

/**
 * Counts one answer on the receiver's metrics (outcome from status and code).
 *
 * @example
 * ```ts
 * recordAnswer(webhookMetrics, 'gh-pushes', { status: 413, headers: {}, body: { error: { code: 'BODY_TOO_LARGE' } } }, 0);
 * ```
 */
export function recordAnswer(
  sink: WebhookReceiverMetrics,
  integrationId: string,
  res: Pick<WebhookResponse, 'status' | 'body'>,
  latencyMs: number,
): void {
  const body = res.body as { code?: unknown; error?: { code?: unknown } };
  const code =
    typeof body.code === 'string'
      ? body.code
      : typeof body.error?.code === 'string'
        ? body.error.code
        : 'URL_VERIFICATION';
  const outcome = res.status >= 300 ? 'rejected' : code === 'DUPLICATE' ? 'duplicate' : 'accepted';
  sink.recordWebhookRequest(integrationId, outcome, res.status, code, latencyMs);
}
