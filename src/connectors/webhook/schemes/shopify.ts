/**
 * Shopify: `X-Shopify-Hmac-Sha256: <base64>`, an HMAC-SHA256 of the body
 * keyed with the app's client secret. No timestamp is signed; de-duplication
 * by `X-Shopify-Webhook-Id` guards against replays.
 */
import { decodeSignature, hmac, matchAny } from './crypto.js';
import type { SignatureScheme, VerifyInput, VerifyResult } from './types.js';

/**
 * The Shopify scheme.
 *
 * @example
 * ```ts
 * shopifyScheme().verify({ headers, body, secrets: ['shpss_...'], now: Date.now(), toleranceMs: 300_000 });
 * ```
 */
export function shopifyScheme(): SignatureScheme {
  return {
    name: 'shopify',
    verify(input: VerifyInput): VerifyResult {
      const header = input.headers['x-shopify-hmac-sha256'];
      if (!header) return { ok: false, reason: 'missing-header' };
      const provided = decodeSignature(header, 'base64');
      if (!provided) return { ok: false, reason: 'malformed-header' };
      const keyIndex = matchAny(input.secrets, [provided], (secret) =>
        hmac('sha256', secret, [input.body]),
      );
      return keyIndex < 0 ? { ok: false, reason: 'bad-signature' } : { ok: true, keyIndex };
    },
  };
}
