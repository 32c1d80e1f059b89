import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simulatedOrders } from '../../simulated/index.js';
import type { SqliteStore } from '../../../store/sqlite/index.js';
import { httpCall } from '../http-sink.js';
import { httpPoll } from '../rest-source.js';
import { collectingSink, runtimeFor, tempStore } from '../__fixtures__/test-support.js';
import type { Fixture } from './fixture.js';
import { fixturePath, type RecordingConfig } from './config.js';

// Secrets with characters that form encoding changes (`+`, `/`, `=`), so a scrub of the
// raw value alone would miss them in a token request body; generated per run, so no
// credential literal lives in the repository.
const nonce = () => randomBytes(6).toString('hex');
const TOKEN = `rec-bearer-${nonce()}+9f2/c1=`;
const CLIENT_SECRET = `rec-client-${nonce()}+7a/41==`;
const ACCESS = `rec-access-${nonce()}`;
const API_KEY = `rec-api-key-${nonce()}`;
const ENV = {
  PB_REC_TOKEN: TOKEN,
  PB_REC_CLIENT_SECRET: CLIENT_SECRET,
  PB_REC_API_KEY: API_KEY,
} as const;

const LOADS = Array.from({ length: 5 }, (_, i) => ({ id: `L${i + 1}`, status: 'in-transit' }));

interface Server {
  base: string;
  hits: string[];
  close(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const hits: string[] = [];
  const app: FastifyInstance = Fastify({ forceCloseConnections: true });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addHook('onRequest', async (req) => void hits.push(`${req.method} ${req.url}`));
  app.post('/oauth/token', async (req, reply) => {
    const form = req.body as Record<string, string>;
    const basic = `Basic ${Buffer.from(`gps:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
    const ok = form['client_secret'] === CLIENT_SECRET || req.headers.authorization === basic;
    if (!ok) return reply.code(401).send({ error: 'invalid_client' });
    return { access_token: ACCESS, token_type: 'Bearer', expires_in: 3600 };
  });
  app.get('/loads', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const authorized =
      req.headers.authorization === `Bearer ${ACCESS}` ||
      req.headers.authorization === `Bearer ${TOKEN}` ||
      q['k'] === API_KEY;
    if (!authorized) return reply.code(401).send();
    const at = Number(q['cursor'] ?? 0);
    return { data: LOADS.slice(at, at + 2), meta: { next: at + 2 < LOADS.length ? at + 2 : null } };
  });
  app.post('/incidents', async (req, reply) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply.code(401).send();
    const order = req.body as { order_no: string };
    return reply.code(201).send({ incident: `INC-${order.order_no}` });
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { base, hits, close: () => app.close() };
}

let server: Server;
let dir: string;
let file: string;
const stores: Array<() => Promise<void>> = [];
async function freshStore(): Promise<SqliteStore> {
  const { store, dispose } = await tempStore();
  stores.push(dispose);
  return store;
}

beforeEach(async () => {
  Object.assign(process.env, ENV);
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'patchbay-recording-'));
  file = join(dir, 'fixtures', 'gps-api.json');
});
afterEach(async () => {
  await server.close();
  for (const dispose of stores.splice(0)) await dispose();
  rmSync(dir, { recursive: true, force: true });
  for (const name of Object.keys(ENV)) delete process.env[name];
});

const fixtureText = () => readFileSync(file, 'utf8');
const fixture = () => JSON.parse(fixtureText()) as Fixture;

type PollConfig = Parameters<typeof httpPoll>[0];

const poll = (recording: RecordingConfig, extra: Partial<PollConfig> = {}) =>
  httpPoll({
    url: `${server.base}/loads`,
    recordsPath: 'data',
    keyPath: 'id',
    pagination: { type: 'cursor', cursorPath: 'meta.next', param: 'cursor' },
    auth: {
      type: 'oauth2-client-credentials',
      tokenUrl: `${server.base}/oauth/token`,
      clientId: 'gps',
      clientAuth: 'client_secret_post',
      clientSecret: 'env:PB_REC_CLIENT_SECRET',
    },
    recording,
    ...extra,
  });

async function runPoll(recording: RecordingConfig, extra: Partial<PollConfig> = {}) {
  const sink = collectingSink();
  const runtime = await runtimeFor(await freshStore(), poll(recording, extra), sink);
  return { result: await runtime.run('it'), received: sink.received };
}

describe('recording chosen in the connector config', () => {
  it('http-poll: records to a file, then replays the same records with the server stopped', async () => {
    const live = await runPoll({ mode: 'record', file });
    expect(live.result.status).toBe('succeeded');
    expect(live.received).toEqual(LOADS);
    // Token request and three pages, each kept as it left (with the token the scheme added).
    expect(
      fixture().exchanges.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`),
    ).toEqual(['POST /oauth/token', 'GET /loads', 'GET /loads', 'GET /loads']);
    expect(fixture().name).toBe('it');

    await server.close();
    const hitsBefore = server.hits.length;
    // No credential exists any more: replay must not need one.
    for (const name of Object.keys(ENV)) delete process.env[name];
    const replayed = await runPoll({ mode: 'replay', file });
    expect(replayed.result.status).toBe('succeeded');
    expect(replayed.received).toEqual(live.received);
    expect(server.hits).toHaveLength(hitsBefore);
  });

  it('never writes a bearer token, an OAuth client secret or an issued token to the file', async () => {
    // Source and sink of one integration record to the same file while the run pipelines.
    const sink = httpCall({
      url: `${server.base}/incidents`,
      action: 'create-incident',
      auth: { type: 'bearer', token: 'env:PB_REC_TOKEN' },
      recording: { mode: 'record', file },
    });
    const runtime = await runtimeFor(await freshStore(), poll({ mode: 'record', file }), sink);
    expect((await runtime.run('it')).status).toBe('succeeded');
    const paths = fixture().exchanges.map((e) => new URL(e.request.url).pathname);
    // Token request, three pages, five calls: neither session dropped the other's.
    expect(paths.filter((p) => p === '/incidents')).toHaveLength(5);
    expect(paths.filter((p) => p === '/loads')).toHaveLength(3);
    expect(paths).toHaveLength(9);

    const text = fixtureText();
    for (const secret of [TOKEN, CLIENT_SECRET, ACCESS]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(encodeURIComponent(secret));
      expect(text).not.toContain(new URLSearchParams({ s: secret }).toString().slice(2));
    }
    const [token, page] = fixture().exchanges;
    expect(token?.response?.body).toMatchObject({ json: { access_token: '[redacted]' } });
    expect(page?.request.headers['authorization']).toBe('[redacted]');
    const calls = fixture()
      .exchanges.filter((e) => e.request.method === 'POST')
      .slice(1);
    expect(calls.map((e) => [e.request.headers['authorization'], e.response?.status])).toEqual(
      Array(5).fill(['[redacted]', 201]),
    );
  });

  it('also hides an OAuth client secret sent with client_secret_basic', async () => {
    const { result } = await runPoll(
      { mode: 'record', file },
      {
        auth: {
          type: 'oauth2-client-credentials',
          tokenUrl: `${server.base}/oauth/token`,
          clientId: 'gps',
          clientSecret: 'env:PB_REC_CLIENT_SECRET',
        },
      },
    );
    expect(result.status).toBe('succeeded');
    expect(fixture().exchanges[0]?.request.headers['authorization']).toBe('[redacted]');
    expect(fixtureText()).not.toContain(
      Buffer.from(`gps:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64'),
    );
  });

  it('replays an API key sent in a query parameter of any name, without the key', async () => {
    const auth = { type: 'api-key', in: 'query', name: 'k', value: 'env:PB_REC_API_KEY' } as const;
    expect((await runPoll({ mode: 'record', file }, { auth })).result.status).toBe('succeeded');
    expect(fixtureText()).not.toContain(API_KEY);
    expect(fixture().redaction).toEqual({ query: ['k'] });
    await server.close();
    delete process.env['PB_REC_API_KEY'];
    const replayed = await runPoll({ mode: 'replay', file }, { auth });
    expect(replayed.result.status).toBe('succeeded');
    expect(replayed.received).toEqual(LOADS);
  });

  it('http-call: records the calls, then replays them with the server stopped', async () => {
    const sink = (mode: 'record' | 'replay') =>
      httpCall({
        url: `${server.base}/incidents`,
        action: 'create-incident',
        auth: { type: 'bearer', token: 'env:PB_REC_TOKEN' },
        recording: { mode, file },
      });
    const recordStore = await freshStore();
    const recorded = await runtimeFor(
      recordStore,
      simulatedOrders({ ordersPerRun: 3 }),
      sink('record'),
    );
    expect(await recorded.run('it')).toMatchObject({ status: 'succeeded', counts: { written: 3 } });
    expect(server.hits.filter((h) => h.startsWith('POST /incidents'))).toHaveLength(3);
    expect(fixture().exchanges.map((e) => e.response?.body)).toEqual(
      [1, 2, 3].map((n) => ({ json: { incident: `INC-ORD-00000${n}` } })),
    );

    await server.close();
    delete process.env['PB_REC_TOKEN'];
    const replayStore = await freshStore();
    const replayed = await runtimeFor(
      replayStore,
      simulatedOrders({ ordersPerRun: 3 }),
      sink('replay'),
    );
    expect(await replayed.run('it')).toMatchObject({
      status: 'succeeded',
      counts: { written: 3, deadLettered: 0 },
    });
    const audit = await replayStore.audit.list({ integrationId: 'it' });
    expect(audit.map((a) => [a.outcome, a.identity])).toEqual(
      Array(3).fill(['success', 'bearer:env:PB_REC_TOKEN (replayed)']),
    );
  });

  it('fails the run with a classified config error naming the request and the file on a replay miss', async () => {
    const sink = (mode: 'record' | 'replay') =>
      httpCall({
        url: `${server.base}/incidents`,
        action: 'create-incident',
        auth: { type: 'bearer', token: 'env:PB_REC_TOKEN' },
        recording: { mode, file },
      });
    const rec = await runtimeFor(
      await freshStore(),
      simulatedOrders({ ordersPerRun: 2 }),
      sink('record'),
    );
    expect((await rec.run('it')).status).toBe('succeeded');

    // A third order was never recorded: the run stops rather than dead-lettering it.
    const store = await freshStore();
    const replay = await runtimeFor(store, simulatedOrders({ ordersPerRun: 3 }), sink('replay'));
    const result = await replay.run('it');
    expect(result.status).toBe('failed');
    expect(result.counts.deadLettered).toBe(0);
    expect(result.error).toMatchObject({
      kind: 'config',
      code: 'HTTP_FIXTURE_UNMATCHED',
      retryable: false,
    });
    expect(result.error?.message).toContain(file);
    expect(result.error?.message).toContain(`POST ${server.base}/incidents`);
    expect(await store.deadLetters.count('it')).toBe(0);

    // The same for a source asking for a page that was never recorded.
    const source = await runPoll({ mode: 'replay', file }, { query: { region: 'eu' } });
    expect(source.result.status).toBe('failed');
    expect(source.result.error).toMatchObject({ kind: 'config', code: 'HTTP_FIXTURE_UNMATCHED' });
    expect(source.result.error?.message).toContain('/loads?region=eu');
  });

  it('fails a replay whose file does not exist, and a recording whose rules changed', async () => {
    const missing = await runPoll({ mode: 'replay', file });
    expect(missing.result.error).toMatchObject({ kind: 'config', code: 'HTTP_FIXTURE_UNREADABLE' });
    expect(missing.result.error?.message).toContain(file);

    expect((await runPoll({ mode: 'record', file })).result.status).toBe('succeeded');
    const before = fixture().exchanges.length;
    const changed = await runPoll({ mode: 'record', file, redact: { sensitiveKeys: ['status'] } });
    expect(changed.result.error).toMatchObject({ code: 'HTTP_FIXTURE_RULES_CHANGED' });
    expect(fixture().exchanges).toHaveLength(before);
    // Same rules: the next recording is appended.
    expect((await runPoll({ mode: 'record', file })).result.status).toBe('succeeded');
    expect(fixture().exchanges).toHaveLength(before * 2);
  });

  it('resolves a relative file against the working directory', () => {
    expect(fixturePath({ mode: 'replay', file: 'fixtures/gps-api.json' })).toBe(
      join(process.cwd(), 'fixtures', 'gps-api.json'),
    );
    expect(fixturePath({ mode: 'replay', file })).toBe(file);
  });
});
