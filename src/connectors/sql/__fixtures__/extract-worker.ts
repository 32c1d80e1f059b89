/**
 * Child process of the SIGKILL test: runs one live extract into a slow
 * upsert sink and prints `acked` after every batch the sink wrote, until the
 * parent kills it mid-run.
 */
import { defineIntegration } from '../../../core/integration.js';
import { createRuntime } from '../../../runtime/runtime.js';
import { openSqliteStore } from '../../../store/sqlite/index.js';
import { sqlExtract } from '../extract-source.js';
import { sqlUpsert } from '../upsert-sink.js';
import { killTestIntegration, type KillTestArgs } from './kill-test.js';
import { testContext } from './servers.js';

const args = JSON.parse(process.argv[2]!) as KillTestArgs;
const store = await openSqliteStore({ path: args.storePath });
const session = await sqlUpsert.spec.connect(
  sqlUpsert.spec.config.parse({ ...args.connection, table: args.target, key: 'id' }),
  testContext(),
);
const integration = defineIntegration({
  ...killTestIntegration(args, sqlExtract, sqlUpsert),
  sink: {
    name: 'slow-upsert',
    idempotent: true,
    async write(records, ctx) {
      await new Promise((r) => setTimeout(r, 15));
      await session.write(records, ctx);
      process.stdout.write('acked\n');
    },
  },
});
const runtime = await createRuntime({
  integrations: [integration],
  store,
  instanceId: 'sql-kill-test',
});
await runtime.run('hr-kill');
process.stdout.write('finished\n');
