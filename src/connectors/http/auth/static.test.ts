import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSecrets } from '../../../core/secrets/resolver.js';
import { captureLog } from '../../../observability/testing.js';
import { guardedCall } from '../call.js';
import { createHttpClient } from '../client.js';
import { bareContext, tempStore } from '../__fixtures__/test-support.js';
import { authSchema, createAuth } from './index.js';

const KEY = 'api-key-value-91c2e0';
const HMAC_SECRET = 'hmac-secret-value-3d7f11';
process.env['PB_STATIC_KEY'] = KEY;
process.env['PB_HMAC_SECRET'] = HMAC_SECRET;

let server: FastifyInstance;
let base: string;
let last:
  { headers: Record<string, unknown>; query: Record<string, unknown>; raw: string } | undefined;

beforeAll(async () => {
  server = Fastify({ forceCloseConnections: true });
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  server.all('/echo', async (req) => {
    last = {
      headers: req.headers,
      query: req.query as Record<string, unknown>,
      raw: typeof req.body === 'string' ? req.body : '',
    };
    return { ok: true };
  });
  base = await server.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

const client = createHttpClient();
afterAll(() => client.close());

async function send(authConfig: unknown, method = 'GET', body?: string) {
  const { store, dispose } = await tempStore();
  const log = captureLog();
  try {
    const auth = createAuth(authSchema.parse(authConfig), { secrets: defaultSecrets, client });
    const ctx = bareContext(store, log.logger);
    await guardedCall(
      ctx,
      () => ({
        method,
        url: new URL(`${base}/echo?x=1`),
        headers: body ? { 'content-type': 'application/json' } : ({} as Record<string, string>),
        body,
      }),
      { client, auth },
    );
    const audit = await store.audit.list();
    return { audit, leaked: log.text() + JSON.stringify(audit) + JSON.stringify(ctx.calls) };
  } finally {
    await dispose();
  }
}

describe('static service identities', () => {
  it('sends an API key in a header', async () => {
    const { audit, leaked } = await send({
      type: 'api-key',
      name: 'X-API-Key',
      value: 'env:PB_STATIC_KEY',
    });
    expect(last?.headers['x-api-key']).toBe(KEY);
    expect(audit[0]?.identity).toBe('api-key:X-API-Key');
    expect(leaked).not.toContain(KEY);
  });

  it('sends an API key in the query, keeping it out of the target', async () => {
    const { audit, leaked } = await send({
      type: 'api-key',
      in: 'query',
      name: 'api_key',
      value: 'env:PB_STATIC_KEY',
    });
    expect(last?.query).toEqual({ x: '1', api_key: KEY });
    expect(audit[0]?.target).toBe(`${base}/echo`);
    expect(leaked).not.toContain(KEY);
  });

  it('sends bearer and basic credentials', async () => {
    await send({ type: 'bearer', token: 'env:PB_STATIC_KEY' });
    expect(last?.headers['authorization']).toBe(`Bearer ${KEY}`);
    const { leaked } = await send({
      type: 'basic',
      username: 'patchbay',
      password: 'env:PB_STATIC_KEY',
    });
    expect(last?.headers['authorization']).toBe(
      `Basic ${Buffer.from(`patchbay:${KEY}`).toString('base64')}`,
    );
    expect(leaked).not.toContain(KEY);
  });

  it('rejects a plaintext secret in the config', () => {
    expect(() => authSchema.parse({ type: 'bearer', token: 'plain-token' })).toThrow();
  });

  it('signs requests with HMAC over the configured content', async () => {
    const body = JSON.stringify({ order: 1 });
    const { leaked } = await send(
      { type: 'hmac', secret: 'env:PB_HMAC_SECRET', prefix: 'sha256=', keyId: 'k1' },
      'POST',
      body,
    );
    const ts = String(last?.headers['x-timestamp']);
    const expected = createHmac('sha256', HMAC_SECRET)
      .update(`${ts}.POST./echo?x=1.${body}`)
      .digest('hex');
    expect(last?.headers['x-signature']).toBe(`sha256=${expected}`);
    expect(last?.headers['x-key-id']).toBe('k1');
    expect(last?.raw).toBe(body);
    expect(leaked).not.toContain(HMAC_SECRET);
  });

  it('signs with base64 sha512 and a custom template', async () => {
    await send(
      {
        type: 'hmac',
        secret: 'env:PB_HMAC_SECRET',
        algorithm: 'sha512',
        encoding: 'base64',
        signedContent: '{method} {url}',
        header: 'X-Sig',
      },
      'GET',
    );
    const expected = createHmac('sha512', HMAC_SECRET)
      .update(`GET ${base}/echo?x=1`)
      .digest('base64');
    expect(last?.headers['x-sig']).toBe(expected);
  });
});
