/**
 * Slack: `X-Slack-Signature: v0=<hex>` over `v0:<timestamp>:<body>`, with the
 * timestamp in `X-Slack-Request-Timestamp` (Unix seconds).
 */
import { checkTimestamp, decodeSignature, hmac, matchAny, parseUnixSeconds } from './crypto.js';
import type { SignatureScheme, VerifyInput, VerifyResult } from './types.js';

/**
 * The Slack scheme (signing secret).
 *
 * @example
 * ```ts
 * slackScheme().verify({ headers, body, secrets: ['8f742231b10e8888abcd99yyyzzz85a5'], now: Date.now(), toleranceMs: 300_000 });
 * ```
 */
export function slackScheme(): SignatureScheme {
  return {
    name: 'slack',
    verify(input: VerifyInput): VerifyResult {
      const header = input.headers['x-slack-signature'];
      const ts = input.headers['x-slack-request-timestamp'];
      if (!header || !ts) return { ok: false, reason: 'missing-header' };
      const timestamp = parseUnixSeconds(ts);
      const eq = header.indexOf('=');
      if (timestamp === undefined || eq <= 0) return { ok: false, reason: 'malformed-header' };
      if (header.slice(0, eq) !== 'v0') return { ok: false, reason: 'unknown-version' };
      const provided = decodeSignature(header.slice(eq + 1), 'hex');
      if (!provided) return { ok: false, reason: 'malformed-header' };
      const stale = checkTimestamp(timestamp, input.now, input.toleranceMs);
      if (stale) return { ok: false, reason: stale };
      const prefix = `v0:${ts}:`;
      const keyIndex = matchAny(input.secrets, [provided], (secret) =>
        hmac('sha256', secret, [prefix, input.body]),
      );
      return keyIndex < 0
        ? { ok: false, reason: 'bad-signature' }
        : { ok: true, keyIndex, timestamp };
    },
  };
}
