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
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { SystemsReport } from './systems/index.js';

import type { LastKnownGoodSeen } from './watch.js';

type Report = SystemsReport & {
  hrRows: Array<{ id: number; updated_at: number }>;
  breakerStates: Record<string, string[]>;
  lastKnownGood: Record<string, LastKnownGoodSeen>;
};

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
  // As `npm start` runs it: none of the test's DEMO_* settings, and not as part of vitest
  // (the CLI the demo's operator calls would not load a TypeScript project under VITEST).
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DEMO_') && !k.startsWith('VITEST')),
  );
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  writeFileSync(join(dir, 'output.log'), output);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  return { code, output, dir, report };
}

/** What the demo left behind: the Patchbay store and the warehouse. */
async function open(run: DemoRun) {
  const store = await openSqliteStore({ path: join(run.dir, 'state.db') });
  const warehouse = new Database(join(run.dir, 'warehouse.db'), { readonly: true });
  return { store, warehouse };
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
async function expectHrComplete(run: DemoRun, { store, warehouse }: Opened, bad: number[]) {
  const saved = (await store.checkpoints.get('hr-drivers'))?.value as {
    watermark: number;
    key: number[];
  };
  // The replica as the HR system left it (SQLite file, PostgreSQL or MariaDB).
  const upTo = run.report.hrRows.filter(
    (r) =>
      r.updated_at < saved.watermark || (r.updated_at === saved.watermark && r.id <= saved.key[0]!),
  );
  expect(upTo.length).toBeGreaterThanOrEqual(30);
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
  // Every load carries a canonical hub id from the crosswalk, never an ERP plant code.
  const hubs = new Set(run.report.hubs.map((h) => h.hubId));
  const hubIds = warehouse.prepare('SELECT DISTINCT hub_id FROM loads').all() as Array<{
    hub_id: string;
  }>;
  for (const { hub_id } of hubIds) expect(hubs.has(hub_id), hub_id).toBe(true);
  return taken.reduce((n, f) => n + f.bad.length, 0);
}

/** Hubs: the newest list is in the warehouse and in the crosswalk the ERP mapping uses. */
async function expectHubsLoaded(run: DemoRun, { store, warehouse }: Opened) {
  const rows = warehouse.prepare('SELECT hub_id, erp_plant FROM hubs ORDER BY hub_id').all();
  const expected = run.report.hubs
    .map((h) => ({ hub_id: h.hubId, erp_plant: h.erpPlant }))
    .sort((a, b) => (a.hub_id < b.hub_id ? -1 : 1));
  expect(rows).toEqual(expected);
  for (const h of run.report.hubs) {
    expect(await store.crosswalk.lookup('erp-plant->hub', h.erpPlant)).toBe(h.hubId);
  }
}

/**
 * Dispatch: every event the receiver acknowledged is in the inbox (stored
 * before the 2xx), none was applied twice, and each load's status moved
 * forward in event time only, ending at its newest applied event.
 */
async function expectDispatchApplied(run: DemoRun, { store, warehouse }: Opened) {
  const d = run.report.dispatch;
  expect(d.acknowledged.length).toBeGreaterThan(10);
  const inbox = await store.inbox.listReceived('dispatch-events', {
    from: 0,
    to: Date.now(),
    limit: 10_000,
  });
  const stored = new Map(inbox.map((i) => [i.eventId, i]));
  for (const id of d.acknowledged) expect(stored.has(id), `event ${id} acknowledged`).toBe(true);
  expect(inbox.length).toBe(stored.size); // one envelope per event id, duplicates not stored
  const history = warehouse
    .prepare('SELECT load_no, event_id, occurred_at FROM load_status_history ORDER BY n')
    .all() as Array<{ load_no: string; event_id: string; occurred_at: string }>;
  expect(history.length).toBeGreaterThan(5);
  expect(new Set(history.map((h) => h.event_id)).size).toBe(history.length);
  const last = new Map<string, string>();
  for (const h of history) {
    const before = last.get(h.load_no);
    if (before !== undefined) expect(Date.parse(h.occurred_at)).toBeGreaterThan(Date.parse(before));
    last.set(h.load_no, h.occurred_at);
  }
  expect(await store.deadLetters.count('dispatch-events')).toBe(0);
}

/**
 * Customer notifications: one email per delivered load queued in the
 * warehouse outbox up to the relay's watermark, none sent twice.
 */
async function expectNotificationsSent(
  run: DemoRun,
  { store, warehouse }: Opened,
): Promise<number> {
  const saved = (await store.checkpoints.get('customer-notifications'))?.value as
    { watermark: number } | undefined;
  const upTo = saved?.watermark ?? 0;
  const queued = warehouse
    .prepare('SELECT id, load_no FROM notification_outbox WHERE id <= ? ORDER BY id')
    .all(upTo) as Array<{ id: number; load_no: string }>;
  expect(queued.length).toBeGreaterThan(0);
  const mails = run.report.mail.filter((m) => m.subject.startsWith('Your load'));
  const ids = mails.map((m) => m.messageId);
  expect(new Set(ids).size, 'a notification sent twice').toBe(ids.length);
  for (const q of queued) {
    expect(
      mails.filter((m) => m.subject === `Your load ${q.load_no} has been delivered`),
    ).toHaveLength(1);
  }
  return mails.length;
}

let steady: DemoRun;
let chaos: DemoRun;
const opened: Opened[] = [];

// Steady state runs its HR replica on the machine's PostgreSQL (`--hr-db postgres`); the
// chaos run keeps the embedded SQLite default. About 50 s on an idle machine; the timeout
// leaves room for a busy one.
beforeAll(async () => {
  [steady, chaos] = await Promise.all([
    runDemo(['--for', '20s', '--hr-db', 'postgres']),
    // 45 s: the last fault ends at 24 s; the rest is margin for a loaded machine (a probe that
    // lands just before the GPS vendor is back costs one more 10-s open period).
    runDemo(['--chaos', '--for', '45s']),
  ]);
}, 180_000);

afterAll(async () => {
  for (const o of opened) {
    await o.store.close();
    o.warehouse.close();
  }
  // DEMO_TEST_KEEP=1 keeps each run's folder (store, warehouse, output.log) to look at.
  if (process.env['DEMO_TEST_KEEP']) return;
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

  it('loads every HR driver up to the watermark from PostgreSQL; nothing rejected or dead-lettered', async () => {
    expect(steady.output).toContain('postgres://postgres@127.0.0.1:5432/test');
    await expectHrComplete(steady, o, []);
    expect(await o.store.rejects.list('hr-drivers')).toEqual([]);
    expect(await o.store.deadLetters.count('hr-drivers')).toBe(0);
    expect(await o.store.deadLetters.count('gps-positions')).toBe(0);
  });

  it('loads the hubs list as reference data and into the plant → hub crosswalk', async () => {
    expect(steady.report.hubs).toHaveLength(3);
    await expectHubsLoaded(steady, o);
    expect(await o.store.rejects.list('hubs-reference')).toEqual([]);
  });

  it('applies every signed dispatch event once, in event-time order per load', async () => {
    expect(steady.report.dispatch.duplicates).toBe(0);
    expect(steady.report.dispatch.forged).toEqual([]);
    await expectDispatchApplied(steady, o);
  });

  it('emails every delivered load to its customer once, through the warehouse outbox', async () => {
    await expectNotificationsSent(steady, o);
    expect(await o.store.deadLetters.count('customer-notifications')).toBe(0);
  });

  it('opens no incident, sends no alert email and keeps the breaker closed', () => {
    expect(steady.report.ticketing.incidents).toEqual([]);
    expect(steady.report.mail.filter((m) => !m.subject.startsWith('Your load'))).toEqual([]);
    expect(steady.report.breakerStates['gps-positions']).toEqual(['closed']);
    expect(steady.report.lastKnownGood).toEqual({});
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
    // On failure, say why: the demo's own lines and the runtime's breaker log for GPS.
    const why = chaos.output
      .split('\n')
      .filter((l) => /gps|GPS/.test(l) && /breaker|chaos|run finished|circuit/.test(l))
      .join('\n');
    expect(states, why).toContain('open');
    expect(states.at(-1), why).toBe('closed');
    const runs = await o.store.runs.list('gps-positions', { limit: 200 });
    expect(runs.some((r) => r.error?.kind === 'circuit_open')).toBe(true);
    expect(runs.some((r) => r.error?.kind === 'http_5xx')).toBe(true);
    // The runs after the outage caught up: nothing the vendor served was lost.
    await expectGpsComplete(o);
  });

  it('shows the last-known-good GPS data marked stale while the vendor is down', () => {
    const lkg = chaos.report.lastKnownGood['gps-positions'];
    expect(lkg?.stale).toBe(true);
    expect(['http_5xx', 'circuit_open']).toContain(lkg?.cause);
    expect(Object.keys(chaos.report.lastKnownGood)).toEqual(['gps-positions']);
  });

  it('opens exactly one incident for the freshness breach, delivered once ticketing is back', () => {
    const { incidents, refused } = chaos.report.ticketing;
    expect(incidents).toHaveLength(1);
    expect(incidents[0]?.correlation_id).toMatch(/^gps-positions:freshness:/);
    expect(refused).toBeGreaterThan(0);
    expect(chaos.report.mail.some((m) => m.subject.includes('gps-positions'))).toBe(true);
  });

  it('replays the bad ERP day after the hubs list fix: the day ends complete, no duplicates', async () => {
    expect(expectErpComplete(chaos, o)).toBe(2);
    const bad = chaos.report.erp.find((f) => f.parked.length > 0)!;
    expect(bad.parked).toHaveLength(3);
    // The parked loads (plant 4000, not on the first hubs list) arrived with the replay.
    const day = o.warehouse
      .prepare('SELECT load_no, hub_id FROM loads WHERE pickup_on = ?')
      .all(bad.date) as Array<{ load_no: string; hub_id: string }>;
    expect(day.map((r) => r.load_no).sort()).toEqual([...bad.good, ...bad.parked].sort());
    for (const no of bad.parked) {
      expect(day.find((r) => r.load_no === no)?.hub_id).toBe('HUB-KEL');
    }
    const replays = (await o.store.runs.list('erp-loads', { limit: 200 })).filter(
      (r) => r.mode === 'replay',
    );
    expect(replays.map((r) => [r.status, r.counts.written])).toEqual([
      ['succeeded', bad.good.length + bad.parked.length],
    ]);
    // Only the rows the ERP must correct stay in the ledger.
    const rejects = await o.store.rejects.list('erp-loads');
    expect(rejects.map((r) => r.rule).sort()).toEqual(['csv:columns', 'sap-date']);
    expect(chaos.output).toContain('2 of 2 rejects of erp-loads');
  });

  it('loads the new hubs list into the reference table and the crosswalk', async () => {
    expect(chaos.report.hubs.map((h) => h.hubId)).toContain('HUB-KEL');
    await expectHubsLoaded(chaos, o);
  });

  it('verifies, de-duplicates and orders the dispatch burst; nothing lost', async () => {
    const d = chaos.report.dispatch;
    expect(d.forged).toEqual([401]);
    expect(d.duplicates).toBeGreaterThanOrEqual(9);
    await expectDispatchApplied(chaos, o);
    // The burst's loads (sent newest first) end delivered, each notified once.
    const burst = d.burstLoads;
    expect(burst).toHaveLength(3);
    for (const load of burst) {
      const row = o.warehouse.prepare('SELECT status FROM load_status WHERE load_no = ?').get(load);
      expect(row, load).toEqual({ status: 'delivered' });
    }
    await expectNotificationsSent(chaos, o);
  });

  it('rejects the unreadable HR rows and dead-letters the ones the warehouse refuses', async () => {
    const { badDates, badClasses } = chaos.report.hr;
    const rejects = await o.store.rejects.list('hr-drivers');
    expect(rejects.map((r) => Number(r.recordKey)).sort((a, b) => a - b)).toEqual(badDates);
    expect(rejects.every((r) => r.rule === 'sap-date')).toBe(true);
    const letters = await o.store.deadLetters.list('hr-drivers', { limit: 100 });
    expect(letters.map((l) => Number(l.itemKey)).sort((a, b) => a - b)).toEqual(badClasses);
    expect(letters.every((l) => l.error.code === 'SQLITE_CONSTRAINT_CHECK')).toBe(true);
    await expectHrComplete(chaos, o, [...badDates, ...badClasses]);
  });
});
