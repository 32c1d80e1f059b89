/**
 * SIGINT/SIGTERM handling shared by the commands: the first signal asks the
 * work to stop gracefully, a second one gives up waiting (an operator
 * pressing Ctrl-C twice means "now").
 */
import type { CliIo, CliSignal } from './io.js';

/**
 * The interrupt state of one command.
 *
 * @example
 * ```ts
 * const interrupts = watchInterrupts(io);
 * await runtime.run('orders', { signal: interrupts.signal });
 * if (interrupts.received) return ExitCode.Interrupted;
 * ```
 */
export interface Interrupts {
  /** Aborted on the first signal. */
  readonly signal: AbortSignal;
  /** The first signal received, if any. */
  readonly received: CliSignal | undefined;
  /** Resolves on the second signal. */
  readonly forced: Promise<CliSignal>;
  /** Stops listening; call when the command ends. */
  dispose(): void;
}

/**
 * Starts listening for SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * const interrupts = watchInterrupts(io, () => runtime.stop());
 * try { await Promise.race([work, interrupts.forced]); } finally { interrupts.dispose(); }
 * ```
 */
export function watchInterrupts(io: CliIo, onFirst?: (signal: CliSignal) => void): Interrupts {
  const controller = new AbortController();
  let received: CliSignal | undefined;
  let force: (signal: CliSignal) => void = () => {};
  const forced = new Promise<CliSignal>((resolve) => {
    force = resolve;
  });
  const dispose = io.onSignal((signal) => {
    if (received === undefined) {
      received = signal;
      controller.abort();
      io.stderr.write(
        `patchbay: ${signal} received; finishing in-flight work (send it again to exit at once)\n`,
      );
      onFirst?.(signal);
    } else {
      force(signal);
    }
  });
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    forced,
    dispose,
  };
}

/** What {@link unlessForced} returns when the operator insisted. */
export const FORCED: unique symbol = Symbol('forced');

/**
 * Waits for `work`, unless a second signal arrives first: then it says so on
 * stderr and returns {@link FORCED}, so the command can exit at once instead
 * of waiting on a hung call.
 *
 * @example
 * ```ts
 * const r = await unlessForced(io, interrupts, runtime.run('orders', { signal: interrupts.signal }));
 * if (r === FORCED) return ExitCode.Failed;
 * ```
 */
export async function unlessForced<T>(
  io: CliIo,
  interrupts: Interrupts,
  work: Promise<T>,
): Promise<T | typeof FORCED> {
  const forced = interrupts.forced.then((signal): typeof FORCED => {
    io.stderr.write(`patchbay: second ${signal}: exiting without waiting for in-flight work\n`);
    return FORCED;
  });
  return Promise.race<T | typeof FORCED>([work, forced]);
}
