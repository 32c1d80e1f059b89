/**
 * The two ways `patchbay run` runs: once through the selected integrations
 * and exit, or as a service until a signal or `--for` ends it.
 */
import { classify } from '../../core/classify.js';
import type { PatchbayError } from '../../core/errors.js';
import type { ItemCounts } from '../../runtime/process-batch.js';
import type { Runtime } from '../../runtime/runtime.js';
import { ExitCode } from '../exit-codes.js';
import type { GaugeRefresher } from '../gauges.js';
import { FORCED, unlessForced, watchInterrupts } from '../interrupts.js';
import type { CliIo } from '../io.js';
import { countsLine, print, printJson, table } from '../output.js';
import { formatDuration } from '../../core/duration.js';

/**
 * The outcome of one integration in `run --once`.
 *
 * @example
 * ```ts
 * const failed = results.filter((r: OnceResult) => r.status === 'failed');
 * ```
 */
export interface OnceResult {
  integration: string;
  runId: string | null;
  status: 'succeeded' | 'partial' | 'failed' | 'cancelled';
  counts: ItemCounts | null;
  durationMs: number;
  error: ReturnType<PatchbayError['toJSON']> | null;
}

/**
 * Runs each integration once, one after another, and prints a summary.
 * Exit 0 when all succeeded (or were partial), 1 when any failed, 130 when interrupted.
 *
 * @example
 * ```ts
 * const code = await runOnce(io, runtime, ['orders'], { json: false, gauges });
 * ```
 */
export async function runOnce(
  io: CliIo,
  runtime: Runtime,
  ids: readonly string[],
  options: { json: boolean; gauges: GaugeRefresher },
): Promise<number> {
  const interrupts = watchInterrupts(io);
  const results: OnceResult[] = [];
  try {
    for (const id of ids) {
      if (interrupts.received) break;
      const started = Date.now();
      try {
        const r = await unlessForced(
          io,
          interrupts,
          runtime.run(id, { trigger: 'cli-once', signal: interrupts.signal }),
        );
        if (r === FORCED) return ExitCode.Failed;
        results.push({
          integration: id,
          runId: r.runId,
          status: r.status,
          counts: r.counts,
          durationMs: Date.now() - started,
          error: r.error?.toJSON() ?? null,
        });
      } catch (err) {
        // Not started at all (e.g. already running in another process).
        results.push({
          integration: id,
          runId: null,
          status: 'failed',
          counts: null,
          durationMs: Date.now() - started,
          error: classify(err).toJSON(),
        });
      }
      await options.gauges.refresh();
    }
  } finally {
    interrupts.dispose();
  }
  if (options.json) {
    printJson(io, { runs: results });
  } else {
    print(
      io,
      ...table(
        results.map((r) => [
          r.integration,
          r.status,
          r.counts ? countsLine(r.counts) : '-',
          formatDuration(r.durationMs),
        ]),
      ),
    );
    for (const r of results) {
      if (r.error)
        print(io, `${r.integration}: ${r.error.kind} ${r.error.code}: ${r.error.message}`);
    }
  }
  if (interrupts.received) return ExitCode.Interrupted;
  return results.some((r) => r.status === 'failed') ? ExitCode.Failed : ExitCode.Ok;
}

/**
 * Starts the runtime and keeps it running until SIGINT/SIGTERM or until
 * `forMs` has passed, then stops gracefully via `shutdown` (exit 0). A
 * second signal during the shutdown gives up waiting (exit 1).
 *
 * @example
 * ```ts
 * const code = await runUntilStopped(io, runtime, { forMs: 60_000, shutdown: () => closeAll() });
 * ```
 */
export async function runUntilStopped(
  io: CliIo,
  runtime: Runtime,
  options: { forMs: number | undefined; shutdown: () => Promise<void> },
): Promise<number> {
  let wake: (why: string) => void = () => {};
  const stopRequested = new Promise<string>((resolve) => {
    wake = resolve;
  });
  const interrupts = watchInterrupts(io, (signal) => wake(signal));
  let timer: NodeJS.Timeout | undefined;
  // Schedules and gauges use unref'd timers; without an admin server nothing else would
  // keep the process alive, and a service must run until it is told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await runtime.start();
    const ids = [...runtime.integrations.keys()];
    io.stderr.write(
      `patchbay: running ${ids.length} integration${ids.length === 1 ? '' : 's'} (${ids.join(', ')})${
        options.forMs === undefined ? '' : ` for ${formatDuration(options.forMs)}`
      }; stop with Ctrl-C\n`,
    );
    if (options.forMs !== undefined)
      timer = setTimeout(
        () => wake(`--for ${formatDuration(options.forMs ?? 0)} elapsed`),
        options.forMs,
      );
    const why = await stopRequested;
    clearTimeout(timer);
    io.stderr.write(`patchbay: stopping (${why})\n`);
    const forced = interrupts.forced.then((signal) => {
      io.stderr.write(`patchbay: second ${signal}: exiting without waiting for the drain\n`);
      return ExitCode.Failed as number;
    });
    const graceful = options.shutdown().then(() => {
      io.stderr.write('patchbay: stopped\n');
      return ExitCode.Ok as number;
    });
    return await Promise.race([graceful, forced]);
  } finally {
    clearTimeout(timer);
    clearInterval(keepAlive);
    interrupts.dispose();
  }
}
