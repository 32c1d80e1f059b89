/**
 * `patchbay pause <integration>` and `patchbay resume <integration>`: an
 * operator holds an integration's live runs, or lifts a hold, whether an
 * operator or a mapping step's `pause` drift policy set it. The pause lives
 * in the store, so it holds for the running `patchbay run` too: its next
 * scheduled run is refused, and `patchbay status` shows PAUSED.
 */
import { pauseIntegration, resumeIntegration } from '../../store/pause-state.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { isoTime, print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, selectIntegrations, withStore } from '../project.js';

/**
 * Registers `patchbay pause` and `patchbay resume`.
 *
 * @example
 * ```ts
 * registerPause(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerPause(root: Root, io: CliIo, done: Done): void {
  root
    .command('pause')
    .summary('hold the live runs of an integration until `patchbay resume`')
    .description(
      'Pause an integration: live runs (scheduled, streamed or started by hand) are refused until it is resumed; a run in progress finishes. Replays and dry runs still work.',
    )
    .argument('<integration>', 'integration id')
    .option('--reason <text>', 'why, shown by patchbay status', 'paused by an operator')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  patchbay pause employees --reason "vendor migration"')
    .action(async (id, opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      // Fails with a usage error naming the known integrations when the id is unknown.
      selectIntegrations(loaded, [id]);
      const record = await withStore(loaded.project, (store) =>
        pauseIntegration(store.cache, {
          integration: id,
          by: 'operator',
          reason: opts.reason,
          at: Date.now(),
        }),
      );
      if (opts.json) printJson(io, { integration: id, paused: record });
      else print(io, `${id} is paused since ${isoTime(record.at)} (${record.reason})`);
      done(ExitCode.Ok);
    });

  root
    .command('resume')
    .summary('lift the pause of an integration (operator or schema-drift pause)')
    .description(
      'Resume a paused integration: live runs start again at its next trigger. After a schema-drift pause, the drifting records are read again and the new source shape is accepted; fix the mapping first if it needs fixing.',
    )
    .argument('<integration>', 'integration id')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  patchbay resume employees')
    .action(async (id, opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      selectIntegrations(loaded, [id]);
      const lifted = await withStore(loaded.project, (store) => resumeIntegration(store.cache, id));
      if (opts.json) printJson(io, { integration: id, resumed: lifted ?? null });
      else if (lifted) print(io, `resumed ${id} (was paused by ${lifted.by}: ${lifted.reason})`);
      else print(io, `${id} was not paused`);
      done(ExitCode.Ok);
    });
}
