/**
 * A Patchbay project: a config module (`patchbay.config.ts`) or a folder of
 * integration modules. Loading validates everything before anything starts.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { configFailure, configIssues } from '../core/config-issues.js';
import { PatchbayError } from '../core/errors.js';
import { isIntegration, type Integration } from '../core/integration.js';
import { parseDuration, type Duration } from '../core/duration.js';
import { isSecretRef } from '../core/secrets/resolver.js';
import { alertsSchema, type AlertsOptions } from '../operations/alerts/config.js';

const CONFIG_NAMES = [
  'patchbay.config.ts',
  'patchbay.config.mts',
  'patchbay.config.js',
  'patchbay.config.mjs',
];
const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/**
 * The options of {@link defineProject}.
 *
 * @example
 * ```ts
 * // patchbay.config.ts
 * const options: ProjectOptions = {
 *   name: 'acme-logistics',
 *   integrationsDir: 'integrations',
 *   store: { path: '.patchbay/state.db' },
 *   admin: { host: '0.0.0.0', port: 9464 },
 *   logLevel: 'info',
 *   shutdownGraceSeconds: 60,
 *   alerts: { sinks: { chat: { type: 'slack', url: 'env:SLACK_ALERTS_URL' } }, route: ['chat'] },
 *   secrets: { 'env:GPS_TOKEN': { purpose: 'GPS vendor API token', rotatedBy: 'fleet', rotateEvery: '90d' } },
 * };
 * export default defineProject(options);
 * ```
 */
export interface ProjectOptions {
  /** A name for logs and the registry. Default: the folder name. */
  name?: string;
  /** The integrations; or leave out and put modules in `integrationsDir`. */
  integrations?: Integration[];
  /** Folder (relative to the project) whose modules default-export integrations. Default `integrations`. */
  integrationsDir?: string;
  /** Embedded store file, relative to the project. Default `.patchbay/state.db`. */
  store?: { path?: string };
  /** Admin HTTP server (`/metrics`, `/healthz`, `/readyz`, `/api`). Default 127.0.0.1:9464; `false` disables it. */
  admin?: { host?: string; port?: number } | false;
  /** pino level. Default `info`. */
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Seconds to let in-flight work finish on shutdown. Default 30. */
  shutdownGraceSeconds?: number;
  /** Alert sinks, route, escalation and rules (see `AlertsOptions` in `patchbay/operations`). Default: no alerts. */
  alerts?: AlertsOptions;
  /**
   * What each credential is for and who rotates it, keyed by secret
   * reference, for the secret inventory and the rotation check. Every key
   * must be a reference (`env:NAME`, `file:/path`, ...). Defaults per
   * reference: purpose from the connector field's description, rotated by
   * the owner team of the integration using it, rotated every `365d`.
   */
  secrets?: Record<string, SecretInfo>;
  /**
   * Subscriber endpoints Patchbay sends webhooks to. When any are declared,
   * `patchbay run` starts the delivery worker and `patchbay webhooks
   * recover` knows them. Default: none.
   */
  webhooks?: WebhooksOptions;
}

/**
 * The webhook sender of a project: where messages wait (an outbox
 * partition) and the endpoints they go to.
 *
 * @example
 * ```ts
 * const webhooks: WebhooksOptions = {
 *   endpoints: [{ id: 'acme', url: 'https://hooks.acme.example/patchbay', secrets: ['env:ACME_WEBHOOK_SECRET'] }],
 *   pollInterval: '1s',
 * };
 * ```
 */
export interface WebhooksOptions {
  /** The outbox partition (an integration id) messages are enqueued in. Default `webhooks`. */
  integrationId?: string;
  /**
   * Endpoints: a stable `id`, the `url`, `whsec_` secret references (current
   * first; all sign during a rotation) and host names trusted although they
   * resolve to internal addresses (`allowHosts`, SSRF guard).
   */
  endpoints: Array<{ id: string; url: string; secrets: string[]; allowHosts?: string[] }>;
  /** How often the delivery worker looks for due messages. Default `1s`. */
  pollInterval?: Duration;
}

/**
 * Inventory facts about one credential, declared in the project.
 *
 * @example
 * ```ts
 * const info: SecretInfo = { purpose: 'GPS vendor API token', rotatedBy: 'fleet', rotateEvery: '90d' };
 * ```
 */
export interface SecretInfo {
  /** What the credential is for. */
  purpose?: string;
  /** Who rotates it (a team or person). */
  rotatedBy?: string;
  /** How often it must be rotated. Default `365d`. */
  rotateEvery?: Duration;
}

/**
 * {@link SecretInfo} as loaded: the rotation period in milliseconds.
 *
 * @example
 * ```ts
 * project.secrets['env:GPS_TOKEN']?.rotateEveryMs; // 7_776_000_000 for '90d'
 * ```
 */
export interface LoadedSecretInfo {
  purpose?: string | undefined;
  rotatedBy?: string | undefined;
  rotateEveryMs?: number | undefined;
}

/**
 * A loaded project with absolute paths.
 *
 * @example
 * ```ts
 * const project: Project = await loadProject('examples/quickstart');
 * const store = await openSqliteStore({ path: project.storePath });
 * const runtime = await createRuntime({ integrations: project.integrations, store });
 * console.log(`${project.name}: ${project.integrations.length} integrations, admin ${project.admin ? project.admin.port : 'off'}`);
 * ```
 */
export interface Project {
  name: string;
  root: string;
  integrations: Integration[];
  storePath: string;
  admin: { host: string; port: number } | false;
  logLevel: NonNullable<ProjectOptions['logLevel']>;
  shutdownGraceSeconds: number;
  alerts: AlertsOptions | undefined;
  /** {@link ProjectOptions.secrets}, with periods parsed; `{}` when none are declared. */
  secrets: Record<string, LoadedSecretInfo>;
  /** {@link ProjectOptions.webhooks} with defaults applied; `undefined` when no endpoint is declared. */
  webhooks:
    | { integrationId: string; endpoints: WebhooksOptions['endpoints']; pollIntervalMs: number }
    | undefined;
}

const durationSchema = z.union([z.number().nonnegative(), z.string().min(1)]).refine(
  (v) => {
    try {
      return parseDuration(v) > 0;
    } catch {
      return false;
    }
  },
  { error: 'expected a positive duration such as "90d" or "365d"' },
);

const secretInfoSchema = z
  .object({
    purpose: z.string().min(1).optional(),
    rotatedBy: z.string().min(1).optional(),
    rotateEvery: durationSchema.optional(),
  })
  .strict();

// Keys are references, never values: a key that is not a reference is most
// likely a pasted credential, so the message does not echo it.
const secretsSchema = z
  .record(z.string(), secretInfoSchema)
  .refine((r) => Object.keys(r).every((k) => isSecretRef(k)), {
    error: 'every key must be a secret reference such as env:NAME or file:/path',
  });

const webhooksSchema = z
  .object({
    integrationId: z.string().min(1).optional(),
    endpoints: z
      .array(
        z
          .object({
            id: z
              .string()
              .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'letters, digits, . _ - only' }),
            url: z.url({ protocol: /^https?$/ }),
            secrets: z
              .array(z.string().refine(isSecretRef, { error: 'must be a secret reference' }))
              .min(1),
            allowHosts: z.array(z.string().min(1)).optional(),
          })
          .strict(),
      )
      .refine((list) => new Set(list.map((e) => e.id)).size === list.length, {
        error: 'endpoint ids must be unique',
      }),
    pollInterval: durationSchema.optional(),
  })
  .strict();

const projectSchema = z
  .object({
    name: z.string().min(1).optional(),
    integrations: z.array(z.unknown()).optional(),
    integrationsDir: z.string().min(1).optional(),
    store: z
      .object({ path: z.string().min(1).optional() })
      .strict()
      .optional(),
    admin: z
      .union([
        z.literal(false),
        z
          .object({
            host: z.string().min(1).optional(),
            port: z.number().int().min(0).max(65535).optional(),
          })
          .strict(),
      ])
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    shutdownGraceSeconds: z.number().positive().optional(),
    alerts: alertsSchema.optional(),
    secrets: secretsSchema.optional(),
    webhooks: webhooksSchema.optional(),
  })
  .strict();

const PROJECT = Symbol.for('patchbay.project');

/**
 * Declares a project in `patchbay.config.ts`.
 *
 * @example
 * ```ts
 * export default defineProject({
 *   name: 'acme-logistics',
 *   integrations: [ordersToWarehouse],
 *   store: { path: '.patchbay/state.db' },
 *   admin: { port: 9464 },
 * });
 * ```
 */
export function defineProject(options: ProjectOptions): ProjectOptions {
  const parsed = projectSchema.safeParse(options);
  if (!parsed.success) throw configFailure('project', configIssues(parsed.error.issues));
  return Object.assign({}, options, { [PROJECT]: true });
}

let tsxRegistered = false;
async function importModule(file: string): Promise<unknown> {
  if (/\.m?ts$/.test(file) && !tsxRegistered && !process.env['VITEST']) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  try {
    return await import(pathToFileURL(file).href);
  } catch (cause) {
    const message = (cause as Error).message ?? String(cause);
    // Node loads a .ts/.js file as CommonJS unless the nearest package.json says
    // "type": "module"; Patchbay is ESM only, so that fails with a cryptic require() error.
    const hint =
      /require\(\)|ERR_REQUIRE_ESM|Cannot use import statement outside a module|in a cycle/.test(
        message,
      )
        ? ` (hint: Patchbay projects are ES modules: add "type": "module" to the package.json beside ${file}, or name the file .mts)`
        : '';
    throw new PatchbayError('config', `cannot load ${file}: ${message}${hint}`, {
      code: 'PROJECT_LOAD_FAILED',
      cause,
    });
  }
}

function integrationsFrom(mod: unknown, file: string): Integration[] {
  const exported = (mod as { default?: unknown }).default;
  const list = Array.isArray(exported) ? exported : [exported];
  const bad = list.filter((v) => !isIntegration(v));
  if (bad.length > 0 || list.length === 0) {
    throw new PatchbayError(
      'config',
      `${file}: default export must be an integration made by defineIntegration (or an array of them)`,
      {
        code: 'PROJECT_LOAD_FAILED',
      },
    );
  }
  return list as Integration[];
}

function findConfig(root: string): string | undefined {
  return CONFIG_NAMES.map((n) => join(root, n)).find((f) => existsSync(f));
}

/**
 * Loads a project from a folder (with `patchbay.config.*` or an
 * `integrations/` folder) or from a config file path.
 *
 * @throws a `config` PatchbayError naming the file and what is wrong
 * @example
 * ```ts
 * const project = await loadProject('examples/quickstart');
 * ```
 */
export async function loadProject(path: string): Promise<Project> {
  const target = resolve(path);
  if (!existsSync(target)) {
    throw new PatchbayError('config', `project not found: ${target}`, {
      code: 'PROJECT_NOT_FOUND',
    });
  }
  const isFile = statSync(target).isFile();
  const root = isFile ? dirname(target) : target;
  const configFile = isFile ? target : findConfig(root);
  let options: ProjectOptions = {};
  if (configFile) {
    const mod = (await importModule(configFile)) as { default?: unknown };
    const exported = mod.default;
    if (!exported || typeof exported !== 'object' || !(PROJECT in exported)) {
      throw new PatchbayError(
        'config',
        `${configFile}: default export must be defineProject({...})`,
        {
          code: 'PROJECT_LOAD_FAILED',
        },
      );
    }
    options = exported as ProjectOptions;
  }
  const integrations = [...(options.integrations ?? [])];
  const dir = join(root, options.integrationsDir ?? 'integrations');
  if (!options.integrations && existsSync(dir)) {
    const files = readdirSync(dir)
      .filter(
        (f) =>
          MODULE_EXTENSIONS.has(extname(f)) &&
          !/\.(test|spec)\.[mc]?[jt]s$/.test(f) &&
          !f.endsWith('.d.ts'),
      )
      .sort();
    for (const f of files)
      integrations.push(...integrationsFrom(await importModule(join(dir, f)), join(dir, f)));
  }
  if (integrations.length === 0) {
    throw new PatchbayError(
      'config',
      `project ${root} defines no integrations (add patchbay.config.ts or an integrations/ folder)`,
      {
        code: 'PROJECT_EMPTY',
      },
    );
  }
  const admin =
    options.admin === false
      ? false
      : { host: options.admin?.host ?? '127.0.0.1', port: options.admin?.port ?? 9464 };
  return {
    name: options.name ?? root.split(/[\\/]/).pop() ?? 'patchbay',
    root,
    integrations,
    storePath: resolve(root, options.store?.path ?? '.patchbay/state.db'),
    admin,
    logLevel: options.logLevel ?? 'info',
    shutdownGraceSeconds: options.shutdownGraceSeconds ?? 30,
    alerts: options.alerts,
    webhooks:
      options.webhooks && options.webhooks.endpoints.length > 0
        ? {
            integrationId: options.webhooks.integrationId ?? 'webhooks',
            endpoints: options.webhooks.endpoints,
            pollIntervalMs: parseDuration(options.webhooks.pollInterval ?? '1s'),
          }
        : undefined,
    secrets: Object.fromEntries(
      Object.entries(options.secrets ?? {}).map(([ref, info]) => [
        ref,
        {
          purpose: info.purpose,
          rotatedBy: info.rotatedBy,
          rotateEveryMs:
            info.rotateEvery === undefined ? undefined : parseDuration(info.rotateEvery),
        },
      ]),
    ),
  };
}
