/**
 * The demo is a test: it runs demo/start.ts as `npm start` does, once in
 * steady state and once with `--chaos` (side by side, to keep the suite
 * short), and asserts on outcomes the way an operator would check them:
 * what reached the warehouse, what the simulated systems saw, and what the
 * Patchbay store recorded. No timings are asserted; the chaos schedule
 * leaves each fault several poll intervals to play out.
 *
 * Needs `npm run build` first: the demo project imports `patchbay/*` like a
 * user project, which resolves to dist/.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { SystemsReport } from './systems/index.js';

type Report = SystemsReport & { breakerStates: Record<string, string[]> };

interface DemoRun {
  code: number | null;
  output: string;
  dir: string;
  report: Report;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function runDemo(extra: string[]): Promise<DemoRun> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-demo-'));
  const reportFile = join(dir, 'report.json');
  const args = ['--import', 'tsx', join(import.meta.dirname, 'start.ts'), '--state-dir', dir];
  args.push('--admin-port', String(await freePort()), '--report', reportFile, ...extra);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DEMO_')),
  );
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  return { code, output, dir, report };
}

/** What the demo left behind: the Patchbay store and the two SQLite files. */
async function open(run: DemoRun) {
  const store = await openSqliteStore({ path: join(run.dir, 'state.db') });
  const warehouse = new Database(join(run.dir, 'warehouse.db'), { readonly: true });
  const replica = new Database(join(run.dir, 'hr-replica.db'), { readonly: true });
  return { store, warehouse, replica };
}

type Opened = Awaited<ReturnType<typeof open>>;

/** GPS: the warehouse holds exactly positions 1..checkpoint, no gap, no duplicate. */
async function expectGpsComplete({ store, warehouse }: Opened) {
  const checkpoint = (await store.checkpoints.get('gps-positions'))?.value as { last: number };
  expect(checkpoint.last).toBeGreaterThan(100); // 6 trucks, one position a second each
  const rows = warehouse.prepare('SELECT seq FROM gps_positions ORDER BY seq').all() as Array<{
    seq: number;
  }>;
  expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: checkpoint.last }, (_, i) => i + 1));
}

/**
 * HR: every replica row up to the saved watermark is in the warehouse in
 * its current version, except the bad rows (which must be elsewhere).
 */
async function expectHrComplete({ store, warehouse, replica }: Opened, bad: number[]) {
  const saved = (await store.checkpoints.get('hr-drivers'))?.value as {
    watermark: number;
    key: number[];
  };
  const upTo = replica
    .prepare(
      'SELECT id, updated_at FROM drivers WHERE updated_at < ? OR (updated_at = ? AND id <= ?)',
    )
    .all(saved.watermark, saved.watermark, saved.key[0]) as Array<{
    id: number;
    updated_at: number;
  }>;
  expect(upTo.length).toBeGreaterThanOrEqual(40);
  const loaded = new Map(
    (
      warehouse.prepare('SELECT driver_id, updated_at FROM drivers').all() as Array<{
        driver_id: number;
        updated_at: number;
      }>
    ).map((r) => [r.driver_id, r.updated_at]),
  );
  for (const row of upTo) {
    if (bad.includes(row.id)) expect(loaded.has(row.id), `bad driver ${row.id}`).toBe(false);
    else expect(loaded.get(row.id), `driver ${row.id}`).toBe(row.updated_at);
  }
}

/**
 * ERP: every file the drop took (it is in the archive) is loaded, all its
 * good rows and none of its bad ones; returns the bad rows' count.
 */
function expectErpComplete(run: DemoRun, { warehouse }: Opened): number {
  const archived = new Set(
    readdirSync(join(run.dir, 'erp-archive'), { recursive: true }).map((f) => basename(String(f))),
  );
  const taken = run.report.erp.filter((f) => archived.has(f.name));
  expect(taken.length).toBeGreaterThanOrEqual(2);
  const loaded = new Set(
    (warehouse.prepare('SELECT load_no FROM loads').all() as Array<{ load_no: string }>).map(
      (r) => r.load_no,
    ),
  );
  for (const file of taken) {
    for (const no of file.good) expect(loaded.has(no), `${file.name} load ${no}`).toBe(true);
    for (const no of file.bad) expect(loaded.has(no), `${file.name} bad load ${no}`).toBe(false);
  }
  return taken.reduce((n, f) => n + f.bad.length, 0);
}

let steady: DemoRun;
let chaos: DemoRun;
const opened: Opened[] = [];

beforeAll(async () => {
  [steady, chaos] = await Promise.all([
    runDemo(['--for', '20s']),
    runDemo(['--chaos', '--for', '40s']),
  ]);
}, 90_000);

afterAll(async () => {
  for (const o of opened) {
    await o.store.close();
    o.warehouse.close();
    o.replica.close();
  }
  for (const run of [steady, chaos]) if (run) rmSync(run.dir, { recursive: true, force: true });
});

describe('the demo engagement in steady state', () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open(steady);
    opened.push(o);
  });

  it('exits 0 after a graceful stop', () => {
    expect(steady.code, steady.output).toBe(0);
    expect(steady.output).toContain('patchbay: stopped');
  });

  it('loads every GPS position up to the checkpoint, with zero 429s from the vendor', async () => {
    expect(steady.report.gps.byStatus['200']).toBeGreaterThan(0);
    expect(steady.report.gps.tooManyRequests).toBe(0);
    // 50 a minute plus a burst of 5, and a retry now and then: never near the vendor's 60.
    expect(steady.report.gps.peakPerMinute).toBeLessThan(60);
    await expectGpsComplete(o);
  });

  it('loads every row of every nightly ERP file taken from the drop', async () => {
    expect(expectErpComplete(steady, o)).toBe(0);
    expect(await o.store.rejects.list('erp-loads')).toEqual([]);
  });

  it('loads every HR driver up to the watermark; nothing rejected or dead-lettered', async () => {
    await expectHrComplete(o, []);
    expect(await o.store.rejects.list('hr-drivers')).toEqual([]);
    expect(await o.store.deadLetters.count('hr-drivers')).toBe(0);
    expect(await o.store.deadLetters.count('gps-positions')).toBe(0);
  });

  it('opens no incident and keeps the breaker closed', () => {
    expect(steady.report.ticketing.incidents).toEqual([]);
    expect(steady.report.mail).toEqual([]);
    expect(steady.report.breakerStates['gps-positions']).toEqual(['closed']);
  });
});

describe('the demo engagement under --chaos', () => {
  let o: Opened;
  beforeAll(async () => {
    o = await open(chaos);
    opened.push(o);
  });

  it('exits 0 after a graceful stop', () => {
    expect(chaos.code, chaos.output).toBe(0);
    expect(chaos.output).toContain('patchbay: stopped');
  });

  it('opens the GPS breaker during the outage and closes it after', async () => {
    const states = chaos.report.breakerStates['gps-positions'] ?? [];
    expect(states).toContain('open');
    expect(states.at(-1)).toBe('closed');
    const runs = await o.store.runs.list('gps-positions', { limit: 200 });
    expect(runs.some((r) => r.error?.kind === 'circuit_open')).toBe(true);
    expect(runs.some((r) => r.error?.kind === 'http_5xx')).toBe(true);
    // The runs after the outage caught up: nothing the vendor served was lost.
    await expectGpsComplete(o);
  });

  it('opens exactly one incident for the freshness breach, delivered once ticketing is back', () => {
    const { incidents, refused } = chaos.report.ticketing;
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.correlation_id).toMatch(/^gps-positions:freshness:/);
    expect(refused).toBeGreaterThan(0);
    expect(chaos.report.mail.some((m) => m.subject.includes('gps-positions'))).toBe(true);
  });

  it('rejects the two bad rows of the malformed ERP file and loads the rest', async () => {
    expect(expectErpComplete(chaos, o)).toBe(2);
    const rejects = await o.store.rejects.list('erp-loads');
    expect(rejects.map((r) => r.rule).sort()).toEqual(['csv:columns', 'sap-date']);
  });

  it('rejects the unreadable HR rows and dead-letters the ones the warehouse refuses', async () => {
    const { badDates, badClasses } = chaos.report.hr;
    const rejects = await o.store.rejects.list('hr-drivers');
    expect(rejects.map((r) => Number(r.recordKey)).sort((a, b) => a - b)).toEqual(badDates);
    expect(rejects.every((r) => r.rule === 'sap-date')).toBe(true);
    const letters = await o.store.deadLetters.list('hr-drivers', { limit: 100 });
    expect(letters.map((l) => Number(l.itemKey)).sort((a, b) => a - b)).toEqual(badClasses);
    expect(letters.every((l) => l.error.code === 'SQLITE_CONSTRAINT_CHECK')).toBe(true);
    await expectHrComplete(o, [...badDates, ...badClasses]);
  });
});
