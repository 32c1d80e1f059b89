/**
 * The demo engagement: starts the logistics customer's simulated systems on
 * loopback, then runs the Patchbay project in demo/project against them —
 * through the same `patchbay run` a deployment uses — until Ctrl-C or
 * `--for` has passed.
 *
 *   tsx demo/start.ts [--chaos] [--for 45s] [--state-dir DIR] [--admin-port N] [--report FILE]
 *
 * Every start is a fresh engagement: the simulated systems start empty, so
 * the demo's state (store, warehouse, HR replica) is deleted first.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { main, processIo } from 'patchbay/cli';
import { recordRotation } from 'patchbay/operations';
import { openSqliteStore } from 'patchbay/store/sqlite';
import { chaosSchedule, startChaos } from './systems/chaos.js';
import { startSystems } from './systems/index.js';
import { watchStatus } from './watch.js';

const { values: args } = parseArgs({
  options: {
    chaos: { type: 'boolean', default: false },
    for: { type: 'string' },
    'state-dir': { type: 'string' },
    'admin-port': { type: 'string', default: '9464' },
    report: { type: 'string' },
  },
});

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
for (const folder of ['erp-drop', 'erp-archive']) {
  rmSync(resolve(stateDir, folder), { recursive: true, force: true });
}

const systems = await startSystems(stateDir);
Object.assign(process.env, systems.env, { DEMO_ADMIN_PORT: String(adminPort) });

const project = relative(process.cwd(), projectDir) || '.';
const envPrefix = stateDir === defaultState ? '' : `DEMO_STATE_DIR=${stateDir} `;
say('simulated customer systems on loopback:');
say(`  ERP file drop    ${systems.erp.folder} (a LOADS_<date>.csv every 10 s = one night)`);
say(`  GPS vendor API   ${systems.gps.url}/v1/positions (60 req/min quota, random 503s)`);
say(`  HR replica       ${systems.hr.file}`);
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
  for (const ref of ['env:DEMO_GPS_TOKEN', 'env:DEMO_TICKETING_PASSWORD']) {
    await recordRotation(rotations, ref, { by: 'demo/start.ts' });
  }
} finally {
  await rotations.close();
}

const chaos = args.chaos ? chaosSchedule(systems) : [];
const stopChaos = startChaos(chaos, say);
const watcher = watchStatus(`http://127.0.0.1:${adminPort}`, say);

let code: number;
try {
  code = await main(
    ['run', '--project', projectDir, ...(args.for ? ['--for', args.for] : [])],
    processIo(),
  );
} finally {
  stopChaos();
  await watcher.stop();
}
const report = { ...systems.report(), breakerStates: watcher.breakerStates() };
await systems.close();

const gps = report.gps;
say(
  `GPS API answered ${gps.requests} requests ${JSON.stringify(gps.byStatus)}, at most ${gps.peakPerMinute} in a minute (quota 60); 429s: ${gps.tooManyRequests}`,
);
say(`GPS breaker states seen: ${report.breakerStates['gps-positions']?.join(' → ') ?? 'none'}`);
for (const i of report.ticketing.incidents) {
  say(`incident ${i.number} (${i.short_description}) state ${i.state}, ${i.updates} updates`);
}
const goodRows = report.erp.reduce((n, f) => n + f.good.length, 0);
say(`ERP dropped ${report.erp.length} nightly file(s) with ${goodRows} good rows`);
say(`ticketing refused ${report.ticketing.refused} requests while down`);
say(`emails received by the SMTP gateway: ${report.mail.length}`);
if (args.report) writeFileSync(args.report, JSON.stringify(report, null, 2));
process.exitCode = code;
