/**
 * One signed delivery attempt: the message's secrets resolved (each at least
 * 24 bytes), Standard Webhooks headers signed with every current secret, a
 * POST with the timeout, and the status with any `Retry-After`.
 */
import type { Agent } from 'undici';
import { request } from 'undici';
import { PatchbayError } from '../../../core/errors.js';
import type { SecretResolverChain } from '../../../core/secrets/resolver.js';
import { parseRetryAfter } from '../../../policies/rate-limit-headers.js';
import type { OutboxItem } from '../../../store/types.js';
import { signStandardWebhook } from '../schemes/standard-webhooks.js';
import type { WebhookEndpoint } from './endpoint.js';

const MIN_SECRET_BYTES = 24;

/**
 * The id and body of an enqueued webhook message.
 *
 * @example
 * ```ts
 * const { id, body } = payloadOf(item);
 * ```
 */
export function payloadOf(item: OutboxItem): { id: string; body: string } {
  const p = item.payload as { id?: unknown; body?: unknown };
  return { id: String(p.id), body: String(p.body) };
}

/**
 * Posts one message to its endpoint, signed; the answer's status and
 * `Retry-After` (ms). Throws on network errors and timeouts, and a `config`
 * error `WEAK_SECRET` for a secret under 24 bytes.
 *
 * @example
 * ```ts
 * const { code, retryAfterMs } = await postSigned({ endpoint: acme, agent }, item, Date.now(), secrets, 15_000);
 * ```
 */
export async function postSigned(
  entry: { endpoint: WebhookEndpoint; agent: Agent },
  item: OutboxItem,
  now: number,
  resolver: SecretResolverChain,
  timeoutMs: number,
): Promise<{ code: number; retryAfterMs: number | undefined }> {
  const { id, body } = payloadOf(item);
  const secrets = await Promise.all(
    entry.endpoint.secrets.map(async (ref) => (await resolver.resolve(ref)).reveal()),
  );
  for (const s of secrets) {
    const bytes = Buffer.from(s.replace(/^whsec_/, ''), 'base64');
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new PatchbayError(
        'config',
        `webhook endpoint ${entry.endpoint.id}: a secret is shorter than 24 bytes`,
        {
          code: 'WEAK_SECRET',
        },
      );
    }
  }
  const timestamp = Math.floor(now / 1000);
  const res = await request(entry.endpoint.url, {
    method: 'POST',
    dispatcher: entry.agent,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook({ id, timestamp, body, secrets }),
    },
    body,
  });
  await res.body.dump();
  const header = res.headers['retry-after'];
  return {
    code: res.statusCode,
    retryAfterMs: parseRetryAfter(Array.isArray(header) ? header[0] : header, now),
  };
}
