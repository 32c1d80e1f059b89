/**
 * Faults injected by a real node:http server that the test starts: slow
 * bodies, bursts of 503, and how the poller spends the rate limit and
 * writes its audit rows.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../store/sqlite/index.js';
import { httpPoll } from './rest-source.js';
import { collectingSink, runtimeFor, tempStore } from './__fixtures__/test-support.js';

const hits = new Map<string, number>();
const hit = (name: string) => {
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  return n;
};

let server: Server;
let base: string;

/** Sends `body` in `parts` chunks, `gapMs` apart, after the headers went out. */
function dribble(res: ServerResponse, body: string, parts: number, gapMs: number) {
  res.writeHead(200, { 'content-type': 'application/json' });
  const size = Math.ceil(body.length / parts);
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    res.write(body.slice(at, at + size));
    at += size;
    if (at >= body.length) res.end();
    else setTimeout(next, gapMs);
  };
  next();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const page = Number(url.searchParams.get('page') ?? 1);
    switch (url.pathname) {
      case '/slow-body': // headers at once, then the body trickles for far longer than the timeout
        return dribble(res, JSON.stringify([{ id: 1, pad: 'x'.repeat(200) }]), 20, 100);
      case '/slow-but-in-time': // a slow body that still finishes inside the timeout
        return dribble(res, JSON.stringify([{ id: 'a' }, { id: 'b' }, { id: 'c' }]), 5, 10);
      case '/burst-503': {
        // The first four calls hit a deploy: 503 without Retry-After.
        if (hit('burst-503') <= 4) {
          res.writeHead(503, { 'content-type': 'text/plain' });
          return res.end('upstream restarting');
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('[{"id":"after-burst"}]');
      }
      case '/down': {
        hit('down');
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('down');
      }
      case '/pages': {
        // Three full pages of two, then a short one ends the poll.
        hit('pages');
        const data = page <= 3 ? [{ id: `${page}a` }, { id: `${page}b` }] : [];
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ data }));
      }
      default:
        res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

let store: SqliteStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  hits.clear();
});
afterEach(() => dispose());

describe('http-poll against slow bodies', () => {
  it('times out a body that trickles past the per-call timeout (headers arrived in time)', async () => {
    const sink = collectingSink();
    const runtime = await runtimeFor(
      store,
      httpPoll({ url: `${base}/slow-body`, timeout: '200ms' }),
      sink,
      { overrides: { policies: { retry: { maxAttempts: 2, baseDelay: '1ms' }, breaker: false } } },
    );
    const result = await runtime.run('it');
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'timeout', code: 'HTTP_TIMEOUT' });
    expect(sink.received).toEqual([]);
  });

  it('reads a slow body that completes inside the timeout, whole', async () => {
    const sink = collectingSink();
    const runtime = await runtimeFor(
      store,
      httpPoll({ url: `${base}/slow-but-in-time`, timeout: '10s' }),
      sink,
    );
    const result = await runtime.run('it');
    expect(result.status).toBe('succeeded');
    expect(sink.received).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
  });
});

describe('http-poll against bursts of 503', () => {
  it('rides out a burst shorter than its attempts', async () => {
    const sink = collectingSink();
    const runtime = await runtimeFor(store, httpPoll({ url: `${base}/burst-503` }), sink, {
      overrides: {
        policies: { retry: { maxAttempts: 5, baseDelay: '2ms', maxDelay: '5ms' }, breaker: false },
      },
    });
    const result = await runtime.run('it');
    expect(result.status).toBe('succeeded');
    expect(sink.received).toEqual([{ id: 'after-burst' }]);
    expect(hits.get('burst-503')).toBe(5);
  });

  it('gives up after exactly maxAttempts against a longer outage (no retry storm)', async () => {
    const runtime = await runtimeFor(store, httpPoll({ url: `${base}/down` }), collectingSink(), {
      overrides: {
        policies: { retry: { maxAttempts: 3, baseDelay: '2ms', maxDelay: '5ms' }, breaker: false },
      },
    });
    const result = await runtime.run('it');
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'HTTP_503' });
    expect(hits.get('down')).toBe(3);
  });
});

describe('http-poll and the rate limit', () => {
  const pages = () =>
    httpPoll({
      url: `${base}/pages`,
      recordsPath: 'data',
      pagination: { type: 'page-number', param: 'page' },
    });
  // A bucket of exactly four tokens that never refills in the test's lifetime, in drop
  // mode: the fifth token taken from it fails the run with rate_limited.
  const fourCalls = { rate: 1, per: '1h', burst: 4, mode: 'drop' } as const;

  it('spends tokens on API calls only, not on steps or sink writes', async () => {
    const sink = collectingSink();
    const runtime = await runtimeFor(store, pages(), sink, {
      overrides: {
        policies: { rateLimit: fourCalls, breaker: false },
        steps: [{ name: 'tag', run: (r: unknown) => ({ ...(r as object), tagged: true }) }],
      },
    });
    const result = await runtime.run('it');
    // Four GETs (three full pages and the short one) fit the four tokens; before, each
    // page's step calls and sink write took tokens too and the run failed on page 1.
    expect(result.status).toBe('succeeded');
    expect(hits.get('pages')).toBe(4);
    expect(sink.received).toHaveLength(6);
    expect(sink.received[0]).toEqual({ id: '1a', tagged: true });
  });

  it('still refuses the API call beyond the quota', async () => {
    const runtime = await runtimeFor(store, pages(), collectingSink(), {
      overrides: {
        policies: { rateLimit: { ...fourCalls, burst: 3 }, breaker: false },
      },
    });
    const result = await runtime.run('it');
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'rate_limited', code: 'RATE_LIMITED_LOCAL' });
    expect(hits.get('pages')).toBe(3);
  });
});

describe('http-poll audit rows', () => {
  const pages = (audit: boolean) =>
    httpPoll({
      url: `${base}/pages`,
      recordsPath: 'data',
      pagination: { type: 'page-number', param: 'page' },
      audit,
    });
  const commitsOf = async (audit: boolean) => {
    const runtime = await runtimeFor(store, pages(audit), collectingSink());
    const before = store.stats().commits;
    await runtime.run('it');
    return store.stats().commits - before;
  };

  it('writes one row per call, in shared commits rather than one fsync per call', async () => {
    const without = await commitsOf(false);
    const withAudit = await commitsOf(true);
    const rows = await store.audit.list({ integrationId: 'it' });
    expect(rows.map((r) => [r.action, r.outcome, r.target, r.identity])).toEqual(
      Array.from({ length: 4 }, () => ['GET', 'success', `${base}/pages`, 'anonymous']),
    );
    // Four awaited appends cost four commits more than the unaudited run; held and
    // handed over together (on close here), they cost at most one.
    expect(withAudit - without).toBeLessThanOrEqual(1);
  });
});
