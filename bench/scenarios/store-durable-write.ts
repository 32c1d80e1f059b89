/**
 * Durable inbox writes per second: what a webhook receiver can acknowledge.
 *
 * Three ways to make a write durable before answering, each at 1, 16 and 100
 * concurrent writers (closed loop: a writer issues its next write as soon as
 * the previous one is acknowledged):
 * - baseline: append the record to a file and fsync, one write at a time
 *   (the cheapest durable log there is without batching);
 * - SQLite, one commit per write: the same store, schema and
 *   `synchronous=FULL`, but `maxBatch: 1`, so every write pays its own fsync;
 * - SQLite with adaptive group commit: the store as shipped.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/index.js';
import type { InboxAppend } from '../../src/store/index.js';
import {
  closedLoop,
  type BenchCase,
  type Sample,
  type Scenario,
  type Variant,
} from '../harness.js';

const BODY = Buffer.alloc(1024, 'x');
const HEADERS = { 'content-type': 'application/json', 'webhook-id': 'msg_0000000000' };
const CONCURRENCY = [1, 16, 100];

function durationMs(): number {
  return Number(process.env['BENCH_DURATION_MS'] ?? 800);
}

function scratchDir(): string {
  return mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'patchbay-bench-'));
}

let seq = 0;
function nextItem(): InboxAppend {
  seq += 1;
  return {
    integrationId: 'bench',
    eventId: `evt_${seq}`,
    receivedAt: Date.now(),
    headers: HEADERS,
    body: BODY,
  };
}

/**
 * Append + fsync per write. A promise chain serialises writers as one log
 * file must; the calls are synchronous because that is the fastest way to do
 * it in Node (the async API adds two thread-pool hops per write, measured
 * ≈ 40 % slower here), and the baseline should be the strongest one.
 */
async function appendFsync(concurrency: number): Promise<Sample> {
  const dir = scratchDir();
  const fd = openSync(join(dir, 'log.ndjson'), 'a');
  let tail: Promise<unknown> = Promise.resolve();
  try {
    return await closedLoop(concurrency, durationMs(), () => {
      const item = nextItem();
      const record = Buffer.concat([
        Buffer.from(JSON.stringify({ ...item, body: undefined, headers: item.headers })),
        item.body,
        Buffer.from('\n'),
      ]);
      const done = tail.then(() => {
        writeSync(fd, record);
        fsyncSync(fd);
      });
      tail = done;
      return done;
    });
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sqlite(concurrency: number, maxBatch: number): Promise<Sample> {
  const dir = scratchDir();
  const store = await openSqliteStore({ path: join(dir, 'state.db'), maxBatch });
  try {
    return await closedLoop(concurrency, durationMs(), () => store.inbox.append(nextItem()));
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}

function cases(): BenchCase[] {
  return CONCURRENCY.map((c) => {
    const variants: Variant[] = [
      { name: 'append+fsync per write', baseline: true, run: () => appendFsync(c) },
      { name: 'sqlite commit per write', run: () => sqlite(c, 1) },
      { name: 'sqlite group commit', run: () => sqlite(c, 1000) },
    ];
    return { name: `${c} writer${c === 1 ? '' : 's'}`, variants };
  });
}

/**
 * The `store.durable-write` scenario.
 *
 * @example
 * ```ts
 * const result = await runScenario(storeDurableWrite());
 * ```
 */
export function storeDurableWrite(): Scenario {
  return {
    name: 'store.durable-write',
    description: 'durable inbox appends per second (1 KiB body), fsync before ack',
    cases: cases(),
    params: {
      durationMs: durationMs(),
      bodyBytes: BODY.length,
      concurrency: CONCURRENCY,
      tmpdir: process.env['BENCH_TMPDIR'] ?? tmpdir(),
      synchronous: 'FULL',
      sqliteVersion: sqliteVersion(),
      groupCommitMaxBatch: 1000,
    },
  };
}
