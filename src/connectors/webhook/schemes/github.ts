/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256 of the body.
 * GitHub signs no timestamp, so replay protection rests on de-duplication by
 * `X-GitHub-Delivery`. The legacy SHA-1 header is deliberately not accepted.
 */
import { decodeSignature, hmac, matchAny } from './crypto.js';
import type { SignatureScheme, VerifyInput, VerifyResult } from './types.js';

/**
 * The GitHub scheme.
 *
 * @example
 * ```ts
 * githubScheme().verify({ headers, body, secrets: ['s3cret'], now: Date.now(), toleranceMs: 300_000 });
 * ```
 */
export function githubScheme(): SignatureScheme {
  return {
    name: 'github',
    verify(input: VerifyInput): VerifyResult {
      const header = input.headers['x-hub-signature-256'];
      if (!header) return { ok: false, reason: 'missing-header' };
      const eq = header.indexOf('=');
      if (eq <= 0) return { ok: false, reason: 'malformed-header' };
      if (header.slice(0, eq) !== 'sha256') return { ok: false, reason: 'unknown-version' };
      const provided = decodeSignature(header.slice(eq + 1), 'hex');
      if (!provided) return { ok: false, reason: 'malformed-header' };
      const keyIndex = matchAny(input.secrets, [provided], (secret) =>
        hmac('sha256', secret, [input.body]),
      );
      return keyIndex < 0 ? { ok: false, reason: 'bad-signature' } : { ok: true, keyIndex };
    },
  };
}
