/**
 * `patchbay alerts list`: the open alerts (one per integration and
 * condition) from the store, with what was expected, what happened, since
 * when and the command to look; `--all` adds resolved ones.
 * `patchbay alerts ack-drift <integration>`: acknowledges recorded schema
 * drift, which resolves the schema-drift alert at the next evaluation.
 */
import { listAlerts } from '../../operations/alerts/engine.js';
import { acknowledgeDrift } from '../../store/drift-log.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { ago, print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, selectIntegrations, withStore } from '../project.js';

/**
 * Registers `patchbay alerts`.
 *
 * @example
 * ```ts
 * registerAlerts(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerAlerts(root: Root, io: CliIo, done: Done): void {
  const alerts = root
    .command('alerts')
    .summary('open alerts (freshness, dead letters, breaker, ...)');
  alerts
    .command('list')
    .description(
      'List open alerts: integration, condition, expected, actual, since, and the commands to look or replay.',
    )
    .option('--all', 'include resolved alerts')
    .option('--json', 'print JSON')
    .action(async (opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const list = await withStore(loaded.project, (store) =>
        listAlerts(store, { all: Boolean(opts.all) }),
      );
      const now = Date.now();
      if (opts.json) {
        printJson(io, { alerts: list });
      } else {
        for (const a of list) {
          print(
            io,
            `${a.integration}  ${a.condition}  ${a.severity}  ${a.state.toUpperCase()}  since ${ago(a.since, now)}`,
            `  expected  ${a.expected}`,
            `  actual    ${a.actual}`,
            ...a.commands.map((c) => `  look      ${c}`),
            '',
          );
        }
        print(io, `${list.length} ${opts.all ? '' : 'open '}alert${list.length === 1 ? '' : 's'}`);
      }
      done(ExitCode.Ok);
    });
  alerts
    .command('ack-drift')
    .argument('<integration>', 'the integration whose source drifted')
    .description(
      'Acknowledge the schema drift recorded for an integration: its schema-drift alert resolves at the next evaluation; drift seen later opens a new one.',
    )
    .action(async (integration: string, _opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      // Fails with a usage error naming the known integrations when the id is unknown.
      selectIntegrations(loaded, [integration]);
      const acked = await withStore(loaded.project, (store) =>
        acknowledgeDrift(store.cache, integration, Date.now()),
      );
      print(
        io,
        acked
          ? `acknowledged the schema drift of ${integration}`
          : `${integration} has no unacknowledged schema drift`,
      );
      done(ExitCode.Ok);
    });
}
