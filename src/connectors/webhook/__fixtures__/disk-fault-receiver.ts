/**
 * Child process for the disk-fault test: the webhook receiver (the fastify
 * routes `patchbay run` serves, or the plain node:http listener) on a SQLite
 * store that already exists, with
 * one Standard Webhooks integration whose secret is in `PB_DISK_FAULT_SECRET`.
 * Nothing processes the inbox, so the only writes are the receiver's own
 * appends. Prints `ready <port> <pid>` once it listens; the test runs it
 * under strace and ends it with SIGKILL.
 *
 * argv: <store path> <fastify | node-http>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastify } from 'fastify';
import pino from 'pino';
import { defineIntegration } from '../../../core/integration.js';
import { defaultSecrets } from '../../../core/secrets/resolver.js';
import { createRuntime } from '../../../runtime/runtime.js';
import { singleAttempt } from '../../../runtime/services.js';
import { openSqliteStore } from '../../../store/sqlite/index.js';
import { webhookRequestListener } from '../node-http.js';
import { webhookRoutes, webhookTargets } from '../routes.js';
import { webhook } from '../source.js';

const [storePath, listener] = process.argv.slice(2) as [string, string];
const store = await openSqliteStore({ path: storePath });
const logger = pino({ level: 'silent' });
const runtime = await createRuntime({
  integrations: [
    defineIntegration({
      id: 'hooks',
      owner: 'integrations',
      pattern: 'webhook',
      trigger: { type: 'stream' },
      source: webhook({
        signature: { scheme: 'standard-webhooks', secrets: ['env:PB_DISK_FAULT_SECRET'] },
      }),
      sink: { name: 'discard', idempotent: true, async write() {} },
      idempotencyKey: { fields: ['eventId'] },
    }),
  ],
  store,
  secrets: defaultSecrets,
  logger,
  guardFor: () => singleAttempt,
});
const options = {
  targets: webhookTargets(runtime.integrations.values()),
  store,
  secrets: defaultSecrets,
  logger,
};
let port: number;
if (listener === 'node-http') {
  const server = createServer(webhookRequestListener(options));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
} else {
  const app = fastify({ logger: false });
  await app.register(webhookRoutes(options));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
}
process.stdout.write(`ready ${port} ${process.pid}\n`);
