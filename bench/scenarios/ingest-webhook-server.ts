/**
 * Server process for `ingest.webhook.durable`: one variant per process, so
 * the load generator does not share the server's event loop. argv:
 * <variant> <scratch dir>; prints `ready <port>`.
 *
 * - `bare`: node:http that reads the body and checks the Standard Webhooks
 *   v1 HMAC, nothing else (the baseline);
 * - `node-http`: Patchbay's receiver on plain node:http, durable SQLite inbox;
 * - `fastify`: Patchbay's receiver as fastify routes, durable SQLite inbox;
 * - `node-http-thread-pool`: as `node-http`, with the store's fsync in
 *   libuv's thread pool (`commitSync: 'thread-pool'`, `synchronous=NORMAL`
 *   plus an fdatasync of the WAL before any write resolves).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fastify } from 'fastify';
import pino from 'pino';
import { defaultSecrets } from '../../src/core/secrets/resolver.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import {
  webhookConfigSchema,
  webhookRequestListener,
  webhookRoutes,
} from '../../src/connectors/webhook/index.js';

const [variant, dir] = process.argv.slice(2) as [string, string];
const secret = process.env['BENCH_WEBHOOK_SECRET'] as string;
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');

function ready(port: number): void {
  process.stdout.write(`ready ${port}\n`);
}

// The load generator asks for this process's CPU time around its timed window.
process.on('SIGUSR2', () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`cpu ${user + system}\n`);
});

if (variant === 'bare') {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const id = String(req.headers['webhook-id']);
      const ts = String(req.headers['webhook-timestamp']);
      const sig = Buffer.from(String(req.headers['webhook-signature']).slice(3), 'base64');
      const mac = createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest();
      const ok = sig.length === mac.length && timingSafeEqual(sig, mac);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(ok ? '{"ok":true}' : '{"ok":false}');
    });
  });
  server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
} else {
  const store = await openSqliteStore({
    path: join(dir, 'state.db'),
    commitSync: variant === 'node-http-thread-pool' ? 'thread-pool' : 'in-commit',
  });
  const config = webhookConfigSchema.parse({
    signature: { scheme: 'standard-webhooks', secrets: ['env:BENCH_WEBHOOK_SECRET'] },
  });
  const options = {
    targets: [{ integrationId: 'bench', config }],
    store,
    secrets: defaultSecrets,
    logger: pino({ level: 'silent' }),
  };
  if (variant === 'node-http' || variant === 'node-http-thread-pool') {
    const server = createServer(webhookRequestListener(options));
    server.listen(0, '127.0.0.1', () => ready((server.address() as AddressInfo).port));
  } else {
    const app = fastify({ logger: false });
    await app.register(webhookRoutes(options));
    await app.listen({ host: '127.0.0.1', port: 0 });
    ready((app.server.address() as AddressInfo).port);
  }
}
