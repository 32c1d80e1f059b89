/**
 * Child process for the two-process test. Opens the store, prints `ready`,
 * waits for one line on stdin (the start signal, so both processes race at
 * the same moment), runs the task and prints one JSON line with the result.
 *
 * Usage: tsx test/crash/worker.ts <db path> <task> <count>
 *   task `cas`:   <count> increments of policy state `counter` by read + compare-and-set
 *   task `claim`: claims inbox items of `shared` 5 at a time until none are left
 *   task `lease`: tries once to take lease `leader` (60 s) and reports the answer
 */
import { once } from 'node:events';
import { openSqliteStore } from '../../src/store/index.js';

const [path, task, countArg] = process.argv.slice(2);
if (!path || !task) throw new Error('usage: worker.ts <db path> <task> <count>');
const count = Number(countArg ?? 1);
const store = await openSqliteStore({ path });
const owner = `child-${process.pid}`;

process.stdout.write('ready\n');
await once(process.stdin, 'data');

let result: unknown;
if (task === 'cas') {
  let conflicts = 0;
  for (let i = 0; i < count; i++) {
    for (;;) {
      const cur = await store.policyState.get('counter');
      const value = typeof cur?.value === 'number' ? cur.value : 0;
      if (
        (await store.policyState.compareAndSet('counter', cur?.version ?? 0, value + 1)) !==
        undefined
      ) {
        break;
      }
      conflicts += 1;
    }
  }
  result = { conflicts };
} else if (task === 'claim') {
  const ids: string[] = [];
  for (;;) {
    const batch = await store.inbox.claim('shared', { limit: 5, leaseMs: 60_000, owner });
    if (batch.length === 0) break;
    ids.push(...batch.map((item) => item.id));
  }
  result = { ids };
} else if (task === 'lease') {
  result = { won: await store.leases.acquire('leader', owner, 60_000) };
} else {
  throw new Error(`unknown task ${task}`);
}
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
