/**
 * `patchbay replay`: re-run a past range through the same code path as live
 * runs. The runtime guarantees a replay never moves the live checkpoint;
 * `--dry-run` also writes nothing.
 */
import type { RunResult } from '../../runtime/execute-run.js';
import { ExitCode, usageError } from '../exit-codes.js';
import { FORCED, unlessForced, watchInterrupts } from '../interrupts.js';
import type { CliIo } from '../io.js';
import { countsLine, print, printJson } from '../output.js';
import { createProgress } from '../progress.js';
import type { Done, Root } from '../program.js';
import { cliLogger, openProject, openStore, requireIntegration } from '../project.js';
import { cliRuntime } from '../runtime.js';
import { parseReplayRange } from './replay-range.js';

/**
 * Exit code of a finished run: 0 succeeded or partial, 1 failed, 130 cancelled.
 *
 * @example
 * ```ts
 * runExitCode('partial'); // 0
 * ```
 */
export function runExitCode(status: RunResult['status']): number {
  if (status === 'failed') return ExitCode.Failed;
  if (status === 'cancelled') return ExitCode.Interrupted;
  return ExitCode.Ok;
}

/**
 * Registers `patchbay replay`.
 *
 * @example
 * ```ts
 * registerReplay(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerReplay(root: Root, io: CliIo, done: Done): void {
  root
    .command('replay')
    .summary('re-run a past range; never moves the live checkpoint')
    .description(
      'Re-run a past range of an integration through the same steps and sink. --from/--to take what the source replays by: a date (2026-11-17), a date-time, an age (2d), a checkpoint value or an offset. Never moves the live checkpoint; --dry-run also writes nothing.',
    )
    .argument('<integration>', 'integration id')
    .requiredOption(
      '--from <value>',
      'start of the range (inclusive for dates; as the source defines for checkpoints)',
    )
    .option('--to <value>', 'end of the range (default: what the source considers the end)')
    .option(
      '--bypass-dedupe',
      'sources that de-duplicate (webhook): re-apply every item in the range, even ones already applied',
    )
    .option('--dry-run', 'read and map, but write nothing and save nothing')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay replay sap-loads --from 2026-11-17\n  patchbay replay orders-to-warehouse --from 100 --to 150 --dry-run\n  patchbay replay stripe-payments --from 2026-11-17T06:00:00Z --to 2026-11-17T09:00:00Z --bypass-dedupe',
    )
    .action(async (id, opts, cmd) => {
      const global = cmd.optsWithGlobals();
      const loaded = await openProject(global.project);
      const prepared = requireIntegration(loaded, id);
      const mode = prepared.source.spec.capabilities.replay;
      if (mode === 'none') {
        throw usageError(
          `integration ${id} cannot be replayed: its source ${prepared.source.spec.kind} declares capabilities.replay 'none'`,
          'dead letters can still be retried with patchbay dlq retry',
        );
      }
      const store = await openStore(loaded.project);
      try {
        const live = await store.checkpoints.get(id, 'default');
        const parsed = parseReplayRange(mode, opts.from, opts.to, live?.value ?? null);
        const { total } = parsed;
        const range = opts.bypassDedupe
          ? { ...parsed.range, dedupe: 'bypass' as const }
          : parsed.range;
        const logger = cliLogger(io, global.verbose ? loaded.project.logLevel : 'warn');
        const runtime = await cliRuntime({ integrations: [prepared], store, logger });
        const interrupts = watchInterrupts(io);
        const progress = createProgress(
          io,
          `replay ${id}${opts.dryRun ? ' (dry run)' : ''}`,
          total,
        );
        let result: RunResult;
        try {
          const outcome = await unlessForced(
            io,
            interrupts,
            runtime.run(id, {
              mode: 'replay',
              range,
              dryRun: opts.dryRun ?? false,
              trigger: 'cli-replay',
              signal: interrupts.signal,
              onProgress: (c) =>
                progress.update(c.read, `written ${c.written}, dead-lettered ${c.deadLettered}`),
            }),
          );
          if (outcome === FORCED) {
            done(ExitCode.Failed);
            return;
          }
          result = outcome;
        } finally {
          progress.done();
          interrupts.dispose();
        }
        const window = `from ${range.from}${range.to === undefined ? '' : ` to ${range.to}`}`;
        if (opts.json) {
          printJson(io, {
            integration: id,
            replayMode: mode,
            range,
            dryRun: opts.dryRun ?? false,
            runId: result.runId,
            status: result.status,
            counts: result.counts,
            error: result.error?.toJSON() ?? null,
          });
        } else {
          print(
            io,
            `replay of ${id} ${window}${opts.dryRun ? ' (dry run: nothing written)' : ''}: ${result.status}`,
            `  ${countsLine(result.counts)}`,
            `  run ${result.runId}; the live checkpoint was not moved`,
          );
          if (result.error)
            print(
              io,
              `  error: ${result.error.kind} ${result.error.code}: ${result.error.message}`,
            );
        }
        done(runExitCode(result.status));
      } finally {
        await store.close();
      }
    });
}
