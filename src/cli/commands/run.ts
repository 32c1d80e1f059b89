/**
 * `patchbay run`: the runtime for a project. Loads and validates every
 * integration, opens the store, starts the admin server (metrics, health,
 * readiness, admin API) and runs schedules and streams until stopped, or
 * runs each integration once with `--once`.
 */
import { ExitCode, CliError, usageError } from '../exit-codes.js';
import { adminRoutes } from '../admin-api.js';
import { webhookRoutes, webhookTargets } from '../../connectors/webhook/routes.js';
import { GaugeRefresher } from '../gauges.js';
import type { CliIo } from '../io.js';
import { durationMs, port, type Done, type Root } from '../program.js';
import { cliLogger, openProject, openStore, selectIntegrations } from '../project.js';
import { cliRuntime } from '../runtime.js';
import { startProjectSender } from '../webhook-sender.js';
import type { WebhookSender } from '../../connectors/webhook/sender/sender.js';
import { runOnce, runUntilStopped } from './run-modes.js';
import { PatchbayMetrics, type ItemStage } from '../../observability/metrics.js';
import { startAdminServer, type AdminServer } from '../../observability/admin-server.js';
import { WebhookMetrics } from '../../observability/webhook-metrics.js';
import { readinessChecks } from '../../observability/readiness.js';
import { startAlerting, type Alerting } from '../../operations/wiring.js';
import type { Project } from '../../runtime/project.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { RuntimeMetrics } from '../../runtime/services.js';
import type { Store } from '../../store/types.js';
import type { Logger } from 'pino';

/**
 * Options of `patchbay run`.
 *
 * @example
 * ```ts
 * const opts: RunCommandOptions = { project: '.', once: true, admin: false };
 * ```
 */
export interface RunCommandOptions {
  project: string;
  only?: string[] | undefined;
  once?: true | undefined;
  for?: number | undefined;
  adminPort?: number | undefined;
  admin: boolean;
  json?: true | undefined;
}

/** Where the admin server listens, or `false`. `--once` starts it only when asked with `--admin-port`. */
function adminAddress(
  project: Project,
  opts: RunCommandOptions,
): { host: string; port: number } | false {
  if (!opts.admin) return false;
  if (opts.adminPort !== undefined) {
    return {
      host: project.admin === false ? '127.0.0.1' : project.admin.host,
      port: opts.adminPort,
    };
  }
  // A one-off run next to a running service would collide on the service's port.
  if (opts.once) return false;
  return project.admin;
}

async function startAdmin(
  io: CliIo,
  address: { host: string; port: number },
  deps: {
    metrics: PatchbayMetrics;
    logger: Logger;
    store: Store;
    runtime: Runtime;
    gauges: GaugeRefresher;
  },
): Promise<AdminServer> {
  try {
    const server = await startAdminServer({
      ...address,
      metrics: deps.metrics,
      logger: deps.logger,
      ready: readinessChecks({ store: () => deps.store.ping(), runtime: () => deps.runtime.ready }),
      routes: (app) => {
        adminRoutes(deps.runtime, () => deps.gauges.refresh())(app);
        // Webhook receivers (issue 5): one raw-body route per webhook integration.
        const { store, secrets, logger, now } = deps.runtime.services;
        const targets = webhookTargets(deps.runtime.integrations.values());
        const webhookMetrics = new WebhookMetrics(deps.metrics.registry);
        for (const t of targets) webhookMetrics.registerIntegration(t.integrationId);
        void app.register(webhookRoutes({ targets, store, secrets, logger, now, webhookMetrics }));
      },
    });
    io.stderr.write(
      `patchbay: admin server on ${server.url} (/metrics /healthz /readyz /api/status)\n`,
    );
    return server;
  } catch (err) {
    throw new CliError(
      `cannot start the admin server on ${address.host}:${address.port}: ${(err as Error).message}`,
      ExitCode.Unavailable,
      {
        cause: err,
        hint: 'pick another port with --admin-port (0 = any free port) or set admin.port in the project',
      },
    );
  }
}

/**
 * Runs `patchbay run` and resolves with its exit code.
 *
 * @example
 * ```ts
 * const code = await runCommand(io, { project: '.', once: true, admin: true });
 * ```
 */
export async function runCommand(io: CliIo, opts: RunCommandOptions): Promise<number> {
  if (opts.once && opts.for !== undefined) throw usageError('--once and --for cannot be combined');
  const loaded = await openProject(opts.project);
  const selected = selectIntegrations(loaded, opts.only);
  const { project } = loaded;
  const store = await openStore(project);
  const logger = cliLogger(io, project.logLevel);
  const metrics = new PatchbayMetrics({ defaultMetrics: !opts.once });
  let runtime: Runtime | undefined;
  const gauges = new GaugeRefresher(
    () => runtime?.status() ?? Promise.resolve([]),
    metrics,
    15_000,
    (err) => logger.warn({ err }, 'metrics refresh from the store failed'),
  );
  // Item activity means a run is moving: refresh the store-derived gauges soon after.
  const runtimeMetrics: RuntimeMetrics = {
    recordCall: (call) => metrics.recordCall(call),
    recordItems: (integration, stage, n) => {
      metrics.recordItems(integration, stage as ItemStage, n);
      gauges.soon();
    },
  };
  let admin: AdminServer | undefined;
  let alerting: Alerting | undefined;
  let sender: WebhookSender | undefined;
  let closed: Promise<void> | undefined;
  const shutdown = () =>
    (closed ??= (async () => {
      const { drained } = (await runtime?.stop({
        drainMs: project.shutdownGraceSeconds * 1000,
      })) ?? { drained: true };
      if (!drained) {
        io.stderr.write(
          `patchbay: in-flight work did not finish within ${project.shutdownGraceSeconds}s; its items will be read again next run\n`,
        );
      }
      await sender?.close();
      await gauges.stop();
      await alerting?.stop();
      await admin?.close();
      await store.close();
    })());
  // After a forced exit (second signal) the drain goes on; the bin exits the process anyway.
  let awaitShutdown = true;
  try {
    runtime = await cliRuntime({ integrations: selected, store, logger, metrics: runtimeMetrics });
    for (const p of selected) metrics.registerIntegration(p.id);
    const address = adminAddress(project, opts);
    if (address) admin = await startAdmin(io, address, { metrics, logger, store, runtime, gauges });
    gauges.start();
    await gauges.refresh();
    if (opts.once) {
      return await runOnce(
        io,
        runtime,
        selected.map((p) => p.id),
        { json: Boolean(opts.json), gauges },
      );
    }
    const rt = runtime;
    alerting = startAlerting({
      alerts: project.alerts,
      store,
      metrics,
      logger,
      read: () => rt.status(),
    });
    // Webhook endpoints declared: deliver their outbox messages while running (issue 5).
    sender = startProjectSender(project, { store, secrets: rt.services.secrets, logger });
    const code = await runUntilStopped(io, runtime, { forMs: opts.for, shutdown });
    awaitShutdown = code !== ExitCode.Failed;
    return code;
  } finally {
    const closing = shutdown().catch((err: unknown) => logger.error({ err }, 'shutdown failed'));
    if (awaitShutdown) await closing;
  }
}

/**
 * Registers `patchbay run`.
 *
 * @example
 * ```ts
 * registerRun(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerRun(root: Root, io: CliIo, done: Done): void {
  root
    .command('run')
    .summary('start the runtime (or run each integration once with --once)')
    .description(
      'Start the runtime: schedules, streams and the admin server (/metrics, /healthz, /readyz, /api). Runs until SIGINT/SIGTERM (graceful: drains in-flight work, saves checkpoints, exits 0; a second signal exits 1 at once) or until --for has passed. With --once, runs each integration once and exits.',
    )
    .option('--only <ids...>', 'run only these integrations')
    .option('--once', 'run each integration once, one after another, print a summary and exit')
    .option('--for <duration>', 'stop gracefully after this long, e.g. 30s, 5m, 2h', durationMs)
    .option(
      '--admin-port <port>',
      "admin server port (overrides the project's admin.port; 0 = any free port)",
      port,
    )
    .option('--no-admin', 'do not start the admin server')
    .option('--json', 'with --once: print the summary as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay run\n  patchbay run --once --only orders-to-warehouse\n  patchbay run --for 10m --admin-port 0',
    )
    .action(async (opts, cmd) => {
      const global = cmd.optsWithGlobals();
      done(await runCommand(io, { ...opts, project: global.project }));
    });
}
