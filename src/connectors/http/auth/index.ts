/**
 * Service identity for HTTP calls: one config union, one factory.
 */
import { z } from 'zod';
import {
  apiKeyAuth,
  apiKeyAuthSchema,
  basicAuth,
  basicAuthSchema,
  bearerAuth,
  bearerAuthSchema,
} from './static.js';
import { hmacAuth, hmacAuthSchema } from './hmac.js';
import { oauth2AuthSchema, oauth2ClientCredentials } from './oauth2.js';
import { noAuth, type AuthDeps, type HttpAuth } from './types.js';

export { noAuth, type AuthDeps, type HttpAuth } from './types.js';
export {
  apiKeyAuth,
  bearerAuth,
  basicAuth,
  apiKeyAuthSchema,
  bearerAuthSchema,
  basicAuthSchema,
} from './static.js';
export { hmacAuth, hmacAuthSchema } from './hmac.js';
export { oauth2ClientCredentials, oauth2AuthSchema } from './oauth2.js';

/**
 * Every auth scheme's config, told apart by `type`.
 * @example
 * ```ts
 * authSchema.parse({ type: 'basic', username: 'patchbay', password: 'env:ERP_PASSWORD' });
 * ```
 */
export const authSchema = z
  .union([apiKeyAuthSchema, bearerAuthSchema, basicAuthSchema, hmacAuthSchema, oauth2AuthSchema])
  .meta({
    description: 'Service identity: api-key, bearer, basic, hmac or oauth2-client-credentials',
  });

/**
 * Parsed auth config.
 *
 * @example
 * ```ts
 * const config: AuthConfig = authSchema.parse({
 *   type: 'api-key', in: 'header', name: 'X-API-Key', value: 'env:TMS_API_KEY',
 * });
 * const auth = createAuth(config, { secrets: ctx.secrets, client });
 * ```
 */
export type AuthConfig = z.output<typeof authSchema>;

/**
 * Builds the scheme a config names; no config means no credentials.
 *
 * @example
 * ```ts
 * const auth = createAuth({ type: 'bearer', token: 'env:CRM_TOKEN' }, { secrets: defaultSecrets, client });
 * ```
 */
export function createAuth(config: AuthConfig | undefined, deps: AuthDeps): HttpAuth {
  if (config === undefined) return noAuth;
  switch (config.type) {
    case 'api-key':
      return apiKeyAuth(config, deps);
    case 'bearer':
      return bearerAuth(config, deps);
    case 'basic':
      return basicAuth(config, deps);
    case 'hmac':
      return hmacAuth(config, deps);
    case 'oauth2-client-credentials':
      return oauth2ClientCredentials(config, deps);
  }
}
