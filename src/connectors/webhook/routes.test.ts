import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { buildAdminApp } from '../../observability/admin-server.js';
import { PatchbayMetrics } from '../../observability/metrics.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { webhookConfigSchema } from './config.js';
import { webhookPath, webhookRoutes, webhookTargets } from './routes.js';
import { post, signedRequest, testSecrets } from './__fixtures__/harness.js';

let store: SqliteStore | undefined;
let close: (() => Promise<unknown>) | undefined;
afterEach(async () => {
  await close?.();
  await store?.close();
});

const config = webhookConfigSchema.parse({
  signature: { scheme: 'standard-webhooks', secrets: ['test:CURRENT'] },
});

describe('webhook routes on the admin server', () => {
  it('serve raw bodies without changing how the admin routes parse JSON', async () => {
    store = await openSqliteStore({ path: ':memory:' });
    const targets = webhookTargets([
      { id: 'billing', source: { spec: { kind: 'webhook' }, config } },
      { id: 'orders', source: { spec: { kind: 'http-poll' }, config: {} } },
    ]);
    expect(targets.map(webhookPath)).toEqual(['/webhooks/billing']);
    const app = buildAdminApp({
      metrics: new PatchbayMetrics(),
      routes: (a) => {
        a.post('/api/echo', async (req) => ({ parsed: req.body }));
        void a.register(
          webhookRoutes({
            targets,
            store: store!,
            secrets: testSecrets(),
            logger: pino({ level: 'silent' }),
          }),
        );
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    close = () => app.close();
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    const hook = await post(`${base}/webhooks/billing`, signedRequest('msg_r1', { id: 1 }));
    expect(hook.status).toBe(200);
    const echo = await post(`${base}/api/echo`, {
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(echo.json).toEqual({ parsed: { a: 1 } });
    const unsigned = await post(`${base}/webhooks/billing`, {
      headers: { 'content-type': 'application/json' },
      body: '{"id":2}',
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.json).toEqual({ error: { code: 'MISSING_HEADER' } });
    expect(await store.inbox.count('billing')).toBe(1);
  });
});

describe('webhook config', () => {
  it('requires a signature scheme, and the unsigned opt-out must be explicit', () => {
    expect(webhookConfigSchema.safeParse({}).success).toBe(false);
    expect(webhookConfigSchema.safeParse({ signature: { scheme: 'none' } }).success).toBe(false);
    expect(
      webhookConfigSchema.safeParse({ signature: { scheme: 'none', acceptUnsigned: true } })
        .success,
    ).toBe(true);
  });

  it('refuses plaintext secrets without repeating them', () => {
    const result = webhookConfigSchema.safeParse({
      signature: { scheme: 'github', secrets: ['hunter2-plaintext'] },
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues.map((i) => i.message))).not.toContain('hunter2');
  });
});
