/**
 * A fixture project for the secret inventory and registry tests: one
 * integration authenticating with a token held by reference (`env:<tokenEnv>`),
 * optionally a second one whose connector flags a field secret but holds a
 * plaintext value, a `secrets` declaration, and a store in a folder of the
 * test's choosing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineConnector, type SourceSession } from '../../core/connector.js';
import { defineIntegration } from '../../core/integration.js';
import { defineProject, type ProjectOptions } from '../../runtime/project.js';
import { tokenApi } from './connectors.js';

/**
 * Options of {@link secretsProject}.
 *
 * @example
 * ```ts
 * const o: SecretsFixtureOptions = { dir: '/tmp/x', tokenEnv: 'PB_TEST_TOKEN' };
 * ```
 */
export interface SecretsFixtureOptions {
  /** Folder for the store (`state.db`). */
  dir: string;
  /** The environment variable the token reference names. */
  tokenEnv: string;
  /** When set, adds integration `legacy` with this plaintext value in a secret field. */
  plaintext?: string;
}

// Flags `password` secret through metadata only, without the reference-only
// refinement of secretRef(), so a plaintext value loads and the checklist
// and inventory are what must catch it.
const legacyDb = defineConnector({
  kind: 'legacy-db',
  title: 'Legacy database (fixture)',
  description: 'A source whose password field is flagged secret but not enforced',
  direction: 'source',
  config: z
    .object({
      host: z.string(),
      password: z.string().meta({ secret: true, description: 'database password' }),
    })
    .strict(),
  capabilities: {
    ack: 'none',
    checkpoint: 'watermark',
    replay: 'time-range',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect(): Promise<SourceSession> {
    return { async *read() {}, async close() {} };
  },
});

const docs = { runbook: 'docs/runbooks/x.md', customerOwner: 'Vendor', why: 'REST only' };

/**
 * The project.
 *
 * @example
 * ```ts
 * export default secretsProject({ dir: '/tmp/x', tokenEnv: 'PB_TEST_TOKEN' });
 * ```
 */
export function secretsProject(o: SecretsFixtureOptions): ProjectOptions {
  const integrations = [
    defineIntegration({
      id: 'positions',
      owner: 'fleet',
      pattern: 'rest-poll',
      trigger: { type: 'schedule', every: '1m' },
      source: tokenApi({ url: 'https://gps.example.com/v2', token: `env:${o.tokenEnv}` }),
      sink: { name: 'positions-table', idempotent: true, async write() {} },
      idempotencyKey: { fields: ['id'] },
      freshness: { maxAge: '5m' },
      docs,
    }),
  ];
  if (o.plaintext !== undefined) {
    integrations.push(
      defineIntegration({
        id: 'legacy',
        owner: 'integrations',
        pattern: 'sql-extract',
        trigger: { type: 'manual' },
        source: legacyDb({ host: 'db.example.com', password: o.plaintext }),
        sink: { name: 'discard', idempotent: true, async write() {} },
        idempotencyKey: { fields: ['id'] },
        freshness: { maxAge: '1d' },
        docs,
      }),
    );
  }
  return defineProject({
    name: 'secrets-fixture',
    integrations,
    store: { path: join(o.dir, 'state.db') },
    admin: false,
    logLevel: 'warn',
    secrets: {
      [`env:${o.tokenEnv}`]: {
        purpose: 'GPS vendor token',
        rotatedBy: 'secops',
        rotateEvery: '90d',
      },
      'file:/run/secrets/erp': { purpose: 'ERP export (not wired yet)' },
    },
  });
}

const SELF = fileURLToPath(import.meta.url);

/**
 * Writes a throwaway folder whose `patchbay.config.mts` builds {@link secretsProject}.
 *
 * @example
 * ```ts
 * const p = secretsTempProject({ tokenEnv: 'PB_TEST_TOKEN' });
 * await cli(['secrets', '--project', p.dir]);
 * p.cleanup();
 * ```
 */
export function secretsTempProject(options: Omit<SecretsFixtureOptions, 'dir'>): {
  dir: string;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-secrets-'));
  writeFileSync(
    join(dir, 'patchbay.config.mts'),
    `import { secretsProject } from ${JSON.stringify(SELF.replace(/\.ts$/, '.js'))};\n` +
      `export default secretsProject(${JSON.stringify({ ...options, dir })});\n`,
  );
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
