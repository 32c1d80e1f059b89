/**
 * A generic signed webhook: POSTs the notification as JSON with
 * `x-patchbay-timestamp` and `x-patchbay-signature: sha256=<hex>`, the
 * HMAC-SHA256 of `<timestamp>.<body>` under a shared secret (by reference),
 * so receivers can verify origin and reject replays.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { resolveSecret } from '../../core/secrets/index.js';
import { sendJson } from './http.js';
import type { AlertSink } from './types.js';

/**
 * Options of {@link webhookSink}.
 *
 * @example
 * ```ts
 * const options: WebhookSinkOptions = {
 *   name: 'hook',
 *   url: 'https://ops.example.com/alerts',
 *   secret: 'env:ALERT_WEBHOOK_SECRET', // signs each delivery (see verifyWebhook)
 * };
 * const hook = webhookSink(options);
 * ```
 */
export interface WebhookSinkOptions {
  name: string;
  url: string;
  /** Secret reference of the HMAC key, e.g. `env:ALERT_WEBHOOK_SECRET`. */
  secret: string;
}

/**
 * The signature header value for a body.
 *
 * @example
 * ```ts
 * signWebhook('key', '1700000000', '{"a":1}'); // 'sha256=…'
 * ```
 */
export function signWebhook(key: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Verifies a received signature (constant time). Receivers should also reject
 * timestamps older than a few minutes.
 *
 * @example
 * ```ts
 * verifyWebhook(key, req.headers['x-patchbay-timestamp'], rawBody, req.headers['x-patchbay-signature']);
 * ```
 */
export function verifyWebhook(
  key: string,
  timestamp: string,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signWebhook(key, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * An alert sink POSTing signed JSON.
 *
 * @example
 * ```ts
 * const hook = webhookSink({ name: 'hook', url: 'https://ops.example.com/alerts', secret: 'env:ALERT_HOOK_KEY' });
 * ```
 */
export function webhookSink(options: WebhookSinkOptions): AlertSink {
  return {
    name: options.name,
    kind: 'webhook',
    secretRefs: [options.secret],
    async deliver(n, ctx) {
      const key = (await resolveSecret(options.secret, ctx.signal)).reveal();
      const body = JSON.stringify(n);
      const timestamp = String(Math.floor(Date.now() / 1000));
      await sendJson(
        'POST',
        options.url,
        body,
        {
          'x-patchbay-timestamp': timestamp,
          'x-patchbay-signature': signWebhook(key, timestamp, body),
          'x-patchbay-event': n.event,
          'idempotency-key': `${n.alert.id}:${n.event}:${n.alert.evaluations}`,
        },
        ctx.signal,
        `POST ${options.url}`,
      );
    },
  };
}
