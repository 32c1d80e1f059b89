import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { webhookConfigSchema } from './config.js';
import { webhookRequestListener } from './node-http.js';
import { post, signedRequest, testSecrets } from './__fixtures__/harness.js';

let store: SqliteStore | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  await store?.close();
});

describe('webhook receiver on plain node:http', () => {
  it('stores signed requests and rejects oversize, unsigned and misrouted ones', async () => {
    store = await openSqliteStore({ path: ':memory:' });
    const config = webhookConfigSchema.parse({
      signature: { scheme: 'standard-webhooks', secrets: ['test:CURRENT'] },
      maxBodyBytes: 2048,
    });
    server = createServer(
      webhookRequestListener({
        targets: [{ integrationId: 'hooks', config }],
        store,
        secrets: testSecrets(),
        logger: pino({ level: 'silent' }),
      }),
    );
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect((await post(`${base}/webhooks/hooks`, signedRequest('m1', { a: 1 }))).status).toBe(200);
    const big = signedRequest('m2', { pad: 'z'.repeat(4096) });
    expect((await post(`${base}/webhooks/hooks`, big)).json).toEqual({
      error: { code: 'BODY_TOO_LARGE' },
    });
    const unsigned = await post(`${base}/webhooks/hooks`, {
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    expect((await post(`${base}/webhooks/other`, signedRequest('m3', {}))).status).toBe(404);
    const get = await fetch(`${base}/webhooks/hooks`);
    expect(get.status).toBe(405);
    expect(await store.inbox.count('hooks')).toBe(1);
  });
});
