/**
 * Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp`
 * and `webhook-signature` headers; the signed content is
 * `<id>.<timestamp>.<body>`. `v1` is HMAC-SHA256 under a `whsec_` secret
 * (base64 after the prefix); `v1a` is ed25519, verified with a `whpk_`
 * public key (base64 of the 32 raw key bytes).
 */
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { checkTimestamp, decodeSignature, hmac, matchAny, parseUnixSeconds } from './crypto.js';
import type { SignatureScheme, VerifyInput, VerifyResult } from './types.js';

const SECRET_PREFIX = 'whsec_';
const PUBLIC_KEY_PREFIX = 'whpk_';

function hmacKey(secret: string): Buffer | undefined {
  if (secret.startsWith(PUBLIC_KEY_PREFIX)) return undefined;
  const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return decodeSignature(text, 'base64');
}

function publicKey(secret: string): KeyObject | undefined {
  if (!secret.startsWith(PUBLIC_KEY_PREFIX)) return undefined;
  const raw = decodeSignature(secret.slice(PUBLIC_KEY_PREFIX.length), 'base64');
  if (!raw || raw.length !== 32) return undefined;
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch {
    return undefined;
  }
}

/** Splits `v1,abc v1a,def` into version and decoded signature pairs. */
function parseSignatures(header: string): Array<{ version: string; signature: Buffer }> {
  const out: Array<{ version: string; signature: Buffer }> = [];
  for (const part of header.split(' ')) {
    const comma = part.indexOf(',');
    if (comma <= 0) continue;
    const signature = decodeSignature(part.slice(comma + 1), 'base64');
    if (signature) out.push({ version: part.slice(0, comma), signature });
  }
  return out;
}

/**
 * The Standard Webhooks scheme. Secrets: `whsec_...` for `v1`, `whpk_...`
 * for `v1a`; list both kinds (and old and new keys) at once during a rotation.
 *
 * @example
 * ```ts
 * const scheme = standardWebhooksScheme();
 * scheme.verify({ headers, body, secrets: [process.env.WH_SECRET!], now: Date.now(), toleranceMs: 300_000 });
 * ```
 */
export function standardWebhooksScheme(): SignatureScheme {
  return {
    name: 'standard-webhooks',
    verify(input: VerifyInput): VerifyResult {
      const id = input.headers['webhook-id'];
      const ts = input.headers['webhook-timestamp'];
      const header = input.headers['webhook-signature'];
      if (!id || !ts || !header) return { ok: false, reason: 'missing-header' };
      const timestamp = parseUnixSeconds(ts);
      if (timestamp === undefined) return { ok: false, reason: 'malformed-header' };
      const signatures = parseSignatures(header);
      if (signatures.length === 0) return { ok: false, reason: 'malformed-header' };
      const v1 = signatures.filter((s) => s.version === 'v1').map((s) => s.signature);
      const v1a = signatures.filter((s) => s.version === 'v1a').map((s) => s.signature);
      if (v1.length === 0 && v1a.length === 0) return { ok: false, reason: 'unknown-version' };
      const stale = checkTimestamp(timestamp, input.now, input.toleranceMs);
      if (stale) return { ok: false, reason: stale };

      const prefix = `${id}.${ts}.`;
      let keyIndex = matchAny(input.secrets, v1, (secret) => {
        const key = hmacKey(secret);
        return key && hmac('sha256', key, [prefix, input.body]);
      });
      if (keyIndex < 0 && v1a.length > 0) {
        const content = Buffer.concat([Buffer.from(prefix), input.body]);
        keyIndex = input.secrets.findIndex((secret) => {
          const key = publicKey(secret);
          return key !== undefined && v1a.some((sig) => verifySignature(null, content, key, sig));
        });
      }
      return keyIndex < 0
        ? { ok: false, reason: 'bad-signature' }
        : { ok: true, keyIndex, timestamp };
    },
  };
}

/**
 * Signs a message the Standard Webhooks way: the `webhook-signature` value
 * with one `v1` signature per `whsec_` secret, so a receiver holding either
 * key verifies during a rotation.
 *
 * @example
 * ```ts
 * const signature = signStandardWebhook({ id: 'msg_1', timestamp: 1_700_000_000, body, secrets: ['whsec_...'] });
 * ```
 */
export function signStandardWebhook(message: {
  id: string;
  /** Unix seconds. */
  timestamp: number;
  body: Buffer | string;
  secrets: readonly string[];
}): string {
  const prefix = `${message.id}.${message.timestamp}.`;
  return message.secrets
    .map((secret) => {
      const key = hmacKey(secret);
      if (!key) throw new TypeError('a whsec_ secret (base64 after the prefix) is required');
      return `v1,${hmac('sha256', key, [prefix, message.body]).toString('base64')}`;
    })
    .join(' ');
}
