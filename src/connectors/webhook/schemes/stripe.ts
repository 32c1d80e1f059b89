/**
 * Stripe: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, an
 * HMAC-SHA256 of `<t>.<body>` keyed with the whole `whsec_...` string. Only
 * `v1` is accepted: `v0` is Stripe's test-mode scheme and never verified.
 */
import { checkTimestamp, decodeSignature, hmac, matchAny, parseUnixSeconds } from './crypto.js';
import type { SignatureScheme, VerifyInput, VerifyResult } from './types.js';

/**
 * The Stripe scheme. During a secret roll Stripe signs with both secrets
 * (several `v1` entries); list both here too.
 *
 * @example
 * ```ts
 * stripeScheme().verify({ headers, body, secrets: ['whsec_...'], now: Date.now(), toleranceMs: 300_000 });
 * ```
 */
export function stripeScheme(): SignatureScheme {
  return {
    name: 'stripe',
    verify(input: VerifyInput): VerifyResult {
      const header = input.headers['stripe-signature'];
      if (!header) return { ok: false, reason: 'missing-header' };
      let t: string | undefined;
      const v1: Buffer[] = [];
      let versioned = false;
      for (const part of header.split(',')) {
        const eq = part.indexOf('=');
        if (eq <= 0) continue;
        const key = part.slice(0, eq).trim();
        const value = part.slice(eq + 1).trim();
        if (key === 't') t = value;
        else if (/^v\d+$/.test(key)) {
          versioned = true;
          const sig = key === 'v1' ? decodeSignature(value, 'hex') : undefined;
          if (sig) v1.push(sig);
        }
      }
      const timestamp = parseUnixSeconds(t);
      if (timestamp === undefined || !versioned) return { ok: false, reason: 'malformed-header' };
      if (v1.length === 0) return { ok: false, reason: 'unknown-version' };
      const stale = checkTimestamp(timestamp, input.now, input.toleranceMs);
      if (stale) return { ok: false, reason: stale };
      const prefix = `${t}.`;
      const keyIndex = matchAny(input.secrets, v1, (secret) =>
        hmac('sha256', secret, [prefix, input.body]),
      );
      return keyIndex < 0
        ? { ok: false, reason: 'bad-signature' }
        : { ok: true, keyIndex, timestamp };
    },
  };
}
