/**
 * Subscriber endpoints: their declaration, the checks at registration, and
 * the flag a 410 leaves behind.
 */
import type { Logger } from 'pino';
import { PatchbayError } from '../../../core/errors.js';
import type { Store } from '../../../store/types.js';
import { checkUrl } from '../../http/ssrf.js';

/**
 * A subscriber endpoint.
 *
 * @example
 * ```ts
 * const endpoint: WebhookEndpoint = { id: 'acme', url: 'https://hooks.acme.example/patchbay', secrets: ['env:ACME_WEBHOOK_SECRET'] };
 * ```
 */
export interface WebhookEndpoint {
  /** Stable id; the outbox destination is `webhook:<id>`. */
  id: string;
  url: string;
  /** `whsec_` secret references (24 bytes or more), current first; during a rotation every message is signed with each. */
  secrets: readonly string[];
  /** Host names trusted although they resolve to internal addresses (SSRF guard). Default none. */
  allowHosts?: readonly string[];
}

/**
 * The store cache namespace holding disabled endpoints (key: endpoint id),
 * written when an endpoint answers 410 (with the URL that answered) and removed
 * by `recover --enable` or when the endpoint is configured with another URL.
 *
 * @example
 * ```ts
 * const disabled = await store.cache.get(DISABLED_ENDPOINTS, 'acme'); // { value: { at, url }, ... } or undefined
 * ```
 */
export const DISABLED_ENDPOINTS = 'webhook-endpoint-disabled';

/**
 * The endpoint id of an outbox destination (`webhook:<id>`).
 *
 * @example
 * ```ts
 * endpointIdOf('webhook:acme'); // 'acme'
 * ```
 */
export function endpointIdOf(destination: string): string {
  return destination.replace(/^webhook:/, '');
}

/**
 * Checks an endpoint at registration: the SSRF guard on its URL and at least
 * one signing secret.
 *
 * @example
 * ```ts
 * validateEndpoint({ id: 'acme', url: 'https://hooks.acme.example/patchbay', secrets: ['env:ACME_WEBHOOK_SECRET'] });
 * ```
 */
export function validateEndpoint(endpoint: WebhookEndpoint): void {
  checkUrl(new URL(endpoint.url), { allowHosts: endpoint.allowHosts ?? [] });
  if (endpoint.secrets.length === 0) {
    throw new PatchbayError('config', `webhook endpoint ${endpoint.id}: no signing secret`, {
      code: 'INVALID_CONFIG',
    });
  }
}

/**
 * Whether a 410 disabled the endpoint at this URL. The flag holds the URL that answered
 * 410: once the endpoint is configured with another URL (the subscriber
 * moved), the flag is stale and is cleared, as a re-registration would.
 *
 * @example
 * ```ts
 * if (await isDisabledFor(store, logger, 'acme', acme.url, Date.now())) return deadLetter();
 * ```
 */
export async function isDisabledFor(
  store: Store,
  logger: Logger,
  endpointId: string,
  url: string,
  now: number,
): Promise<boolean> {
  const flag = await store.cache.get(DISABLED_ENDPOINTS, endpointId, now);
  if (!flag) return false;
  const goneUrl = (flag.value as { url?: unknown } | null)?.url;
  if (typeof goneUrl !== 'string' || goneUrl === url) return true;
  await store.cache.delete(DISABLED_ENDPOINTS, endpointId);
  logger.info(
    { endpoint: endpointId },
    'webhook endpoint enabled again: its URL changed since it answered 410',
  );
  return false;
}
