/**
 * OAuth2 client credentials (RFC 6749 §4.4) with the client authenticated by
 * a shared secret (basic or post) or by a signed assertion (private_key_jwt,
 * RFC 7523). The token is cached until shortly before it expires; however
 * many calls wait, one token request is in flight; a 401 drops the token
 * once, and only if no newer token has replaced it already, so a burst of
 * 401s costs one refresh rather than a storm.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, importJWK, importPKCS8, type JWK } from 'jose';
import { z } from 'zod';
import { parseDuration } from '../../../core/duration.js';
import { PatchbayError } from '../../../core/errors.js';
import { httpError } from '../../../core/classify.js';
import { secretRef } from '../../../core/secrets/schema.js';
import { safeTarget } from '../client.js';
import type { AuthDeps, HttpAuth } from './types.js';

/**
 * Config of OAuth2 client credentials.
 * @example
 * ```ts
 * oauth2AuthSchema.parse({ type: 'oauth2-client-credentials', tokenUrl: 'https://login.example.com/token',
 *   clientId: 'patchbay', clientSecret: 'env:CLIENT_SECRET', scope: 'orders:read' });
 * ```
 */
export const oauth2AuthSchema = z
  .object({
    type: z.literal('oauth2-client-credentials'),
    tokenUrl: z.url().meta({ examples: ['https://login.example.com/oauth2/token'] }),
    clientId: z.string().min(1),
    clientAuth: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .default('client_secret_basic')
      .meta({ description: 'How the client proves itself to the token endpoint' }),
    clientSecret: secretRef('client secret (client_secret_basic/post)').optional(),
    privateKey: secretRef('private key as PKCS#8 PEM or JWK JSON (private_key_jwt)').optional(),
    keyId: z.string().optional().meta({ description: '`kid` of the signing key', advanced: true }),
    signingAlgorithm: z
      .enum(['RS256', 'PS256', 'ES256', 'EdDSA'])
      .default('RS256')
      .meta({ advanced: true }),
    assertionAudience: z
      .string()
      .optional()
      .meta({ description: 'JWT `aud`; default the token URL', advanced: true }),
    scope: z
      .string()
      .optional()
      .meta({ examples: ['positions:read'] }),
    audience: z
      .string()
      .optional()
      .meta({ description: 'Sent as `resource` when set', advanced: true }),
    refreshBefore: z
      .union([z.number(), z.string()])
      .default('30s')
      .meta({ description: 'Refresh the token this long before it expires', advanced: true }),
  })
  .strict()
  .refine(
    (c) => (c.clientAuth === 'private_key_jwt' ? c.privateKey : c.clientSecret) !== undefined,
    {
      error: 'client_secret_* needs clientSecret; private_key_jwt needs privateKey',
    },
  );

/** Assertions live this long: long enough for clock skew, short enough to be useless if caught. */
const ASSERTION_TTL_S = 60;

interface Token {
  value: string;
  expiresAt: number;
}

/**
 * OAuth2 client credentials with a cached, single-flight token.
 *
 * @example
 * ```ts
 * const auth = oauth2ClientCredentials(oauth2AuthSchema.parse({
 *   type: 'oauth2-client-credentials', tokenUrl: 'https://login.example.com/token',
 *   clientId: 'gps-client', clientAuth: 'private_key_jwt', privateKey: 'file:/run/secrets/gps.pem',
 * }), { secrets: defaultSecrets, client });
 * ```
 */
export function oauth2ClientCredentials(
  config: z.output<typeof oauth2AuthSchema>,
  deps: AuthDeps,
): HttpAuth & { tokenRequests(): number } {
  const now = deps.now ?? Date.now;
  const refreshBeforeMs = parseDuration(config.refreshBefore as never, 'refreshBefore');
  let token: Token | undefined;
  let inFlight: Promise<Token> | undefined;
  let requests = 0;

  async function fetchToken(): Promise<Token> {
    requests++;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (config.scope) form.set('scope', config.scope);
    if (config.audience) form.set('resource', config.audience);
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    // The shared refresh must not die with whichever caller happened to start it.
    const signal = AbortSignal.timeout(30_000);
    if (config.clientAuth === 'private_key_jwt') {
      form.set('client_id', config.clientId);
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', await assertion(signal));
    } else {
      const secret = (await deps.secrets.resolve(config.clientSecret ?? '', signal)).reveal();
      if (config.clientAuth === 'client_secret_post') {
        form.set('client_id', config.clientId);
        form.set('client_secret', secret);
      } else {
        const pair = `${encodeURIComponent(config.clientId)}:${encodeURIComponent(secret)}`;
        headers['authorization'] = `Basic ${Buffer.from(pair).toString('base64')}`;
      }
    }
    const url = new URL(config.tokenUrl);
    const res = await deps.client.send(
      { method: 'POST', url, headers, body: form.toString() },
      signal,
    );
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      // handled below: no access_token
    }
    const what = `token request to ${safeTarget(url)}`;
    if (res.status >= 500 || res.status === 429) throw httpError(res.status, what);
    if (res.status !== 200 || typeof body['access_token'] !== 'string') {
      // Only the OAuth error code is kept: descriptions may echo what was sent.
      const code = typeof body['error'] === 'string' ? body['error'] : `HTTP ${res.status}`;
      throw new PatchbayError('auth', `${what} was refused (${code})`, {
        code: 'TOKEN_REQUEST_FAILED',
        status: res.status,
        details: { error: code, clientId: config.clientId },
      });
    }
    const expiresIn = typeof body['expires_in'] === 'number' ? body['expires_in'] : 3600;
    // Refresh early, but never so early that a short-lived token is refreshed at once.
    const early = Math.min(refreshBeforeMs, (expiresIn * 1000) / 2);
    return { value: body['access_token'], expiresAt: now() + expiresIn * 1000 - early };
  }

  async function assertion(signal: AbortSignal): Promise<string> {
    const pem = (await deps.secrets.resolve(config.privateKey ?? '', signal)).reveal();
    const alg = config.signingAlgorithm;
    const key = pem.trimStart().startsWith('{')
      ? await importJWK(JSON.parse(pem) as JWK, alg)
      : await importPKCS8(pem, alg);
    const iat = Math.floor(now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg, ...(config.keyId ? { kid: config.keyId } : {}) })
      .setIssuer(config.clientId)
      .setSubject(config.clientId)
      .setAudience(config.assertionAudience ?? config.tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_TTL_S)
      .setJti(randomUUID())
      .sign(key);
  }

  function current(): Promise<Token> {
    if (token && token.expiresAt > now()) return Promise.resolve(token);
    inFlight ??= fetchToken().then(
      (t) => {
        token = t;
        inFlight = undefined;
        return t;
      },
      (err: unknown) => {
        inFlight = undefined;
        throw err;
      },
    );
    return inFlight;
  }

  return {
    identity: `oauth2:${config.clientId}`,
    tokenRequests: () => requests,
    async apply(req) {
      req.headers['authorization'] = `Bearer ${(await current()).value}`;
    },
    invalidate(req) {
      // Only the token this request used is dropped; a newer one stays.
      if (token && req.headers['authorization'] === `Bearer ${token.value}`) token = undefined;
      return true;
    },
  };
}
