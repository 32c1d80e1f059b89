/**
 * The shape every service-identity scheme shares. A scheme adds credentials
 * to a request at the last moment, resolving its secret references then
 * (so a rotated secret is picked up without a restart), and names itself
 * with an identity that audit rows can show: never a secret value.
 */
import type { SecretResolverChain } from '../../../core/secrets/resolver.js';
import type { HttpClient, HttpRequest } from '../client.js';

/**
 * A service-identity scheme, ready to sign requests.
 * @example
 * ```ts
 * const custom: HttpAuth = {
 *   identity: 'vendor-session:patchbay',
 *   async apply(req) { req.headers['x-session'] = await sessions.current(); },
 * };
 * ```
 */
export interface HttpAuth {
  /** Who calls, e.g. `oauth2:gps-client` or `api-key:X-API-Key`. Safe to log. */
  readonly identity: string;
  /** Adds credentials to `req` (headers, query, signature). */
  apply(req: HttpRequest, signal: AbortSignal): Promise<void>;
  /**
   * Called once after a 401 for a request `apply` signed. Returns true when
   * signing again may help (a token was refreshed); false when it cannot.
   */
  invalidate?(req: HttpRequest): boolean;
}

/**
 * What a scheme needs from its connector.
 *
 * @example
 * ```ts
 * const deps: AuthDeps = {
 *   secrets: ctx.secrets,
 *   client: createHttpClient({ timeoutMs: 10_000 }), // also sends the token requests
 * };
 * const auth = bearerAuth({ type: 'bearer', token: 'env:CRM_TOKEN' }, deps);
 * ```
 */
export interface AuthDeps {
  secrets: SecretResolverChain;
  /** The integration's client, for token requests. */
  client: HttpClient;
  /** Clock for token expiry; default `Date.now`. */
  now?: () => number;
}

/**
 * No credentials: public APIs and tests.
 *
 * @example
 * ```ts
 * const auth = noAuth; await auth.apply(req, signal); // leaves req unchanged
 * ```
 */
export const noAuth: HttpAuth = {
  identity: 'anonymous',
  async apply() {},
};
