import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../store/types.js';
import { collectingSink } from '../../testing/index.js';
import {
  eventually,
  inboxSettled,
  post,
  SECRETS,
  signedRequest,
  startHarness,
  webhookIntegration,
  type Harness,
} from './__fixtures__/harness.js';
import type { WebhookEvent } from './source.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const payload = { id: 'evt_1', type: 'order.updated', data: { id: 'ord_1', version: 1 } };

describe('webhook receiver over HTTP', () => {
  it('stores the raw bytes before answering and processes them afterwards', async () => {
    const sink = collectingSink();
    h = await startHarness({ integrations: [webhookIntegration({ sink })], process: false });
    // Odd spacing on purpose: the stored bytes must be the received bytes, not a re-serialisation.
    const body = '{ "id":"evt_1",  "data": {"id":"ord_1"} }';
    const req = signedRequest('msg_1', undefined, { body });
    const res = await post(h.url(), {
      ...req,
      headers: {
        ...req.headers,
        authorization: 'Bearer proxy-token',
        cookie: 'session=abc',
        'x-echoed-secret': SECRETS['CURRENT'] as string,
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true, code: 'STORED' });
    // Nothing processed yet (the runtime is not running), but the envelope is durable.
    expect(sink.records).toHaveLength(0);
    const [item] = await h.store.inbox.claim('hooks', { limit: 10, leaseMs: 1000, owner: 't' });
    expect(item?.body.toString()).toBe(body);
    expect(item?.eventId).toBe('msg_1');
    expect(item?.meta).toMatchObject({ scheme: 'standard-webhooks', verified: true, keyIndex: 0 });
    expect(item?.headers['webhook-signature']).toBe(req.headers['webhook-signature']);
    expect(item?.headers).not.toHaveProperty('authorization');
    expect(item?.headers).not.toHaveProperty('cookie');
    expect(item?.headers).not.toHaveProperty('x-echoed-secret');
    expect(item?.headers['content-type']).toBe('application/json');
  });

  it('rejects the whole negative corpus: nothing stored, no step or sink called', async () => {
    const steps: unknown[] = [];
    const sink = collectingSink();
    h = await startHarness({
      integrations: [
        webhookIntegration(
          { sink, steps: [(e: unknown) => (steps.push(e), e)] },
          { maxBodyBytes: 4096 },
        ),
      ],
    });
    const now = Date.now();
    const good = signedRequest('msg_bad', payload);
    const without = (name: string) => {
      const headers = { ...good.headers };
      delete headers[name];
      return { ...good, headers };
    };
    const sig = good.headers['webhook-signature'] as string;
    const corpus: Array<[string, { headers: Record<string, string>; body: string }, number]> = [
      ['expired timestamp', signedRequest('m1', payload, { at: now - 6 * 60_000 }), 401],
      ['future timestamp', signedRequest('m2', payload, { at: now + 6 * 60_000 }), 401],
      ['tampered body', { ...good, body: good.body.replace('"version":1', '"version":2') }, 401],
      [
        're-serialised body',
        { ...good, body: JSON.stringify(JSON.parse(good.body), null, 2) },
        401,
      ],
      [
        'wrong secret',
        signedRequest('m3', payload, {
          secret: `whsec_${Buffer.from('nope-nope-nope-nope-nope-nope-!!').toString('base64')}`,
        }),
        401,
      ],
      [
        'rotated-out secret',
        signedRequest('m4', payload, { secret: SECRETS['RETIRED'] as string }),
        401,
      ],
      ['missing webhook-id', without('webhook-id'), 401],
      ['missing webhook-timestamp', without('webhook-timestamp'), 401],
      ['missing webhook-signature', without('webhook-signature'), 401],
      [
        'truncated signature',
        { ...good, headers: { ...good.headers, 'webhook-signature': sig.slice(0, -6) } },
        401,
      ],
      [
        'unknown version',
        { ...good, headers: { ...good.headers, 'webhook-signature': sig.replace('v1,', 'v2,') } },
        401,
      ],
      ['oversize body', signedRequest('m5', { pad: 'x'.repeat(5000) }), 413],
      [
        'unsupported media type',
        { ...good, headers: { ...good.headers, 'content-type': 'text/plain' } },
        415,
      ],
      ['signed but malformed JSON', signedRequest('m6', undefined, { body: '{"id":' }), 400],
    ];
    for (const [name, req, status] of corpus) {
      const res = await post(h.url(), req);
      expect({ name, status: res.status }).toEqual({ name, status });
    }
    expect(await h.store.inbox.count('hooks')).toBe(0);

    // A valid event after the corpus: once it is processed, the processor has
    // demonstrably run, and it saw nothing but this one event.
    const ok = await post(h.url(), signedRequest('msg_ok', payload));
    expect(ok.status).toBe(200);
    await eventually(async () => sink.records.length > 0, 'the valid event');
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');
    expect(steps).toHaveLength(1);
    expect(sink.records.map((r) => (r.data as WebhookEvent).eventId)).toEqual(['msg_ok']);
    expect(await h.store.inbox.count('hooks')).toBe(1);
    // No secret value in any log line.
    const logs = h.log.text();
    for (const value of Object.values(SECRETS)) expect(logs).not.toContain(value);
    expect(logs).toContain('webhook rejected');
  });

  it('acknowledges a duplicate delivery and applies it once', async () => {
    const sink = collectingSink();
    h = await startHarness({ integrations: [webhookIntegration({ sink })] });
    const first = await post(h.url(), signedRequest('msg_dup', payload));
    // A provider's retry: same event id, new timestamp and signature.
    const again = await post(h.url(), signedRequest('msg_dup', payload, { at: Date.now() + 1000 }));
    expect([first.json['code'], again.json['code']]).toEqual(['STORED', 'DUPLICATE']);
    expect(again.status).toBe(200);
    await eventually(async () => sink.records.length > 0, 'processing');
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');
    expect(sink.records).toHaveLength(1);
    expect(await h.store.inbox.count('hooks')).toBe(1);
  });

  it('acknowledges while the handler is blocked, and processes everything once it unblocks', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const sink = collectingSink(async () => {
      entered = true;
      await gate;
    });
    h = await startHarness({ integrations: [webhookIntegration({ sink })] });
    const first = await post(h.url(), signedRequest('slow_0', payload));
    expect(first.status).toBe(200);
    await eventually(async () => entered, 'the sink to block');
    const statuses: number[] = [];
    for (let i = 1; i <= 20; i++)
      statuses.push((await post(h.url(), signedRequest(`slow_${i}`, payload))).status);
    // Every request was answered while the sink was still blocked on the first event.
    expect(statuses).toEqual(new Array(20).fill(200));
    expect(sink.records).toHaveLength(0);
    release();
    await eventually(async () => sink.records.length === 21, 'all 21 events');
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');
    expect(new Set(sink.records.map((r) => r.sourceKey)).size).toBe(21);
  });
});

function failingAppends(store: Store, failing: { on: boolean }): Store {
  const inbox = new Proxy(store.inbox, {
    get(target, prop, receiver) {
      if (prop === 'append' && failing.on) {
        return async () => {
          throw Object.assign(new Error('SQLITE_IOERR: disk I/O error'), { code: 'SQLITE_IOERR' });
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'inbox') return inbox;
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('webhook receiver when the store cannot write', () => {
  it('answers 503 with Retry-After, never 2xx, and recovers when the fault is lifted', async () => {
    const failing = { on: true };
    const sink = collectingSink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { retryAfter: '7s' })],
      wrapStore: (s) => failingAppends(s, failing),
    });
    const res = await post(h.url(), signedRequest('msg_io', payload));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.json).toEqual({ error: { code: 'STORE_UNAVAILABLE' } });
    failing.on = false;
    const retry = await post(h.url(), signedRequest('msg_io', payload));
    expect(retry.status).toBe(200);
    await eventually(async () => sink.records.length === 1, 'the retried event');
  });

  it('answers 503 once a size-capped SQLite store is full, and every 2xx is stored', async () => {
    const sink = collectingSink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink })],
      process: false,
      storeOptions: { maxSizeBytes: 1024 * 1024 },
    });
    const acked: string[] = [];
    let unavailable: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 20 && !unavailable; i++) {
      const res = await post(h.url(), signedRequest(`big_${i}`, { pad: 'y'.repeat(200_000) }));
      if (res.status === 200) acked.push(`big_${i}`);
      else unavailable = res;
    }
    expect(unavailable?.status).toBe(503);
    expect(unavailable?.headers.get('retry-after')).toBe('5');
    expect(acked.length).toBeGreaterThan(0);
    // The full database takes no more writes (not even a claim), but it still reads.
    expect(await h.store.inbox.count('hooks')).toBe(acked.length);
    const stored = await Promise.all(acked.map((_, i) => h!.store.inbox.get(String(i + 1))));
    expect(stored.map((i) => i?.eventId)).toEqual(acked);
  });
});
