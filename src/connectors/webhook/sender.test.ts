import type { AddressInfo } from 'node:net';
import { fastify, type FastifyInstance } from 'fastify';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { SECRETS, testSecrets } from './__fixtures__/harness.js';
import { DELIVERY_SCHEDULE_MS, nextAttemptAt } from './sender/schedule.js';
import {
  DISABLED_ENDPOINTS,
  WebhookSender,
  type WebhookEndpoint,
  type WebhookSenderOptions,
} from './sender/sender.js';

let store: SqliteStore | undefined;
let server: FastifyInstance | undefined;
let sender: WebhookSender | undefined;
afterEach(async () => {
  await sender?.close();
  await server?.close();
  await store?.close();
  sender = server = store = undefined;
});

interface Hit {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A subscriber answering the scripted statuses in turn (200 once they run out). */
async function subscriber(
  script: Array<number | { status: number; retryAfter: string }>,
): Promise<{ url: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  server = fastify();
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (_r, b, done) =>
    done(null, b),
  );
  server.post('/hook', async (req, reply) => {
    hits.push({ headers: req.headers, body: req.body as string });
    const next = script.shift() ?? 200;
    const answer = typeof next === 'number' ? { status: next } : next;
    if ('retryAfter' in answer) reply.header('retry-after', answer.retryAfter);
    return reply.code(answer.status).send({ ok: answer.status < 300 });
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  return { url: `http://127.0.0.1:${(server.server.address() as AddressInfo).port}/hook`, hits };
}

async function makeSender(
  url: string,
  secrets = ['test:CURRENT'],
  extra: Partial<WebhookSenderOptions> = {},
): Promise<WebhookSender> {
  store = await openSqliteStore({ path: ':memory:' });
  const endpoint: WebhookEndpoint = { id: 'acme', url, secrets, allowHosts: ['127.0.0.1'] };
  sender = new WebhookSender({
    store,
    secrets: testSecrets(),
    logger: pino({ level: 'silent' }),
    integrationId: 'events-out',
    endpoints: [endpoint],
    ...extra,
  });
  return sender;
}

describe('webhook sender', () => {
  it('signs so that the official library verifies, with both keys during a rotation', async () => {
    const sub = await subscriber([]);
    const s = await makeSender(sub.url, ['test:CURRENT', 'test:PREVIOUS']);
    await s.enqueue('acme', 'order.shipped', { orderId: 'o-1' }, { id: 'msg_o1' });
    expect(await s.tick()).toEqual({ delivered: 1, retried: 0, dead: 0 });
    const [hit] = sub.hits;
    const headers = hit!.headers as Record<string, string>;
    for (const secret of [SECRETS['CURRENT'], SECRETS['PREVIOUS']]) {
      expect(new Webhook(secret as string).verify(hit!.body, headers)).toMatchObject({
        type: 'order.shipped',
        data: { orderId: 'o-1' },
      });
    }
    expect(headers['webhook-id']).toBe('msg_o1');
    expect(await store!.outbox.count('events-out', 'delivered')).toBe(1);
  });

  it('delivers on its own once started, until stopped', async () => {
    const sub = await subscriber([]);
    const s = await makeSender(sub.url);
    s.start(20);
    await s.enqueue('acme', 't', { n: 1 });
    const deadline = Date.now() + 10_000;
    while ((await store!.outbox.count('events-out', 'delivered')) < 1 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await s.stop();
    expect(await store!.outbox.count('events-out', 'delivered')).toBe(1);
    expect(sub.hits).toHaveLength(1);
  });

  it('enqueues a message id once', async () => {
    const s = await makeSender('http://127.0.0.1:9/hook');
    const a = await s.enqueue('acme', 't', {}, { id: 'msg_same' });
    const b = await s.enqueue('acme', 't', {}, { id: 'msg_same' });
    expect(b).toEqual({ id: a.id, duplicate: true });
  });

  it('retries on the schedule, and a longer Retry-After wins', async () => {
    const sub = await subscriber([500, { status: 503, retryAfter: '600' }]);
    const s = await makeSender(sub.url);
    await s.enqueue('acme', 't', { n: 1 });
    const t0 = Date.now();
    expect(await s.tick(t0)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(await s.tick(t0 + 4_000)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(await s.tick(t0 + 5_000)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    // The schedule says 5 min; the endpoint asked for 10.
    expect(await s.tick(t0 + 5_000 + 300_000)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(await s.tick(t0 + 5_000 + 600_000)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(sub.hits).toHaveLength(3);
  });

  it('dead-letters after the last scheduled attempt', async () => {
    const sub = await subscriber(new Array(20).fill(500));
    const s = await makeSender(sub.url);
    await s.enqueue('acme', 't', { n: 1 });
    let now = Date.now();
    const outcomes: string[] = [];
    for (let i = 0; i < DELIVERY_SCHEDULE_MS.length; i++) {
      const r = await s.tick(now);
      outcomes.push(r.dead ? 'dead' : r.retried ? 'retried' : 'none');
      // Past the longest gap of the schedule, so every tick finds the message due.
      now += 11 * 3_600_000;
    }
    expect(outcomes.at(-1)).toBe('dead');
    expect(outcomes.filter((o) => o === 'retried')).toHaveLength(DELIVERY_SCHEDULE_MS.length - 1);
    expect(sub.hits).toHaveLength(DELIVERY_SCHEDULE_MS.length);
    const [letter] = await store!.deadLetters.list('events-out');
    expect(letter).toMatchObject({ stage: 'deliver', attempts: DELIVERY_SCHEDULE_MS.length });
    expect(letter?.error.code).toBe('HTTP_500');
  });

  it('disables an endpoint that answers 410 and sends it nothing more', async () => {
    const sub = await subscriber([410]);
    const s = await makeSender(sub.url);
    await s.enqueue('acme', 't', { n: 1 });
    expect(await s.tick()).toEqual({ delivered: 0, retried: 0, dead: 1 });
    await s.enqueue('acme', 't', { n: 2 });
    expect(await s.tick()).toEqual({ delivered: 0, retried: 0, dead: 1 });
    expect(sub.hits).toHaveLength(1);
    const letters = await store!.deadLetters.list('events-out');
    expect(letters.map((l) => l.error.code)).toEqual(['HTTP_410', 'ENDPOINT_DISABLED']);
  });

  it('sends again once the disabled endpoint is configured with another URL', async () => {
    const sub = await subscriber([410]);
    const s = await makeSender(sub.url);
    await s.enqueue('acme', 't', { n: 1 });
    expect(await s.tick()).toEqual({ delivered: 0, retried: 0, dead: 1 });
    // The same URL in a restarted sender: still disabled.
    const again = new WebhookSender({
      store: store!,
      secrets: testSecrets(),
      logger: pino({ level: 'silent' }),
      integrationId: 'events-out',
      endpoints: [
        { id: 'acme', url: sub.url, secrets: ['test:CURRENT'], allowHosts: ['127.0.0.1'] },
      ],
    });
    await again.enqueue('acme', 't', { n: 2 });
    expect(await again.tick()).toEqual({ delivered: 0, retried: 0, dead: 1 });
    await again.close();
    // The subscriber moved: the 410 was about the old URL.
    const moved = new WebhookSender({
      store: store!,
      secrets: testSecrets(),
      logger: pino({ level: 'silent' }),
      integrationId: 'events-out',
      endpoints: [
        { id: 'acme', url: `${sub.url}?v=2`, secrets: ['test:CURRENT'], allowHosts: ['127.0.0.1'] },
      ],
    });
    await moved.enqueue('acme', 't', { n: 3 });
    expect(await moved.tick()).toEqual({ delivered: 1, retried: 0, dead: 0 });
    await moved.close();
    expect(sub.hits).toHaveLength(2);
    expect(await store!.cache.get(DISABLED_ENDPOINTS, 'acme')).toBeUndefined();
  });

  it('opens a breaker per endpoint, and probes it again once it has been open long enough', async () => {
    const sub = await subscriber([500, 500]);
    const s = await makeSender(sub.url, undefined, { breaker: { threshold: 2, openMs: 60_000 } });
    for (const n of [1, 2, 3]) await s.enqueue('acme', 't', { n }, { id: `msg_b${n}` });
    const t0 = Date.now();
    expect(await s.tick(t0)).toEqual({ delivered: 0, retried: 3, dead: 0 });
    expect(sub.hits).toHaveLength(2); // the third message was held back, not sent
    expect(await s.tick(t0 + 5_000)).toEqual({ delivered: 0, retried: 2, dead: 0 });
    expect(sub.hits).toHaveLength(2);
    expect(await s.tick(t0 + 60_000)).toEqual({ delivered: 3, retried: 0, dead: 0 });
    expect(sub.hits).toHaveLength(5);
  });

  it('does not count breaker hold-backs against the retry schedule', async () => {
    const sub = await subscriber(new Array(10).fill(500));
    const s = await makeSender(sub.url, undefined, {
      schedule: [0, 1_000],
      breaker: { threshold: 1, openMs: 10_000 },
    });
    await s.enqueue('acme', 't', { n: 1 }, { id: 'msg_s1' });
    await s.enqueue('acme', 't', { n: 2 }, { id: 'msg_s2' });
    const t0 = Date.now();
    const ticks = [];
    for (const at of [0, 10_000, 20_000, 30_000]) ticks.push(await s.tick(t0 + at));
    expect(ticks.map((t) => t.dead)).toEqual([0, 1, 0, 1]);
    // Each message got exactly the two attempts of its schedule, however often it was held back.
    const ids = sub.hits.map((h) => h.headers['webhook-id']);
    expect(ids).toEqual(['msg_s1', 'msg_s1', 'msg_s2', 'msg_s2']);
  });

  it('refuses internal URLs when an endpoint is registered', async () => {
    store = await openSqliteStore({ path: ':memory:' });
    const make = (url: string) =>
      new WebhookSender({
        store: store!,
        secrets: testSecrets(),
        logger: pino({ level: 'silent' }),
        integrationId: 'events-out',
        endpoints: [{ id: 'x', url, secrets: ['test:CURRENT'] }],
      });
    for (const url of [
      'http://169.254.169.254/latest',
      'http://127.0.0.1:8080/',
      'http://localhost/',
      'ftp://example.com/',
    ]) {
      expect(() => make(url), url).toThrow(/refused/);
    }
  });

  it('computes the schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect(DELIVERY_SCHEDULE_MS.map((ms) => ms / 1000)).toEqual([
      0, 5, 300, 1800, 7200, 18000, 36000, 36000,
    ]);
    expect(nextAttemptAt(1, 1000)).toBe(6000);
    expect(nextAttemptAt(1, 1000, 60_000)).toBe(61_000);
    expect(nextAttemptAt(8, 1000)).toBeNull();
  });
});
