import { createHmac, generateKeyPairSync, randomBytes, sign as edSign } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { githubScheme } from './schemes/github.js';
import { hmacScheme } from './schemes/hmac.js';
import { shopifyScheme } from './schemes/shopify.js';
import { slackScheme } from './schemes/slack.js';
import { signStandardWebhook, standardWebhooksScheme } from './schemes/standard-webhooks.js';
import { stripeScheme } from './schemes/stripe.js';
import type { VerifyInput } from './schemes/types.js';
import { SLACK_VECTOR, STANDARD_WEBHOOKS_VECTOR } from './__fixtures__/published-vectors.js';

/** A fresh Standard Webhooks secret per run: no key lives in the repository. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const TOLERANCE = 300_000;
const body = Buffer.from('{"id":"evt_1","type":"invoice.paid","data":{"object":{"id":"in_1"}}}');

function input(
  headers: Record<string, string>,
  secrets: string[],
  now: number,
  b: Buffer = body,
): VerifyInput {
  return { headers, body: b, secrets, now, toleranceMs: TOLERANCE };
}

describe('Standard Webhooks', () => {
  const scheme = standardWebhooksScheme();
  const secret = newSecret();

  it('verifies the test vector published with the specification', () => {
    const v = STANDARD_WEBHOOKS_VECTOR;
    const headers = {
      'webhook-id': v.id,
      'webhook-timestamp': String(v.timestamp),
      'webhook-signature': v.signature,
    };
    const payload = Buffer.from(v.payload);
    const result = scheme.verify(input(headers, [v.secret], v.timestamp * 1000, payload));
    expect(result).toEqual({ ok: true, keyIndex: 0, timestamp: v.timestamp * 1000 });
  });

  it('verifies what the official library signs', () => {
    const now = Date.now();
    const ts = Math.floor(now / 1000);
    const signature = new Webhook(secret).sign('msg_1', new Date(ts * 1000), body.toString());
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(ts),
      'webhook-signature': signature,
    };
    expect(scheme.verify(input(headers, [secret], now))).toMatchObject({ ok: true, keyIndex: 0 });
  });

  it('signs so that the official library verifies, with both keys during a rotation', () => {
    const next = newSecret();
    const ts = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook({
      id: 'msg_2',
      timestamp: ts,
      body,
      secrets: [secret, next],
    });
    const headers = {
      'webhook-id': 'msg_2',
      'webhook-timestamp': String(ts),
      'webhook-signature': signature,
    };
    expect(signature.split(' ')).toHaveLength(2);
    for (const key of [secret, next]) {
      expect(new Webhook(key).verify(body.toString(), headers)).toMatchObject({ id: 'evt_1' });
    }
  });

  it('matches a rotated-in key at its index and rejects a removed key', () => {
    const old = `whsec_${Buffer.from('the-old-secret-32-bytes-long!!!!').toString('base64')}`;
    const ts = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_3',
      'webhook-timestamp': String(ts),
      'webhook-signature': signStandardWebhook({
        id: 'msg_3',
        timestamp: ts,
        body,
        secrets: [old],
      }),
    };
    expect(scheme.verify(input(headers, [secret, old], Date.now()))).toMatchObject({
      ok: true,
      keyIndex: 1,
    });
    expect(scheme.verify(input(headers, [secret], Date.now()))).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('verifies v1a ed25519 signatures with a whpk_ public key', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const ts = String(Math.floor(Date.now() / 1000));
    const content = Buffer.concat([Buffer.from(`msg_4.${ts}.`), body]);
    const sig = edSign(null, content, privateKey).toString('base64');
    const headers = {
      'webhook-id': 'msg_4',
      'webhook-timestamp': ts,
      'webhook-signature': `v1a,${sig}`,
    };
    const pk = `whpk_${raw.toString('base64')}`;
    expect(scheme.verify(input(headers, [secret, pk], Date.now()))).toMatchObject({
      ok: true,
      keyIndex: 1,
    });
    const tampered = Buffer.from(body.toString().replace('in_1', 'in_2'));
    expect(scheme.verify(input(headers, [pk], Date.now(), tampered))).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('rejects timestamps outside the tolerance in both directions', () => {
    const now = Date.now();
    for (const [offset, reason] of [
      [-301, 'stale-timestamp'],
      [301, 'future-timestamp'],
    ] as const) {
      const ts = Math.floor(now / 1000) + offset;
      const headers = {
        'webhook-id': 'msg_5',
        'webhook-timestamp': String(ts),
        'webhook-signature': signStandardWebhook({
          id: 'msg_5',
          timestamp: ts,
          body,
          secrets: [secret],
        }),
      };
      expect(scheme.verify(input(headers, [secret], now))).toEqual({ ok: false, reason });
    }
  });

  it('reports unknown versions and malformed headers', () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const base = { 'webhook-id': 'm', 'webhook-timestamp': ts };
    expect(
      scheme.verify(input({ ...base, 'webhook-signature': 'v2,AAAA' }, [secret], Date.now())),
    ).toEqual({ ok: false, reason: 'unknown-version' });
    expect(
      scheme.verify(input({ ...base, 'webhook-signature': 'garbage' }, [secret], Date.now())),
    ).toEqual({ ok: false, reason: 'malformed-header' });
    expect(scheme.verify(input(base, [secret], Date.now()))).toEqual({
      ok: false,
      reason: 'missing-header',
    });
  });
});

describe('Stripe', () => {
  const stripe = new Stripe('sk_test_unused');
  const secret = newSecret();

  it("verifies the stripe package's test header", () => {
    const header = stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret });
    const result = stripeScheme().verify(
      input({ 'stripe-signature': header }, [secret], Date.now()),
    );
    expect(result).toMatchObject({ ok: true, keyIndex: 0 });
  });

  it('rejects an old test header, a wrong secret and a v0-only header', () => {
    const old = Math.floor(Date.now() / 1000) - 600;
    const stale = stripe.webhooks.generateTestHeaderString({
      payload: body.toString(),
      secret,
      timestamp: old,
    });
    expect(
      stripeScheme().verify(input({ 'stripe-signature': stale }, [secret], Date.now())),
    ).toEqual({
      ok: false,
      reason: 'stale-timestamp',
    });
    const fresh = stripe.webhooks.generateTestHeaderString({ payload: body.toString(), secret });
    expect(
      stripeScheme().verify(input({ 'stripe-signature': fresh }, ['whsec_other'], Date.now())),
    ).toEqual({ ok: false, reason: 'bad-signature' });
    const v0 = fresh.replace('v1=', 'v0=');
    expect(stripeScheme().verify(input({ 'stripe-signature': v0 }, [secret], Date.now()))).toEqual({
      ok: false,
      reason: 'unknown-version',
    });
  });
});

describe('GitHub', () => {
  it('verifies signatures made by @octokit/webhooks-methods', async () => {
    const header = await octokitSign('gh-secret', body.toString());
    expect(
      githubScheme().verify(input({ 'x-hub-signature-256': header }, ['gh-secret'], 0)),
    ).toEqual({
      ok: true,
      keyIndex: 0,
    });
  });

  it('rejects the SHA-1 form, a truncated signature and a wrong secret', async () => {
    const header = await octokitSign('gh-secret', body.toString());
    const verify = (h: string, s = 'gh-secret') =>
      githubScheme().verify(input({ 'x-hub-signature-256': h }, [s], 0));
    expect(verify(header.replace('sha256=', 'sha1='))).toEqual({
      ok: false,
      reason: 'unknown-version',
    });
    expect(verify(header.slice(0, -2))).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verify(header, 'other')).toEqual({ ok: false, reason: 'bad-signature' });
  });
});

describe('Shopify', () => {
  it('verifies a base64 HMAC of the body', () => {
    const sig = createHmac('sha256', 'shpss_secret').update(body).digest('base64');
    expect(
      shopifyScheme().verify(input({ 'x-shopify-hmac-sha256': sig }, ['shpss_secret'], 0)),
    ).toEqual({
      ok: true,
      keyIndex: 0,
    });
    const hex = createHmac('sha256', 'shpss_secret').update(body).digest('hex');
    expect(
      shopifyScheme().verify(input({ 'x-shopify-hmac-sha256': hex }, ['shpss_secret'], 0)).ok,
    ).toBe(false);
  });
});

describe('Slack', () => {
  it("verifies the example from Slack's documentation", () => {
    const v = SLACK_VECTOR;
    const payload = Buffer.from(v.body);
    const headers = {
      'x-slack-request-timestamp': String(v.timestamp),
      'x-slack-signature': v.signature,
    };
    const at = v.timestamp * 1000;
    expect(slackScheme().verify(input(headers, [v.signingSecret], at, payload))).toMatchObject({
      ok: true,
      keyIndex: 0,
    });
    expect(slackScheme().verify(input(headers, [v.signingSecret], at + 301_000, payload))).toEqual({
      ok: false,
      reason: 'stale-timestamp',
    });
  });
});

describe('generic HMAC', () => {
  it('verifies a templated, prefixed, base64 signature with a timestamp header', () => {
    const scheme = hmacScheme({
      header: 'X-Signature',
      prefix: 'sha512=',
      algorithm: 'sha512',
      encoding: 'base64',
      template: '{timestamp}:{header:x-delivery}:{body}',
      timestampHeader: 'X-Timestamp',
      timestampUnit: 'ms',
    });
    const now = Date.now();
    const mac = createHmac('sha512', 'k').update(`${now}:d-1:`).update(body).digest('base64');
    const headers = {
      'x-signature': `sha512=${mac}`,
      'x-timestamp': String(now),
      'x-delivery': 'd-1',
    };
    expect(scheme.verify(input(headers, ['k'], now))).toEqual({
      ok: true,
      keyIndex: 0,
      timestamp: now,
    });
    expect(scheme.verify(input({ ...headers, 'x-delivery': 'd-2' }, ['k'], now))).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(scheme.verify(input(headers, ['k'], now + 400_000))).toEqual({
      ok: false,
      reason: 'stale-timestamp',
    });
  });

  it('refuses unknown template placeholders when built', () => {
    expect(() => hmacScheme({ header: 'x-sig', template: '{nonce}.{body}' })).toThrow(
      /placeholders/,
    );
    expect(() => hmacScheme({ header: 'x-sig', template: '{timestamp}.{body}' })).toThrow(
      /timestampHeader/,
    );
  });
});
