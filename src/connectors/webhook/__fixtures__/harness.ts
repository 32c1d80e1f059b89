/**
 * Test harness: a real SQLite store, a runtime running the webhook
 * integrations, and the receiver listening on loopback, so tests send real
 * HTTP requests and observe the real pipeline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastify, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { defineIntegration, type IntegrationOptions } from '../../../core/integration.js';
import { SecretResolverChain } from '../../../core/secrets/resolver.js';
import { captureLog, type CapturedLog } from '../../../observability/testing.js';
import { createRuntime, type Runtime } from '../../../runtime/runtime.js';
import { singleAttempt } from '../../../runtime/services.js';
import { openSqliteStore, type SqliteStoreOptions } from '../../../store/sqlite/index.js';
import type { Store } from '../../../store/types.js';
import { signStandardWebhook } from '../schemes/standard-webhooks.js';
import { webhook } from '../source.js';
import { webhookRoutes, webhookTargets } from '../routes.js';
import type { WebhookConfigInput } from '../config.js';

/** Secret values the `test:` resolver knows. */
export const SECRETS: Record<string, string> = {
  CURRENT: `whsec_${Buffer.from('current-secret-0123456789abcdef').toString('base64')}`,
  PREVIOUS: `whsec_${Buffer.from('previous-secret-0123456789abcde').toString('base64')}`,
  RETIRED: `whsec_${Buffer.from('retired-secret-0123456789abcdef').toString('base64')}`,
};

/** A chain resolving `test:<NAME>` from {@link SECRETS}. */
export function testSecrets(): SecretResolverChain {
  return new SecretResolverChain().register({
    scheme: 'test',
    async resolve(name) {
      const value = SECRETS[name];
      if (value === undefined) throw new Error(`no test secret ${name}`);
      return value;
    },
  });
}

/** A webhook integration with Standard Webhooks signed by test:CURRENT and test:PREVIOUS. */
export function webhookIntegration(
  overrides: Partial<IntegrationOptions> & Pick<IntegrationOptions, 'sink'>,
  config: Partial<WebhookConfigInput> = {},
): IntegrationOptions {
  return defineIntegration({
    id: 'hooks',
    owner: 'integrations',
    pattern: 'webhook',
    trigger: { type: 'stream' },
    source: webhook({
      signature: { scheme: 'standard-webhooks', secrets: ['test:CURRENT', 'test:PREVIOUS'] },
      pollInterval: '50ms',
      ...config,
    }),
    ...overrides,
  });
}

/** A running receiver and runtime. */
export interface Harness {
  dir: string;
  store: Store;
  runtime: Runtime;
  app: FastifyInstance;
  log: CapturedLog;
  url(path?: string): string;
  close(): Promise<void>;
}

/** Starts store, runtime (unless `process: false`) and receiver. */
export async function startHarness(options: {
  integrations: IntegrationOptions[];
  process?: boolean;
  storeOptions?: Partial<SqliteStoreOptions>;
  wrapStore?: (store: Store) => Store;
  /** Use the integrations' own policies (retries...) instead of a single attempt. */
  policies?: boolean;
}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-webhook-'));
  const raw = await openSqliteStore({ path: join(dir, 'state.db'), ...options.storeOptions });
  const store = options.wrapStore ? options.wrapStore(raw) : raw;
  const log = captureLog();
  const secrets = testSecrets();
  const runtime = await createRuntime({
    integrations: options.integrations,
    store,
    secrets,
    logger: log.logger,
    ...(options.policies ? {} : { guardFor: () => singleAttempt }),
  });
  const app = fastify({ logger: false });
  await app.register(
    webhookRoutes({
      targets: webhookTargets(runtime.integrations.values()),
      store,
      secrets,
      logger: log.logger,
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  if (options.process !== false) await runtime.start();
  const { port } = app.server.address() as AddressInfo;
  return {
    dir,
    store,
    runtime,
    app,
    log,
    url: (path = '/webhooks/hooks') => `http://127.0.0.1:${port}${path}`,
    async close() {
      await app.close();
      await runtime.stop({ drainMs: 2000 });
      await raw.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Standard Webhooks request: headers and body, signed with `secret` at `at` (ms). */
export function signedRequest(
  id: string,
  payload: unknown,
  options: { secret?: string; at?: number; body?: string } = {},
): { headers: Record<string, string>; body: string } {
  const body = options.body ?? JSON.stringify(payload);
  const timestamp = Math.floor((options.at ?? Date.now()) / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook({
        id,
        timestamp,
        body,
        secrets: [options.secret ?? (SECRETS['CURRENT'] as string)],
      }),
    },
  };
}

/** POSTs and returns status, headers and JSON body. */
export async function post(
  url: string,
  req: { headers: Record<string, string>; body: string | Buffer },
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : {} };
}

/** Resolves once `check` holds, polling; fails with `what` after 10 s. */
export async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True once the inbox of `id` has nothing pending, failed or in processing. */
export async function inboxSettled(store: Store, id = 'hooks'): Promise<boolean> {
  const open = await Promise.all(
    (['pending', 'processing', 'failed'] as const).map((s) => store.inbox.count(id, s)),
  );
  return open.every((n) => n === 0);
}
