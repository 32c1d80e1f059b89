/**
 * Child process for the sync-fault test: the receiver on plain node:http over
 * a store that syncs its WAL in the thread pool (`commitSync: 'thread-pool'`),
 * one Standard Webhooks integration `hooks` whose secret is in
 * `PB_DISK_FAULT_SECRET`. Prints `ready <port> <pid>`; the test runs it under
 * strace and ends it with SIGKILL.
 *
 * argv: <store path>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { defaultSecrets } from '../../../core/secrets/resolver.js';
import { openSqliteStore } from '../../../store/sqlite/index.js';
import { webhookConfigSchema } from '../config.js';
import { webhookRequestListener } from '../node-http.js';

const [storePath] = process.argv.slice(2) as [string];
const store = await openSqliteStore({ path: storePath, commitSync: 'thread-pool' });
const config = webhookConfigSchema.parse({
  signature: { scheme: 'standard-webhooks', secrets: ['env:PB_DISK_FAULT_SECRET'] },
});
const server = createServer(
  webhookRequestListener({
    targets: [{ integrationId: 'hooks', config }],
    store,
    secrets: defaultSecrets,
    logger: pino({ level: 'silent' }),
  }),
);
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`ready ${(server.address() as AddressInfo).port} ${process.pid}\n`);
});
