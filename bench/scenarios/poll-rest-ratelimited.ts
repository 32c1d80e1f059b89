/**
 * `poll.rest.ratelimited`: how close Patchbay's REST poller gets to a
 * server's rate limit without tripping it, and how fast it pages when
 * nothing limits it.
 *
 * Case 1, a local node:http server that allows `RATE` requests per second
 * with a burst of `BURST` (a token bucket) and answers 429 with
 * `Retry-After: 1` beyond it. Interleaved:
 * - baseline: a bare undici loop without a limiter that honours
 *   `Retry-After` (what a hand-written poller does);
 * - Patchbay: `http-poll` in a runtime, `policies.rateLimit` set just under
 *   the quota (0.99 × RATE, half the server's burst).
 * `ops` are pages the server answered 200 inside the window; the 429s each
 * variant drew and its fraction of the allowed rate are in
 * `params.rateLimited`. Target: ≥ 0.97 of the allowed rate, zero 429s.
 *
 * Case 2, the same pages from a server with no limit: a bare undici loop
 * (request, read, JSON.parse; baseline) against `http-poll` in a runtime
 * (policy pipeline, classification, audit row per call, sink), one page at
 * a time each. The ratio is the poller's pages-per-second ceiling relative
 * to the bare loop.
 *
 *   npx tsx bench/run.ts poll.rest.ratelimited
 *
 * Environment: BENCH_RATE (default 100), BENCH_BURST (server burst, default 10; the
 * client's is half),
 * BENCH_LIMITED_MS (window of a rate-limited run, default 4000),
 * BENCH_DURATION_MS (window of an unlimited run, default 800).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { defineIntegration } from '../../src/core/integration.js';
import { httpPoll } from '../../src/connectors/http/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { median, type Sample, type Scenario, type Variant } from '../harness.js';

const RATE = Number(process.env['BENCH_RATE'] ?? 100);
/** The server's burst, like a vendor's (Stripe-like: 100/s, bursts of a few). */
const BURST = Number(process.env['BENCH_BURST'] ?? 10);
/**
 * The client's burst, half the server's: a sequential poller's requests reach
 * the server later than the limiter released them, by a varying delay (event
 * loop, GC, the network), and two that arrive closer together than they left
 * must still find a token. The other half of the server's burst absorbs that.
 */
const CLIENT_BURST = Math.max(1, Math.floor(BURST / 2));
/** Long enough that the opening burst is noise (10 of ~400 pages at the defaults). */
const LIMITED_MS = Number(process.env['BENCH_LIMITED_MS'] ?? 4000);
const UNLIMITED_MS = Number(process.env['BENCH_DURATION_MS'] ?? 800);
const PAGE_SIZE = 20;
/** The client limiter sits just under the quota, as the prototype did. */
const CLIENT_RATE = RATE * 0.99;

/** One page of 20 records (~1.3 KiB), always full, so page-number pagination never ends. */
function pageBody(page: number): string {
  const data = Array.from({ length: PAGE_SIZE }, (_, i) => ({
    id: page * PAGE_SIZE + i,
    status: 'delivered',
    updatedAt: '2026-05-01T12:00:00Z',
    note: 'x'.repeat(24),
  }));
  return JSON.stringify({ data, page });
}

interface PageServer {
  base: string;
  ok: number;
  limited: number;
  close(): Promise<void>;
}

/** A page server; with `rate`, a token bucket admits requests and the rest get 429. */
async function startServer(rate?: number, burst = 1): Promise<PageServer> {
  let tokens = burst;
  let at = performance.now();
  const state = { ok: 0, limited: 0 };
  const server: Server = createServer((req, res) => {
    if (rate !== undefined) {
      const now = performance.now();
      tokens = Math.min(burst, tokens + ((now - at) * rate) / 1000);
      at = now;
      if (tokens < 1) {
        state.limited++;
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end('{"error":"rate limited"}');
        return;
      }
      tokens -= 1;
    }
    state.ok++;
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(pageBody(page));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    get ok() {
      return state.ok;
    },
    get limited() {
      return state.limited;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a run drew from the server inside its window. */
interface Window {
  sample: Sample;
  limited: number;
}

/** A sequential undici loop; on 429 it sleeps for `Retry-After` seconds. */
async function bareLoop(server: PageServer, windowMs: number): Promise<Window> {
  const agent = new Agent({ connections: 1, keepAliveTimeout: 10_000 });
  let page = 1;
  const fetchPage = async () => {
    const res = await request(`${server.base}/items?page=${page}`, { dispatcher: agent });
    const text = await res.body.text();
    if (res.statusCode === 200) {
      const body = JSON.parse(text) as { data: unknown[] };
      if (body.data.length > 0) page++;
      return 0;
    }
    return Number(res.headers['retry-after'] ?? 1) * 1000;
  };
  for (let i = 0; i < 50 && server.limited === 0; i++) await fetchPage(); // warm the pool and JIT
  const ok0 = server.ok;
  const limited0 = server.limited;
  const start = performance.now();
  const deadline = start + windowMs;
  while (performance.now() < deadline) {
    const waitMs = await fetchPage();
    if (waitMs > 0) {
      await new Promise((r) => setTimeout(r, Math.min(waitMs, deadline - performance.now())));
    }
  }
  const elapsedMs = performance.now() - start;
  const result = {
    sample: { ops: server.ok - ok0, elapsedMs },
    limited: server.limited - limited0,
  };
  await agent.close();
  return result;
}

/** `http-poll` in a runtime, aborted after `windowMs`; counts what the server saw meanwhile. */
async function patchbayPoll(
  server: PageServer,
  windowMs: number,
  rateLimit: { rate: number; burst: number } | false,
): Promise<Window> {
  const dir = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'patchbay-bench-'));
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  let received = 0;
  const integration = defineIntegration({
    id: 'bench-poll',
    owner: 'bench',
    pattern: 'rest-poll',
    trigger: { type: 'manual' },
    source: httpPoll({
      url: `${server.base}/items`,
      recordsPath: 'data',
      keyPath: 'id',
      pagination: { type: 'page-number', param: 'page' },
      maxPages: 1_000_000_000,
    }),
    sink: {
      name: 'count',
      idempotent: true,
      async write(records) {
        received += records.length;
      },
    },
    idempotencyKey: { fields: ['id'] },
    policies: { breaker: false, ...(rateLimit ? { rateLimit } : {}) },
  });
  const runtime = await createRuntime({
    integrations: [integration],
    store,
    logger: pino({ level: 'silent' }),
  });
  try {
    const warmup = new AbortController();
    // Without a limit, warm up the code paths; with one, a warm-up would only spend the burst.
    if (!rateLimit) {
      setTimeout(() => warmup.abort(), 200);
      await runtime.run('bench-poll', { signal: warmup.signal });
    }
    const stop = new AbortController();
    const ok0 = server.ok;
    const limited0 = server.limited;
    const start = performance.now();
    const running = runtime.run('bench-poll', { signal: stop.signal });
    await new Promise((r) => setTimeout(r, windowMs));
    const ok = server.ok - ok0;
    const limited = server.limited - limited0;
    const elapsedMs = performance.now() - start;
    stop.abort();
    const result = await running;
    if (result.status === 'failed') throw new Error(`poll failed: ${JSON.stringify(result.error)}`);
    if (received === 0) throw new Error('the poller delivered nothing');
    return { sample: { ops: ok, elapsedMs }, limited };
  } finally {
    await runtime.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The scenario, for `bench/run.ts`.
 *
 * @example
 * ```ts
 * const result = await runScenario(pollRestRateLimited(), { log: console.log });
 * ```
 */
export function pollRestRateLimited(): Scenario {
  const rateLimited: Record<
    string,
    { fractionOfAllowed: number[]; count429: number[]; medianFraction?: number }
  > = {};
  const params = {
    allowedRate: RATE,
    serverBurst: BURST,
    clientLimiter: { rate: CLIENT_RATE, burst: CLIENT_BURST },
    limitedWindowMs: LIMITED_MS,
    unlimitedWindowMs: UNLIMITED_MS,
    pageSize: PAGE_SIZE,
    rateLimited,
    note: 'fractionOfAllowed = 200s per second inside the window / allowedRate; count429 = 429s the server sent inside the window',
  };
  const limitedVariant = (
    name: string,
    run: (s: PageServer) => Promise<Window>,
    baseline = false,
  ): Variant => ({
    name,
    ...(baseline ? { baseline: true } : {}),
    run: async () => {
      // A fresh server per run: every run starts with a full server-side bucket.
      const server = await startServer(RATE, BURST);
      try {
        const { sample, limited } = await run(server);
        const entry = (rateLimited[name] ??= { fractionOfAllowed: [], count429: [] });
        const fraction = (sample.ops * 1000) / sample.elapsedMs / RATE;
        entry.fractionOfAllowed.push(Math.round(fraction * 1000) / 1000);
        entry.count429.push(limited);
        entry.medianFraction = median(entry.fractionOfAllowed);
        return sample;
      } finally {
        await server.close();
      }
    },
  });
  const unlimitedVariant = (
    name: string,
    run: (s: PageServer) => Promise<Window>,
    baseline = false,
  ): Variant => ({
    name,
    ...(baseline ? { baseline: true } : {}),
    run: async () => {
      const server = await startServer();
      try {
        return (await run(server)).sample;
      } finally {
        await server.close();
      }
    },
  });
  return {
    name: 'poll.rest.ratelimited',
    description: `REST polling against a ${RATE} req/s (burst ${BURST}) server, and the unlimited pages/s ceiling`,
    cases: [
      {
        name: `limited ${RATE}/s burst ${BURST}`,
        variants: [
          limitedVariant(
            'bare undici loop, no limiter, honours Retry-After',
            (s) => bareLoop(s, LIMITED_MS),
            true,
          ),
          limitedVariant(`patchbay http-poll, rateLimit ${CLIENT_RATE}/s`, (s) =>
            patchbayPoll(s, LIMITED_MS, { rate: CLIENT_RATE, burst: CLIENT_BURST }),
          ),
        ],
      },
      {
        name: 'unlimited, pages/s',
        variants: [
          unlimitedVariant('bare undici loop', (s) => bareLoop(s, UNLIMITED_MS), true),
          unlimitedVariant('patchbay http-poll', (s) => patchbayPoll(s, UNLIMITED_MS, false)),
        ],
      },
    ],
    params,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runScenario, formatTable, writeResult } = await import('../harness.js');
  const result = await runScenario(pollRestRateLimited(), { log: (l) => console.log(l) });
  writeResult(new URL('../results/poll.rest.ratelimited.json', import.meta.url).pathname, result);
  console.log(formatTable(result));
  console.log(JSON.stringify(result.params, null, 2));
}
