/**
 * The demo engagement: starts the logistics customer's simulated systems on
 * loopback, then runs the Patchbay project in demo/project against them —
 * through the same `patchbay run` a deployment uses — until Ctrl-C or
 * `--for` has passed.
 *
 *   tsx demo/start.ts [--chaos] [--for 45s] [--state-dir DIR] [--admin-port N] [--report FILE]
 *                     [--hr-db sqlite|postgres|mariadb]
 *
 * Every start is a fresh engagement: the simulated systems start empty, so
 * the demo's state (store, warehouse, HR replica) is deleted first.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { main, processIo } from 'patchbay/cli';
import { recordRotation } from 'patchbay/operations';
import { openSqliteStore } from 'patchbay/store/sqlite';
import { chaosSchedule, startChaos } from './systems/chaos.js';
import { NEW_PLANT } from './systems/erp-drop.js';
import { startSystems } from './systems/index.js';
import { watchStatus } from './watch.js';

const { values: args } = parseArgs({
  options: {
    chaos: { type: 'boolean', default: false },
    for: { type: 'string' },
    'state-dir': { type: 'string' },
    'admin-port': { type: 'string', default: '9464' },
    report: { type: 'string' },
    'hr-db': { type: 'string', default: 'sqlite' },
  },
});
const hrDb = args['hr-db'];
if (hrDb !== 'sqlite' && hrDb !== 'postgres' && hrDb !== 'mariadb') {
  process.stderr.write(`demo: --hr-db must be sqlite, postgres or mariadb, not ${hrDb}\n`);
  process.exit(2);
}

const projectDir = fileURLToPath(new URL('./project', import.meta.url));
const defaultState = resolve(projectDir, '.patchbay');
const stateDir = resolve(args['state-dir'] ?? defaultState);
const adminPort = Number(args['admin-port']);
const say = (line: string) => process.stderr.write(`demo: ${line}\n`);

// Only the demo's own files: a state dir given by the caller may hold other things.
mkdirSync(stateDir, { recursive: true });
for (const name of ['state.db', 'warehouse.db', 'hr-replica.db']) {
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(resolve(stateDir, name + suffix), { force: true });
}
for (const folder of ['erp-drop', 'erp-archive', 'share', 'share-archive']) {
  rmSync(resolve(stateDir, folder), { recursive: true, force: true });
}

const systems = await startSystems(stateDir, {
  dispatchUrl: `http://127.0.0.1:${adminPort}/webhooks/dispatch-events`,
  hrDb,
});
Object.assign(process.env, systems.env, { DEMO_ADMIN_PORT: String(adminPort) });

const project = relative(process.cwd(), projectDir) || '.';
const envPrefix = stateDir === defaultState ? '' : `DEMO_STATE_DIR=${stateDir} `;
say('simulated customer systems on loopback:');
say(`  ERP file drop    ${systems.erp.folder} (a LOADS_<date>.csv every 10 s = one night)`);
say(`  GPS vendor API   ${systems.gps.url}/v1/positions (60 req/min quota, random 503s)`);
say(`  HR replica       ${systems.hr.where}`);
say(`  document share   ${systems.share.folder} (the hubs list)`);
say(`  dispatch system  signed webhooks → http://127.0.0.1:${adminPort}/webhooks/dispatch-events`);
say(`  ticketing        ${systems.ticketing.url}/api/now/table/incident`);
say(`  SMTP gateway     smtp://${systems.smtp.host}:${systems.smtp.port}`);
say(`warehouse: ${systems.env['DEMO_WAREHOUSE']}`);
say('where to look while it runs:');
say(`  ${envPrefix}npx patchbay status --project ${project}`);
say(`  curl -s http://127.0.0.1:${adminPort}/metrics | grep patchbay_integration_`);
say(`  ${envPrefix}npx patchbay dlq list hr-drivers --project ${project}`);
say(`  ${envPrefix}npx patchbay rejects list erp-loads --project ${project}`);

// The demo mints fresh credentials on every start, so it has just rotated them: say so,
// as an operator does after a rotation (`patchbay check` looks for the record).
const rotations = await openSqliteStore({ path: resolve(stateDir, 'state.db') });
try {
  for (const ref of [
    'env:DEMO_GPS_TOKEN',
    'env:DEMO_TICKETING_PASSWORD',
    'env:DEMO_DISPATCH_SECRET',
  ]) {
    await recordRotation(rotations, ref, { by: 'demo/start.ts' });
  }
} finally {
  await rotations.close();
}

// The on-call operator's part of the chaos story: once the hubs list is fixed, replay the
// bad ERP day with the same CLI anyone would use, then re-drive what the replay fixed.
const bin = fileURLToPath(new URL('../bin/patchbay.js', import.meta.url));
const operator: Array<Promise<void>> = [];
const patchbay = (cliArgs: string[]) =>
  new Promise<void>((done) => {
    say(`operator$ patchbay ${cliArgs.join(' ')}`);
    const child = spawn(process.execPath, [bin, ...cliArgs, '--project', projectDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => {
      for (const line of out.trim().split('\n')) if (line) say(`  ${line}`);
      if (code !== 0) say(`  (exit ${code})`);
      done();
    });
  });
const replayBadDay = (date: string) => {
  const run = async () => {
    // First make sure the fix is in: the crosswalk knows the new plant (up to 10 s).
    const store = await openSqliteStore({ path: resolve(stateDir, 'state.db') });
    try {
      for (let i = 0; i < 40; i++) {
        if (await store.crosswalk.lookup('erp-plant->hub', NEW_PLANT)) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await store.close();
    }
    await patchbay(['replay', 'erp-loads', '--from', date, '--to', date]);
    // The replay loaded the parked rows, which took their entries off the ledger: what is
    // left is what the ERP must correct.
    await patchbay(['rejects', 'list', 'erp-loads']);
  };
  operator.push(run());
};

// The chaos clock starts once the runtime is up (loading the project takes a moment,
// longer on a busy machine), so every run tells the same story.
const chaos = args.chaos ? chaosSchedule({ ...systems, replayBadDay }) : [];
const watcher = watchStatus(`http://127.0.0.1:${adminPort}`, say);
let stopChaos = () => {};
let chaosStarted = false;
void watcher.ready.then(() => {
  if (chaos.length > 0 && !chaosStarted) {
    chaosStarted = true;
    stopChaos = startChaos(chaos, say);
  }
});

let code: number;
try {
  code = await main(
    ['run', '--project', projectDir, ...(args.for ? ['--for', args.for] : [])],
    processIo(),
  );
} finally {
  stopChaos();
  await watcher.stop();
  await Promise.all(operator);
}
const report = {
  ...systems.report(),
  hrRows: await systems.hr.snapshot(),
  breakerStates: watcher.breakerStates(),
  lastKnownGood: watcher.lastKnownGood(),
};
await systems.close();

const gps = report.gps;
say(
  `GPS API answered ${gps.requests} requests ${JSON.stringify(gps.byStatus)}, at most ${gps.peakPerMinute} in a minute (quota 60); 429s: ${gps.tooManyRequests}`,
);
say(`GPS breaker states seen: ${report.breakerStates['gps-positions']?.join(' → ') ?? 'none'}`);
const lkg = report.lastKnownGood['gps-positions'];
if (lkg)
  say(
    `GPS last-known-good data served while down, marked ${lkg.stale ? 'stale' : 'fresh'} (${lkg.cause})`,
  );
const d = report.dispatch;
say(
  `dispatch sent ${d.events.length} events, ${d.acknowledged.length} acknowledged, ${d.duplicates} answered as duplicates${d.forged.length ? `, forged request answered ${d.forged.join(', ')}` : ''}`,
);
for (const i of report.ticketing.incidents) {
  say(`incident ${i.number} (${i.short_description}) state ${i.state}, ${i.updates} updates`);
}
const goodRows = report.erp.reduce((n, f) => n + f.good.length, 0);
say(`ERP dropped ${report.erp.length} nightly file(s) with ${goodRows} good rows`);
say(`ticketing refused ${report.ticketing.refused} requests while down`);
const notifications = report.mail.filter((m) => m.subject.startsWith('Your load'));
say(
  `emails received by the SMTP gateway: ${report.mail.length} (${notifications.length} customer notifications, ${report.mail.length - notifications.length} alerts)`,
);
if (args.report) writeFileSync(args.report, JSON.stringify(report, null, 2));
// Exit as `bin/patchbay.js` does: a handle left open (a driver's idle connection) must not
// keep the demo alive once it is done.
process.exit(code);
