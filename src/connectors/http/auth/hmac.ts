/**
 * HMAC request signing: the signed content is a template over the request
 * (method, path with query, body, timestamp), so one scheme covers the
 * usual vendor variants without code.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { secretRef } from '../../../core/secrets/schema.js';
import type { AuthDeps, HttpAuth } from './types.js';

/**
 * Config of HMAC signing.
 * @example
 * ```ts
 * hmacAuthSchema.parse({ type: 'hmac', secret: 'env:PARTNER_SECRET', algorithm: 'sha256', prefix: 'sha256=' });
 * ```
 */
export const hmacAuthSchema = z
  .object({
    type: z.literal('hmac'),
    secret: secretRef('the signing secret'),
    keyId: z.string().optional().meta({ description: 'Key id sent in `keyIdHeader`, if any' }),
    keyIdHeader: z.string().default('X-Key-Id').meta({ advanced: true }),
    algorithm: z.enum(['sha256', 'sha512', 'sha1']).default('sha256'),
    header: z
      .string()
      .default('X-Signature')
      .meta({ description: 'Header carrying the signature' }),
    prefix: z
      .string()
      .default('')
      .meta({ description: 'Text before the signature, e.g. `sha256=`', examples: ['sha256='] }),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    signedContent: z
      .string()
      .default('{timestamp}.{method}.{path}.{body}')
      .meta({
        description: 'What is signed; placeholders {timestamp} {method} {path} {body} {url}',
        examples: ['{timestamp}.{body}'],
      }),
    timestampHeader: z
      .string()
      .default('X-Timestamp')
      .meta({ description: 'Header carrying the Unix timestamp (seconds)' }),
  })
  .strict();

/**
 * Signs every request with an HMAC of the configured content.
 *
 * @example
 * ```ts
 * const auth = hmacAuth(hmacAuthSchema.parse({ type: 'hmac', secret: 'env:PARTNER_SECRET', prefix: 'sha256=' }), deps);
 * // adds X-Timestamp: 1767225600 and X-Signature: sha256=<hex of "1767225600.POST./v1/orders.{...}">
 * ```
 */
export function hmacAuth(config: z.output<typeof hmacAuthSchema>, deps: AuthDeps): HttpAuth {
  const now = deps.now ?? Date.now;
  return {
    identity: `hmac:${config.keyId ?? config.secret}`,
    async apply(req, signal) {
      const secret = (await deps.secrets.resolve(config.secret, signal)).reveal();
      const timestamp = String(Math.floor(now() / 1000));
      const values: Record<string, string> = {
        timestamp,
        method: req.method.toUpperCase(),
        path: `${req.url.pathname}${req.url.search}`,
        body: req.body ?? '',
        url: req.url.href,
      };
      const content = config.signedContent.replace(/\{(\w+)\}/g, (m, k: string) => values[k] ?? m);
      const mac = createHmac(config.algorithm, secret).update(content).digest(config.encoding);
      req.headers[config.timestampHeader] = timestamp;
      req.headers[config.header] = `${config.prefix}${mac}`;
      if (config.keyId !== undefined) req.headers[config.keyIdHeader] = config.keyId;
    },
  };
}
