import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSecrets } from '../../../core/secrets/resolver.js';
import { captureLog } from '../../../observability/testing.js';
import type { SqliteStore } from '../../../store/sqlite/index.js';
import { guardedCall } from '../call.js';
import { createHttpClient } from '../client.js';
import { bareContext, tempStore } from '../__fixtures__/test-support.js';
import { oauth2AuthSchema, oauth2ClientCredentials } from './oauth2.js';

const CLIENT_SECRET = 'oauth-client-secret-value-5b1e2d';
process.env['PB_OAUTH_SECRET'] = CLIENT_SECRET;

let idp: Server;
/** The slice of oidc-provider's API these tests use (the package ships no types). */
interface ProviderLike {
  callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  ClientCredentials: {
    find(value: string): Promise<{ isExpired: boolean; destroy(): Promise<void> } | undefined>;
  };
}
type ProviderCtor = new (issuer: string, config: Record<string, unknown>) => ProviderLike;

let provider: ProviderLike;
let issuer: string;
let tokenRequests = 0;
let api: FastifyInstance;
let apiBase: string;
let apiHits = 0;
const seenTokens = new Set<string>();

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  process.env['PB_OAUTH_KEY'] = await exportPKCS8(privateKey);
  idp = createServer();
  await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  // A computed specifier: the package has no type declarations, and ProviderLike types what is used.
  const specifier = 'oidc-provider';
  const { default: Provider } = (await import(specifier)) as { default: ProviderCtor };
  provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'svc',
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: 'jwt-svc',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig' }] },
      },
    ],
    features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
    ttl: { ClientCredentials: 600 },
  });
  const handler = provider.callback();
  idp.on('request', (req, res) => {
    if (req.url?.startsWith('/token')) tokenRequests++;
    void handler(req, res);
  });

  api = Fastify({ forceCloseConnections: true });
  // The API validates the bearer token against the provider itself.
  const valid = async (auth: string | undefined) => {
    const value = auth?.replace(/^Bearer /, '') ?? '';
    seenTokens.add(value);
    const token = await provider.ClientCredentials.find(value);
    return token !== undefined && !token.isExpired;
  };
  api.get('/data', async (req, reply) => {
    apiHits++;
    if (!(await valid(req.headers.authorization)))
      return reply.code(401).send({ error: 'invalid_token' });
    return { ok: true };
  });
  api.get('/always-401', async (_req, reply) => {
    apiHits++;
    return reply.code(401).send({ error: 'invalid_token' });
  });
  apiBase = await api.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await api.close();
  await new Promise((r) => idp.close(r));
});

let store: SqliteStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  tokenRequests = 0;
  apiHits = 0;
});
afterEach(() => dispose());

const client = createHttpClient({ timeoutMs: 5000 });
afterAll(() => client.close());

function basicAuth(now?: () => number) {
  const config = oauth2AuthSchema.parse({
    type: 'oauth2-client-credentials',
    tokenUrl: `${issuer}/token`,
    clientId: 'svc',
    clientSecret: 'env:PB_OAUTH_SECRET',
  });
  return oauth2ClientCredentials(config, {
    secrets: defaultSecrets,
    client,
    ...(now ? { now } : {}),
  });
}

const get = (path: string) => () => ({
  method: 'GET',
  url: new URL(`${apiBase}${path}`),
  headers: {},
});

describe('oauth2 client credentials against oidc-provider', () => {
  it('fetches one token for many concurrent callers and caches it', async () => {
    const log = captureLog();
    const ctx = bareContext(store, log.logger);
    const auth = basicAuth();
    await Promise.all(
      Array.from({ length: 20 }, () => guardedCall(ctx, get('/data'), { client, auth })),
    );
    await guardedCall(ctx, get('/data'), { client, auth });
    expect(tokenRequests).toBe(1);
    expect(apiHits).toBe(21);
    const audit = await store.audit.list({ integrationId: 'it' });
    expect(audit).toHaveLength(21);
    expect(audit[0]).toMatchObject({ identity: 'oauth2:svc', outcome: 'success', action: 'GET' });
    const everything = log.text() + JSON.stringify(audit) + JSON.stringify(ctx.calls);
    expect(everything).not.toContain(CLIENT_SECRET);
    for (const token of seenTokens) expect(everything).not.toContain(token);
  });

  it('refreshes shortly before expiry', async () => {
    let now = Date.now();
    const auth = basicAuth(() => now);
    const ctx = bareContext(store, captureLog().logger);
    await guardedCall(ctx, get('/data'), { client, auth });
    now += 560_000; // 600 s token, refreshed 30 s early: still good
    await guardedCall(ctx, get('/data'), { client, auth });
    expect(tokenRequests).toBe(1);
    now += 15_000;
    await guardedCall(ctx, get('/data'), { client, auth });
    expect(tokenRequests).toBe(2);
  });

  it('after a revoked token, refreshes once for all waiting callers and retries', async () => {
    const auth = basicAuth();
    const ctx = bareContext(store, captureLog().logger);
    await guardedCall(ctx, get('/data'), { client, auth });
    for (const value of seenTokens) await (await provider.ClientCredentials.find(value))?.destroy();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => guardedCall(ctx, get('/data'), { client, auth })),
    );
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(tokenRequests).toBe(2);
  });

  it('gives up with an auth error after one refresh-and-retry', async () => {
    const auth = basicAuth();
    const ctx = bareContext(store, captureLog().logger);
    const err = await guardedCall(ctx, get('/always-401'), { client, auth }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ kind: 'auth', retryable: false, code: 'HTTP_401' });
    expect(apiHits).toBe(2);
    expect(tokenRequests).toBe(2);
    expect(JSON.stringify(err)).not.toContain(CLIENT_SECRET);
  });

  it('reports a refused client as an auth error without the secret', async () => {
    process.env['PB_OAUTH_WRONG'] = 'wrong-client-secret-4242';
    const auth = oauth2ClientCredentials(
      oauth2AuthSchema.parse({
        type: 'oauth2-client-credentials',
        tokenUrl: `${issuer}/token`,
        clientId: 'svc',
        clientAuth: 'client_secret_post',
        clientSecret: 'env:PB_OAUTH_WRONG',
      }),
      { secrets: defaultSecrets, client },
    );
    const log = captureLog();
    const ctx = bareContext(store, log.logger);
    const err = await guardedCall(ctx, get('/data'), { client, auth }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: 'auth',
      code: 'TOKEN_REQUEST_FAILED',
      details: { error: 'invalid_client' },
    });
    const everything = JSON.stringify(err) + log.text() + JSON.stringify(await store.audit.list());
    expect(everything).not.toContain('wrong-client-secret-4242');
    expect(apiHits).toBe(0);
  });

  it('authenticates with private_key_jwt (RFC 7523)', async () => {
    const auth = oauth2ClientCredentials(
      oauth2AuthSchema.parse({
        type: 'oauth2-client-credentials',
        tokenUrl: `${issuer}/token`,
        clientId: 'jwt-svc',
        clientAuth: 'private_key_jwt',
        privateKey: 'env:PB_OAUTH_KEY',
      }),
      { secrets: defaultSecrets, client },
    );
    const log = captureLog();
    const ctx = bareContext(store, log.logger);
    // Two token requests prove each assertion carries a fresh jti (a replayed jti is refused).
    await guardedCall(ctx, get('/data'), { client, auth });
    auth.invalidate?.({
      method: 'GET',
      url: new URL(apiBase),
      headers: { authorization: `Bearer ${[...seenTokens].at(-1)}` },
    });
    const { response } = await guardedCall(ctx, get('/data'), { client, auth });
    expect(response.status).toBe(200);
    expect(tokenRequests).toBe(2);
    expect(log.text()).not.toContain('PRIVATE KEY');
  });
});
