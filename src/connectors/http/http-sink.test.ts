import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { simulatedOrders } from '../simulated/index.js';
import { captureLog } from '../../observability/testing.js';
import type { SqliteStore } from '../../store/sqlite/index.js';
import { httpCall } from './http-sink.js';
import { FAST_POLICIES, runtimeFor, tempStore } from './__fixtures__/test-support.js';

const TOKEN = 'sink-bearer-token-value-7f3a9c';
process.env['PB_HTTP_SINK_TOKEN'] = TOKEN;

/** Effects the target applied, by idempotency key. */
const effects = new Map<string, unknown>();
const requests: Array<{ key: string | undefined; auth: string | undefined }> = [];
let resetOnce = new Set<string>();
let server: FastifyInstance;
let base: string;

beforeAll(async () => {
  server = Fastify({ forceCloseConnections: true });
  server.post('/incidents', async (req, reply) => {
    const key = req.headers['idempotency-key'] as string | undefined;
    requests.push({ key, auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply.code(401).send();
    if (key === undefined) return reply.code(400).send({ error: 'key required' });
    const body = req.body as { customer_id: string | null };
    if (body.customer_id === null) return reply.code(422).send({ error: 'no customer' });
    if (effects.has(key)) return reply.code(409).send({ error: 'already done' });
    effects.set(key, req.body);
    // The effect is committed; now lose the response once.
    if (resetOnce.has('all') && !resetOnce.has(key)) {
      resetOnce.add(key);
      req.raw.socket.destroy();
      return reply;
    }
    return reply.code(201).send({ ok: true });
  });
  server.post('/plain', async (req) => {
    requests.push({ key: req.headers['idempotency-key'] as string | undefined, auth: undefined });
    return { ok: true };
  });
  server.post('/down', async (req, reply) => {
    requests.push({ key: req.headers['idempotency-key'] as string | undefined, auth: undefined });
    return reply.code(503).send({ error: 'maintenance' });
  });
  server.put('/orders/:no', async (req) => ({ no: (req.params as { no: string }).no }));
  base = await server.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

let store: SqliteStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  effects.clear();
  requests.length = 0;
  resetOnce = new Set();
});
afterEach(() => dispose());

const sink = (extra: Partial<Parameters<typeof httpCall>[0]> = {}) =>
  httpCall({
    url: `${base}/incidents`,
    action: 'create-incident',
    successOn: [409],
    auth: { type: 'bearer', token: 'env:PB_HTTP_SINK_TOKEN' },
    ...extra,
  });

describe('http-call', () => {
  it('sends one call per record with a stable idempotency key, audited, secrets nowhere', async () => {
    const log = captureLog();
    const runtime = await runtimeFor(
      store,
      simulatedOrders({ ordersPerRun: 4, pageSize: 4 }),
      sink(),
      {
        logger: log.logger,
      },
    );
    const result = await runtime.run('it');
    expect(result.status).toBe('succeeded');
    expect(effects.size).toBe(4);
    const keys = requests.map((r) => r.key);
    expect(new Set(keys).size).toBe(4);

    const audit = await store.audit.list({ integrationId: 'it' });
    expect(audit).toHaveLength(4);
    expect(audit[0]).toMatchObject({
      identity: 'bearer:env:PB_HTTP_SINK_TOKEN',
      target: `${base}/incidents`,
      action: 'POST',
      outcome: 'success',
      attempt: 1,
    });
    expect(keys).toContain(audit[0]?.idempotencyKey);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).toContain('/incidents');

    // A second run of the same records: the target answers 409, configured as success.
    const again = await runtime.run('it', { mode: 'replay', range: { from: '0', to: '4' } });
    expect(again.status).toBe('succeeded');
    expect(effects.size).toBe(4);
  });

  it('retries a reset after the server committed with the same key: one effect', async () => {
    resetOnce.add('all');
    const runtime = await runtimeFor(
      store,
      simulatedOrders({ ordersPerRun: 2, pageSize: 2 }),
      sink(),
    );
    const result = await runtime.run('it');
    expect(result.status).toBe('succeeded');
    expect(effects.size).toBe(2);
    expect(requests).toHaveLength(4);
    expect(requests[0]?.key).toBe(requests[1]?.key);
    const audit = await store.audit.list({ integrationId: 'it' });
    expect(audit.filter((a) => a.outcome === 'failure')).toHaveLength(2);
    expect(audit.filter((a) => a.outcome === 'failure')[0]).toMatchObject({
      errorKind: 'connection',
    });
  });

  it('retries a failing call maxAttempts times in all, not once per runtime attempt', async () => {
    // The connector guards each call itself; a second pipeline around the whole write
    // would multiply the attempts (4 × 4 = 16 requests to a target that is down).
    const runtime = await runtimeFor(
      store,
      simulatedOrders({ ordersPerRun: 1, pageSize: 1 }),
      sink({ url: `${base}/down` }),
    );
    const result = await runtime.run('it');
    expect(result.status).toBe('failed');
    expect(requests).toHaveLength(FAST_POLICIES.retry.maxAttempts);
    expect(new Set(requests.map((r) => r.key)).size).toBe(1);
  });

  it('dead-letters a record the target rejects with 4xx, without retrying it', async () => {
    const runtime = await runtimeFor(
      store,
      simulatedOrders({ ordersPerRun: 5, pageSize: 5, badEvery: 5 }),
      sink(),
    );
    const result = await runtime.run('it');
    expect(result.counts).toMatchObject({ written: 4, deadLettered: 1 });
    const letters = await store.deadLetters.list('it');
    expect(letters[0]).toMatchObject({ error: { kind: 'http_4xx', code: 'HTTP_422' } });
    expect(JSON.stringify(letters)).not.toContain(TOKEN);
    expect(effects.size).toBe(4);
    // The failed batch is re-sent record by record (poison isolation); the 422 itself is never retried.
    const badKey = requests[4]?.key;
    expect(requests.filter((r) => r.key === badKey)).toHaveLength(2);
  });

  it('fails with an auth error when the credentials are refused', async () => {
    process.env['PB_HTTP_SINK_WRONG'] = 'wrong-token-value-0099';
    const runtime = await runtimeFor(
      store,
      simulatedOrders({ ordersPerRun: 1, pageSize: 1 }),
      sink({ auth: { type: 'bearer', token: 'env:PB_HTTP_SINK_WRONG' } }),
    );
    const result = await runtime.run('it');
    expect(result.counts.errorsByKind['auth']).toBeGreaterThanOrEqual(1);
    expect(requests).toHaveLength(1);
    expect(JSON.stringify(await store.deadLetters.list('it'))).not.toContain(
      'wrong-token-value-0099',
    );
  });

  it('fills the URL template from the record', async () => {
    const runtime = await runtimeFor(
      store,
      simulatedOrders({ ordersPerRun: 1, pageSize: 1 }),
      httpCall({ url: `${base}/orders/{order_no}`, method: 'PUT', idempotencyHeader: false }),
    );
    expect((await runtime.run('it')).status).toBe('succeeded');
    const audit = await store.audit.list({ integrationId: 'it' });
    expect(audit[0]).toMatchObject({
      target: `${base}/orders/ORD-000001`,
      action: 'PUT',
      identity: 'anonymous',
    });
  });

  it('keeps a ledger for targets without idempotency support: a replay makes no second call', async () => {
    const runtime = await runtimeFor(
      store,
      simulatedOrders({ ordersPerRun: 3, pageSize: 3 }),
      httpCall({ url: `${base}/plain`, idempotencyHeader: false, ledger: true }),
    );
    expect((await runtime.run('it')).status).toBe('succeeded');
    const replay = await runtime.run('it', { mode: 'replay', range: { from: '0', to: '3' } });
    expect(replay.status).toBe('succeeded');
    expect(requests).toHaveLength(3);
    expect(requests.every((r) => r.key === undefined)).toBe(true);
  });
});
