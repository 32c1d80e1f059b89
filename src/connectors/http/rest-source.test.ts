import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PatchbayMetrics } from '../../observability/metrics.js';
import type { SqliteStore } from '../../store/sqlite/index.js';
import { httpPoll } from './rest-source.js';
import { collectingSink, runtimeFor, tempStore } from './__fixtures__/test-support.js';

const ITEMS = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, name: `item-${i + 1}` }));
const hits = new Map<string, number>();
const hit = (name: string) => {
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  return n;
};

// Incremental data: `updated` is the cursor; events can be added between runs.
const events: Array<{ id: string; updated: number }> = [];

let server: FastifyInstance;
let base: string;

beforeAll(async () => {
  server = Fastify({ forceCloseConnections: true });
  type Q = Record<string, string | undefined>;
  server.get('/cursor', async (req) => {
    const at = Number((req.query as Q)['cursor'] ?? 0);
    const next = at + 3 < ITEMS.length ? String(at + 3) : null;
    return { data: ITEMS.slice(at, at + 3), meta: { next_cursor: next } };
  });
  server.get('/token', async (req) => {
    const at = Number((req.query as Q)['pageToken'] ?? 0);
    return {
      items: ITEMS.slice(at, at + 2),
      nextPageToken: at + 2 < ITEMS.length ? String(at + 2) : '',
    };
  });
  server.get('/v1/link', async (req, reply) => {
    const page = Number((req.query as Q)['page'] ?? 1);
    // Relative reference, resolved against the request URL (RFC 3986).
    if (page < 3)
      void reply.header(
        'link',
        `<link?page=${page + 1}>; rel="next", </v1/link?page=3>; rel="last"`,
      );
    return ITEMS.slice((page - 1) * 3, page * 3);
  });
  server.get('/v1/next-url', async (req) => {
    const page = Number((req.query as Q)['p'] ?? 1);
    return {
      results: ITEMS.slice((page - 1) * 4, page * 4),
      next: page < 2 ? `/v1/next-url?p=${page + 1}` : null,
    };
  });
  server.get('/pages', async (req) => {
    const page = Number((req.query as Q)['page']);
    const size = Number((req.query as Q)['size']);
    return { rows: ITEMS.slice((page - 1) * size, page * size) };
  });
  server.get('/offset', async (req) => {
    const offset = Number((req.query as Q)['offset']);
    const limit = Number((req.query as Q)['limit']);
    return { rows: ITEMS.slice(offset, offset + limit), total: ITEMS.length };
  });
  server.get('/loop', async () => ({ data: [{ id: 1 }], meta: { next_cursor: 'same' } }));
  server.get('/events', async (req) => {
    const q = req.query as Q;
    const since = Number(q['since'] ?? 0);
    const until = q['until'] === undefined ? Infinity : Number(q['until']);
    const page = Number(q['page'] ?? 1);
    const all = events
      .filter((e) => e.updated >= since && e.updated < until)
      .sort((a, b) => a.updated - b.updated);
    return { data: all.slice((page - 1) * 2, page * 2) };
  });
  server.get('/etag', async (req, reply) => {
    hit('etag');
    if (req.headers['if-none-match'] === '"v1"') return reply.code(304).send();
    void reply.header('etag', '"v1"');
    return [{ id: 'only' }];
  });
  server.get('/modified', async (req, reply) => {
    hit('modified');
    const lm = 'Wed, 21 Oct 2026 07:28:00 GMT';
    if (req.headers['if-modified-since'] === lm) return reply.code(304).send();
    void reply.header('last-modified', lm);
    return [{ id: 'm' }];
  });
  server.get('/limited-seconds', async (_req, reply) => {
    if (hit('limited-seconds') === 1)
      return reply.code(429).header('retry-after', '1').send({ error: 'slow down' });
    return [{ id: 'ok' }];
  });
  server.get('/limited-date', async (_req, reply) => {
    if (hit('limited-date') === 1) {
      const at = new Date(Date.now() + 1000).toUTCString();
      return reply.code(429).header('retry-after', at).send({ error: 'slow down' });
    }
    return [{ id: 'ok' }];
  });
  server.get('/flaky', async (_req, reply) => {
    if (hit('flaky') <= 2) return reply.code(503).header('retry-after', '0').send('busy');
    return [{ id: 'ok' }];
  });
  server.get('/gone', async (_req, reply) => reply.code(404).send({ error: 'no such thing' }));
  server.get('/malformed', async (_req, reply) =>
    reply.type('application/json').send('{"data": [1, 2'),
  );
  server.get('/html', async (_req, reply) =>
    reply.type('text/html').send('<html>proxy error</html>'),
  );
  server.get('/big', async () =>
    Array.from({ length: 2000 }, (_, i) => ({ id: i, pad: 'x'.repeat(50) })),
  );
  server.get('/hang', () => new Promise(() => {}));
  base = await server.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

let store: SqliteStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  hits.clear();
});
afterEach(() => dispose());

async function poll(
  config: Parameters<typeof httpPoll>[0],
  options: Parameters<typeof runtimeFor>[3] = {},
) {
  const sink = collectingSink();
  const runtime = await runtimeFor(store, httpPoll(config), sink, options);
  const result = await runtime.run('it');
  return { result, received: sink.received, runtime };
}

describe('http-poll pagination', () => {
  it('follows a cursor from a JSON path', async () => {
    const { result, received } = await poll({
      url: `${base}/cursor`,
      recordsPath: 'data',
      pagination: { type: 'cursor', cursorPath: 'meta.next_cursor', param: 'cursor' },
    });
    expect(result.status).toBe('succeeded');
    expect(received).toEqual(ITEMS);
  });

  it('follows a page token', async () => {
    const { received } = await poll({
      url: `${base}/token`,
      recordsPath: 'items',
      pagination: { type: 'page-token' },
    });
    expect(received).toEqual(ITEMS);
  });

  it('follows relative RFC 8288 Link headers', async () => {
    const { received } = await poll({ url: `${base}/v1/link`, pagination: { type: 'link' } });
    expect(received).toEqual(ITEMS);
  });

  it('follows a (relative) next URL in the body', async () => {
    const { received } = await poll({
      url: `${base}/v1/next-url`,
      recordsPath: 'results',
      pagination: { type: 'next-url', path: 'next' },
    });
    expect(received).toEqual(ITEMS);
  });

  it('counts page numbers until a short page', async () => {
    const { received } = await poll({
      url: `${base}/pages`,
      recordsPath: 'rows',
      pagination: { type: 'page-number', param: 'page', sizeParam: 'size', size: 3 },
    });
    expect(received).toEqual(ITEMS);
  });

  it('counts offsets until the total', async () => {
    const { received } = await poll({
      url: `${base}/offset`,
      recordsPath: 'rows',
      pagination: { type: 'offset', limit: 7, totalPath: 'total' },
    });
    expect(received).toEqual(ITEMS);
  });

  it('stops cleanly at maxPages', async () => {
    const { result, received } = await poll({
      url: `${base}/cursor`,
      recordsPath: 'data',
      maxPages: 2,
      pagination: { type: 'cursor', cursorPath: 'meta.next_cursor' },
    });
    expect(result.status).toBe('succeeded');
    expect(received).toHaveLength(6);
  });

  it('fails on a pagination loop instead of polling forever', async () => {
    const { result } = await poll({
      url: `${base}/loop`,
      recordsPath: 'data',
      pagination: { type: 'cursor', cursorPath: 'meta.next_cursor' },
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'parse', code: 'PAGINATION_LOOP' });
  });
});

describe('http-poll incremental cursor', () => {
  const source = (extra: object = {}) =>
    httpPoll({
      url: `${base}/events`,
      recordsPath: 'data',
      pagination: { type: 'page-number', param: 'page' },
      incremental: {
        cursorPath: 'updated',
        initialValue: 0,
        param: 'since',
        endParam: 'until',
        primaryKey: 'id',
        ...extra,
      },
    });

  it('resumes across runs without gaps or boundary duplicates; a replay with an end value does not move it', async () => {
    events.length = 0;
    events.push({ id: 'a', updated: 1 }, { id: 'b', updated: 2 }, { id: 'c', updated: 3 });
    const sink = collectingSink();
    const runtime = await runtimeFor(store, source(), sink);
    expect((await runtime.run('it')).counts.read).toBe(3);
    const saved = await store.checkpoints.get('it');
    expect(saved?.value).toEqual({ last: 3, keys: ['c'] });

    // `c` is re-served at the boundary (since=3) and must not be delivered twice.
    events.push({ id: 'd', updated: 3 }, { id: 'e', updated: 5 });
    await runtime.run('it');
    expect(sink.received.map((e) => (e as { id: string }).id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await store.checkpoints.get('it'))?.value).toEqual({ last: 5, keys: ['e'] });

    const replay = await runtime.run('it', { mode: 'replay', range: { from: '2', to: '4' } });
    expect(replay.counts.read).toBe(3);
    expect(sink.received.slice(5).map((e) => (e as { id: string }).id)).toEqual(['b', 'c', 'd']);
    expect((await store.checkpoints.get('it'))?.value).toEqual({ last: 5, keys: ['e'] });
  });

  it('a live run with an end value is stateless', async () => {
    events.length = 0;
    events.push({ id: 'a', updated: 1 }, { id: 'b', updated: 2 });
    const sink = collectingSink();
    const runtime = await runtimeFor(store, source({ endValue: 2 }), sink);
    await runtime.run('it');
    expect(sink.received).toEqual([{ id: 'a', updated: 1 }]);
    expect(await store.checkpoints.get('it')).toBeUndefined();
  });

  it('re-reads a lag window for late data, delivering only what is new', async () => {
    events.length = 0;
    events.push({ id: 'a', updated: 10 }, { id: 'b', updated: 12 });
    const sink = collectingSink();
    const runtime = await runtimeFor(store, source({ lag: 5 }), sink);
    await runtime.run('it');
    events.push({ id: 'late', updated: 9 }, { id: 'c', updated: 13 });
    await runtime.run('it');
    expect(sink.received.map((e) => (e as { id: string }).id)).toEqual(['a', 'b', 'late', 'c']);
  });
});

describe('http-poll conditional requests', () => {
  it('sends If-None-Match after an acknowledged page and processes nothing on 304', async () => {
    const metrics = new PatchbayMetrics();
    const first = await poll({ url: `${base}/etag`, conditional: true }, { metrics });
    expect(first.received).toHaveLength(1);
    const second = await first.runtime.run('it');
    expect(second.status).toBe('succeeded');
    expect(second.counts.read).toBe(0);
    expect(hits.get('etag')).toBe(2);
    // The 304 is counted beside the validators, per URL.
    const cached = await store.cache.get('http-validators', `${base}/etag`);
    expect(cached?.value).toEqual({ etag: '"v1"', lastModified: null, notModified: 1 });
    await first.runtime.run('it');
    expect((await store.cache.get('http-validators', `${base}/etag`))?.value).toMatchObject({
      notModified: 2,
    });
    // ...and as a metric: two 304s, the first full answer not among them.
    expect(metrics.snapshot()['integration.it.not_modified']).toBe(2);
    expect(await metrics.prometheus()).toContain(
      'patchbay_integration_not_modified{integration="it"} 2',
    );
  });

  it('sends If-Modified-Since from Last-Modified', async () => {
    const first = await poll({ url: `${base}/modified`, conditional: true });
    const second = await first.runtime.run('it');
    expect(first.received).toHaveLength(1);
    expect(second.counts.read).toBe(0);
  });
});

describe('http-poll failures', () => {
  it('honours 429 Retry-After in seconds', async () => {
    const started = Date.now();
    const { result, received } = await poll({ url: `${base}/limited-seconds` });
    expect(result.status).toBe('succeeded');
    expect(received).toEqual([{ id: 'ok' }]);
    expect(hits.get('limited-seconds')).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('honours 429 Retry-After as an HTTP-date', async () => {
    const { result } = await poll({ url: `${base}/limited-date` });
    expect(result.status).toBe('succeeded');
    expect(hits.get('limited-date')).toBe(2);
  });

  it('retries 503s', async () => {
    const { result, received } = await poll({ url: `${base}/flaky` });
    expect(result.status).toBe('succeeded');
    expect(received).toHaveLength(1);
    expect(hits.get('flaky')).toBe(3);
  });

  it('does not retry a 4xx', async () => {
    const { result } = await poll({ url: `${base}/gone` });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'http_4xx', code: 'HTTP_404' });
  });

  it('treats dropOn statuses as an empty poll', async () => {
    const { result } = await poll({ url: `${base}/gone`, dropOn: [404] });
    expect(result.status).toBe('succeeded');
  });

  it.each([
    ['malformed', 'MALFORMED_JSON'],
    ['html', 'CONTENT_TYPE'],
  ])('fails a %s body with a parse error before anything is acknowledged', async (path, code) => {
    const { result, received } = await poll({ url: `${base}/${path}`, recordsPath: 'data' });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'parse', code });
    expect(received).toHaveLength(0);
    expect(await store.checkpoints.get('it')).toBeUndefined();
  });

  it('fails an oversized response', async () => {
    const { result } = await poll({ url: `${base}/big`, maxResponseBytes: 10_000 });
    expect(result.error).toMatchObject({ kind: 'parse', code: 'RESPONSE_TOO_LARGE' });
  });

  it('times out a hanging call', async () => {
    const { result } = await poll(
      { url: `${base}/hang`, timeout: '150ms' },
      { overrides: { policies: { retry: { maxAttempts: 2, baseDelay: '1ms' }, breaker: false } } },
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'timeout' });
  });
});
