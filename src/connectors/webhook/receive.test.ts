import { createHmac } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import pino from 'pino';
import Stripe from 'stripe';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretResolverChain } from '../../core/secrets/resolver.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { webhookConfigSchema, type WebhookConfigInput } from './config.js';
import { webhookHandler } from './receive.js';

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const VALUES: Record<string, string> = {
  STRIPE: 'whsec_stripe_test_secret',
  GITHUB: 'github-secret',
  SLACK: 'slack-signing-secret',
};
const secrets = new SecretResolverChain().register({
  scheme: 'test',
  async resolve(name) {
    const v = VALUES[name];
    if (v === undefined) throw new Error(`secret test:${name} is not configured`);
    return v;
  },
});

async function handler(config: WebhookConfigInput) {
  store = await openSqliteStore({ path: ':memory:' });
  return webhookHandler(
    { integrationId: 'hooks', config: webhookConfigSchema.parse(config) },
    { store, secrets, logger: pino({ level: 'silent' }) },
  );
}

describe('webhook handler per provider', () => {
  it('stripe: event id and event time come from the body', async () => {
    const handle = await handler({
      signature: { scheme: 'stripe', secrets: ['test:STRIPE'] },
      occurredAt: 'body:created',
      entityKey: 'body:data.object.id',
    });
    const body = JSON.stringify({
      id: 'evt_123',
      created: 1_795_000_000,
      data: { object: { id: 'pi_9' } },
    });
    const header = new Stripe('sk_test_unused').webhooks.generateTestHeaderString({
      payload: body,
      secret: VALUES['STRIPE'] as string,
    });
    const res = await handle({
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
      body: Buffer.from(body),
    });
    expect(res.status).toBe(200);
    const item = await store!.inbox.get('1');
    expect(item).toMatchObject({
      eventId: 'evt_123',
      entityKey: 'pi_9',
      occurredAt: 1_795_000_000_000,
    });
  });

  it('github: the delivery header is the event id', async () => {
    const handle = await handler({ signature: { scheme: 'github', secrets: ['test:GITHUB'] } });
    const body = '{"action":"opened"}';
    const headers = {
      'content-type': 'application/json',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': await octokitSign(VALUES['GITHUB'] as string, body),
    };
    expect((await handle({ headers, body: Buffer.from(body) })).status).toBe(200);
    expect((await handle({ headers, body: Buffer.from(body) })).body).toEqual({
      ok: true,
      code: 'DUPLICATE',
    });
    expect(await store!.inbox.count('hooks')).toBe(1);
  });

  it('slack: answers the URL verification challenge and stores nothing', async () => {
    const handle = await handler({ signature: { scheme: 'slack', secrets: ['test:SLACK'] } });
    const body =
      '{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}';
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = createHmac('sha256', VALUES['SLACK'] as string)
      .update(`v0:${ts}:${body}`)
      .digest('hex');
    const res = await handle({
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': `v0=${sig}`,
      },
      body: Buffer.from(body),
    });
    expect(res).toMatchObject({
      status: 200,
      body: { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' },
    });
    expect(await store!.inbox.count('hooks')).toBe(0);
  });

  it('answers 503 when a secret cannot be resolved, without storing or naming the value', async () => {
    const handle = await handler({
      signature: { scheme: 'github', secrets: ['test:MISSING'] },
      retryAfter: '30s',
    });
    const res = await handle({
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' },
      body: Buffer.from('{}'),
    });
    expect(res).toEqual({
      status: 503,
      headers: { 'retry-after': '30' },
      body: { error: { code: 'SECRET_UNAVAILABLE' } },
    });
    expect(await store!.inbox.count('hooks')).toBe(0);
  });

  it('generic hmac: verifies form bodies when the media type is allowed', async () => {
    const handle = await handler({
      signature: {
        scheme: 'hmac',
        secrets: ['test:GITHUB'],
        header: 'X-Signature',
        encoding: 'base64',
      },
      mediaTypes: ['application/x-www-form-urlencoded'],
      eventId: 'body:delivery',
    });
    const body = 'delivery=d-42&status=ok';
    const sig = createHmac('sha256', VALUES['GITHUB'] as string)
      .update(body)
      .digest('base64');
    const res = await handle({
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signature': sig },
      body: Buffer.from(body),
    });
    expect(res.status).toBe(200);
    expect((await store!.inbox.get('1'))?.eventId).toBe('d-42');
    const json = await handle({
      headers: { 'content-type': 'application/json', 'x-signature': sig },
      body: Buffer.from(body),
    });
    expect(json.status).toBe(415);
  });
});
