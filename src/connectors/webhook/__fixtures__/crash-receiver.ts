/**
 * Child process for the crash test: a receiver and runtime on one SQLite
 * store, with an idempotent downstream (a second SQLite file keyed by event
 * id, counting deliveries). Prints `ready <port>` once it listens; the test
 * kills it with SIGKILL at will.
 *
 * argv: <store path> <downstream path> <generation>. Each generation runs its
 * runtime clock an hour further on, so the run lease a killed generation left
 * behind has lapsed without the test waiting for it.
 */
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { fastify } from 'fastify';
import pino from 'pino';
import type { FunctionSink } from '../../../core/integration.js';
import { createRuntime } from '../../../runtime/runtime.js';
import { singleAttempt } from '../../../runtime/services.js';
import { openSqliteStore } from '../../../store/sqlite/index.js';
import { webhookRoutes, webhookTargets } from '../routes.js';
import type { WebhookEvent } from '../source.js';
import { testSecrets, webhookIntegration } from './harness.js';

const [storePath, downstreamPath, generation] = process.argv.slice(2) as [string, string, string];
const offset = Number(generation) * 3_600_000;

const down = new Database(downstreamPath);
down.pragma('journal_mode = WAL');
down.pragma('synchronous = FULL');
down.exec(
  'CREATE TABLE IF NOT EXISTS effects (event_id TEXT PRIMARY KEY, deliveries INTEGER NOT NULL)',
);
const upsert = down.prepare(
  `INSERT INTO effects (event_id, deliveries) VALUES (?, 1)
   ON CONFLICT (event_id) DO UPDATE SET deliveries = deliveries + 1`,
);
const writeAll = down.transaction((ids: string[]) => {
  for (const id of ids) upsert.run(id);
});
const sink: FunctionSink = {
  name: 'downstream',
  idempotent: true,
  async write(records) {
    writeAll(records.map((r) => (r.data as WebhookEvent).eventId ?? 'missing'));
  },
};

const store = await openSqliteStore({ path: storePath });
const secrets = testSecrets();
const logger = pino({ level: 'silent' });
const runtime = await createRuntime({
  integrations: [webhookIntegration({ sink }, { claimLease: '1s', batchSize: 50 })],
  store,
  secrets,
  logger,
  guardFor: () => singleAttempt,
  now: () => Date.now() + offset,
});
const app = fastify({ logger: false });
await app.register(
  webhookRoutes({ targets: webhookTargets(runtime.integrations.values()), store, secrets, logger }),
);
await app.listen({ host: '127.0.0.1', port: 0 });
await runtime.start();
process.stdout.write(`ready ${(app.server.address() as AddressInfo).port}\n`);
