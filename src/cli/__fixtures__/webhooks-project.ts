/**
 * A fixture project for the webhook sender CLI tests: the orders fixture
 * integration plus one webhook endpoint `acme` (a loopback subscriber,
 * trusted through `allowHosts`) signed with the secret in an environment
 * variable of the test's choosing, polled every 50 ms.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type ProjectOptions } from '../../runtime/project.js';
import { fixtureOrders } from './projects.js';

/**
 * Options of {@link webhooksProject}.
 *
 * @example
 * ```ts
 * const o: WebhooksFixtureOptions = { dir: '/tmp/x', url: 'http://127.0.0.1:4000/hook', secretEnv: 'PB_TEST_WEBHOOK_SECRET' };
 * ```
 */
export interface WebhooksFixtureOptions {
  /** Folder for the store (`state.db`). */
  dir: string;
  /** The subscriber URL of endpoint `acme`. */
  url: string;
  /** The environment variable holding the `whsec_` secret. */
  secretEnv: string;
  /** Leave the webhooks section out. */
  noWebhooks?: boolean;
}

/**
 * The project.
 *
 * @example
 * ```ts
 * export default webhooksProject({ dir: '/tmp/x', url: 'http://127.0.0.1:4000/hook', secretEnv: 'PB_TEST_WEBHOOK_SECRET' });
 * ```
 */
export function webhooksProject(o: WebhooksFixtureOptions): ProjectOptions {
  return defineProject({
    name: 'webhooks-fixture',
    integrations: [fixtureOrders({ dir: o.dir })],
    store: { path: join(o.dir, 'state.db') },
    admin: false,
    logLevel: 'warn',
    shutdownGraceSeconds: 10,
    ...(o.noWebhooks
      ? {}
      : {
          webhooks: {
            endpoints: [
              {
                id: 'acme',
                url: o.url,
                secrets: [`env:${o.secretEnv}`],
                allowHosts: ['127.0.0.1'],
              },
            ],
            pollInterval: '50ms',
          },
        }),
  });
}

const SELF = fileURLToPath(new URL('./webhooks-project.ts', import.meta.url));

/**
 * Writes a throwaway project folder for {@link webhooksProject}.
 *
 * @example
 * ```ts
 * const project = webhooksTempProject({ url, secretEnv: 'PB_TEST_WEBHOOK_SECRET' });
 * project.cleanup();
 * ```
 */
export function webhooksTempProject(options: Omit<WebhooksFixtureOptions, 'dir'>): {
  dir: string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-webhooks-'));
  writeFileSync(
    join(dir, 'patchbay.config.mts'),
    `import { webhooksProject } from ${JSON.stringify(SELF.replace(/\.ts$/, '.js'))};\n` +
      `export default webhooksProject(${JSON.stringify({ ...options, dir })});\n`,
  );
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
