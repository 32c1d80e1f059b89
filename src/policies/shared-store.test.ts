/**
 * Shared state on the real SQLite store: two Store instances on one file in
 * this process plus a child process on the same file. Real timers: the
 * waits below only let the breaker's open period pass; nothing asserts on
 * how long anything took.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PatchbayError } from '../core/errors.js';
import { httpError } from '../core/classify.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { createPipeline } from './pipeline.js';
import { RateLimiter } from './rate-limiter.js';
import { sleep } from './clock.js';
import { FLEET_BREAKER, FLEET_LIMIT, type FleetCommand } from './testing/fleet-options.js';

const dir = mkdtempSync(join(tmpdir(), 'pb-fleet-'));
const path = join(dir, 'state.db');
let a: SqliteStore;
let b: SqliteStore;
let child: ChildProcess;
const inbox: unknown[] = [];
const waiters: Array<(m: unknown) => void> = [];

function ask<T>(cmd: FleetCommand): Promise<T> {
  child.send(cmd);
  return next<T>();
}
function next<T>(): Promise<T> {
  const queued = inbox.shift();
  if (queued !== undefined) return Promise.resolve(queued as T);
  return new Promise((r) => waiters.push(r as (m: unknown) => void));
}

beforeAll(async () => {
  a = await openSqliteStore({ path });
  b = await openSqliteStore({ path });
  child = fork(fileURLToPath(new URL('./testing/fleet-worker.ts', import.meta.url)), [path], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  expect(await next<{ ready: boolean }>()).toEqual({ ready: true });
});

afterAll(async () => {
  if (child.connected) child.send({ cmd: 'exit' } satisfies FleetCommand);
  await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
  await a.close();
  await b.close();
  rmSync(dir, { recursive: true, force: true });
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: PatchbayError) => e.code,
  );

describe('two processes sharing one store', () => {
  it('see the same open breaker, and run exactly one half-open probe between them', async () => {
    const breakerA = new CircuitBreaker(FLEET_BREAKER, { name: 'fleet', store: a.policyState });
    const breakerB = new CircuitBreaker(FLEET_BREAKER, { name: 'fleet', store: b.policyState });
    for (let i = 0; i < 2; i++) {
      await code(breakerA.execute(() => Promise.reject(httpError(503, 'GET /erp'))));
    }
    expect(breakerA.state).toBe('open');
    expect(await code(breakerB.execute(() => 'ok'))).toBe('CIRCUIT_OPEN');
    expect(await ask<{ code: string }>({ cmd: 'breaker-check' })).toEqual({ code: 'CIRCUIT_OPEN' });

    // let the open period pass, then have all three contend for the probe at once
    const openUntil = (await breakerB.refresh()).openUntil!;
    while (Date.now() < openUntil + 20) await sleep(openUntil + 20 - Date.now());
    let ranHere = 0;
    const probe = async () => {
      ranHere++;
      await sleep(1500);
    };
    const fromChild = ask<{ ran: number; codes: string[] }>({
      cmd: 'breaker-probe',
      n: 5,
      holdMs: 1500,
    });
    const here = await Promise.all([
      ...Array.from({ length: 5 }, () => code(breakerA.execute(probe))),
      ...Array.from({ length: 5 }, () => code(breakerB.execute(probe))),
    ]);
    const there = await fromChild;
    const codes = [...here, ...there.codes];
    expect(ranHere + there.ran).toBe(1);
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c === 'CIRCUIT_HALF_OPEN')).toHaveLength(14);

    // the successful probe closed the breaker for everyone
    expect(await code(breakerB.execute(() => 'ok'))).toBe('ok');
    expect(await ask<{ code: string }>({ cmd: 'breaker-check' })).toEqual({ code: 'ok' });
  });

  it('never exceed a shared rate limit', async () => {
    const limiterA = new RateLimiter(FLEET_LIMIT, { name: 'fleet', store: a.policyState });
    const limiterB = new RateLimiter(FLEET_LIMIT, { name: 'fleet', store: b.policyState });
    const here: number[] = [];
    const fromChild = ask<{ times: number[] }>({ cmd: 'limit', n: 15 });
    await Promise.all([
      ...Array.from({ length: 15 }, () => limiterA.execute(() => here.push(Date.now()))),
      ...Array.from({ length: 15 }, () => limiterB.execute(() => here.push(Date.now()))),
    ]);
    const there = (await fromChild).times;
    expect(there).toHaveLength(15);
    const all = [...here, ...there].sort((x, y) => x - y);
    expect(all).toHaveLength(45);
    // Token bucket bound: in any span, at most burst + rate × span calls. Each
    // timestamp is taken when the call ran, at or after its grant; a late wake
    // can only bunch calls by the scheduling delay, allowed for here (25 ms).
    const ratePerMs = FLEET_LIMIT.rate / 1000;
    let worst = 0;
    for (let i = 0; i < all.length; i++) {
      for (let j = i; j < all.length; j++) {
        const excess = j - i + 1 - (FLEET_LIMIT.burst + ratePerMs * (all[j]! - all[i]! + 25));
        worst = Math.max(worst, excess);
      }
    }
    expect(worst).toBeLessThanOrEqual(0);
  });

  it('a pipeline built on the other store (a restart) sees the open breaker and the last-known-good value', async () => {
    const policies = { retry: false, breaker: { failures: 1, openFor: '1m' } } as const;
    const first = createPipeline(policies, { name: 'restart', store: a });
    expect(await first.read('fleet-7', () => ({ trucks: 12 }))).toEqual({
      value: { trucks: 12 },
      stale: false,
    });
    await code(first.execute(() => Promise.reject(httpError(503, 'GET'))));
    const restarted = createPipeline(policies, { name: 'restart', store: b });
    let called = false;
    const r = await restarted.read('fleet-7', () => {
      called = true;
      return { trucks: 0 };
    });
    expect(called).toBe(false);
    expect(r).toMatchObject({ stale: true, value: { trucks: 12 } });
    expect(restarted.breaker?.state).toBe('open');
  });
});
