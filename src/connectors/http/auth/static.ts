/**
 * The static schemes: an API key in a header or the query, a bearer token,
 * and HTTP basic. Their secrets are resolved on every call, so rotating the
 * referenced value needs no restart.
 */
import { z } from 'zod';
import { secretRef } from '../../../core/secrets/schema.js';
import type { AuthDeps, HttpAuth } from './types.js';

/**
 * Config of an API key.
 * @example
 * ```ts
 * apiKeyAuthSchema.parse({ type: 'api-key', in: 'query', name: 'api_key', value: 'env:GPS_KEY' });
 * ```
 */
export const apiKeyAuthSchema = z
  .object({
    type: z.literal('api-key'),
    in: z.enum(['header', 'query']).default('header').meta({ description: 'Where the key goes' }),
    name: z
      .string()
      .min(1)
      .default('X-API-Key')
      .meta({ description: 'Header or query parameter name' }),
    value: secretRef('the API key'),
  })
  .strict();

/**
 * Config of a bearer token.
 * @example
 * ```ts
 * bearerAuthSchema.parse({ type: 'bearer', token: 'env:CRM_TOKEN' });
 * ```
 */
export const bearerAuthSchema = z
  .object({ type: z.literal('bearer'), token: secretRef('the bearer token') })
  .strict();

/**
 * Config of HTTP basic auth.
 * @example
 * ```ts
 * basicAuthSchema.parse({ type: 'basic', username: 'patchbay', password: 'file:/run/secrets/erp' });
 * ```
 */
export const basicAuthSchema = z
  .object({
    type: z.literal('basic'),
    username: z.string().min(1).meta({ description: 'User name (not secret)' }),
    password: secretRef('the password'),
  })
  .strict();

/**
 * An API key in a header or query parameter.
 *
 * @example
 * ```ts
 * const auth = apiKeyAuth({ type: 'api-key', in: 'header', name: 'X-API-Key', value: 'env:GPS_KEY' }, deps);
 * ```
 */
export function apiKeyAuth(config: z.output<typeof apiKeyAuthSchema>, deps: AuthDeps): HttpAuth {
  return {
    identity: `api-key:${config.name}`,
    async apply(req, signal) {
      const key = (await deps.secrets.resolve(config.value, signal)).reveal();
      if (config.in === 'header') req.headers[config.name] = key;
      else req.url.searchParams.set(config.name, key);
    },
  };
}

/**
 * A static bearer token.
 *
 * @example
 * ```ts
 * const auth = bearerAuth({ type: 'bearer', token: 'env:CRM_TOKEN' }, deps);
 * ```
 */
export function bearerAuth(config: z.output<typeof bearerAuthSchema>, deps: AuthDeps): HttpAuth {
  return {
    identity: `bearer:${config.token}`,
    async apply(req, signal) {
      req.headers['authorization'] =
        `Bearer ${(await deps.secrets.resolve(config.token, signal)).reveal()}`;
    },
  };
}

/**
 * HTTP basic auth.
 *
 * @example
 * ```ts
 * const auth = basicAuth({ type: 'basic', username: 'patchbay', password: 'env:ERP_PASSWORD' }, deps);
 * ```
 */
export function basicAuth(config: z.output<typeof basicAuthSchema>, deps: AuthDeps): HttpAuth {
  return {
    identity: `basic:${config.username}`,
    async apply(req, signal) {
      const password = (await deps.secrets.resolve(config.password, signal)).reveal();
      req.headers['authorization'] =
        `Basic ${Buffer.from(`${config.username}:${password}`).toString('base64')}`;
    },
  };
}
