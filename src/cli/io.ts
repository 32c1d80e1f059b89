/**
 * Everything the CLI touches in the process around it, behind one object,
 * so commands run in-process in tests with captured output and fake
 * signals, and the real bin wires them to `process`.
 */
import { createInterface } from 'node:readline/promises';

/**
 * A place the CLI writes text to. `isTTY` decides progress bars and prompts.
 *
 * @example
 * ```ts
 * const stream: CliStream = { write: (s) => void chunks.push(s), isTTY: false };
 * ```
 */
export interface CliStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  /** Terminal width, when known. */
  columns?: number | undefined;
}

/**
 * The signals the CLI reacts to.
 *
 * @example
 * ```ts
 * io.onSignal((signal: CliSignal) => console.error(`got ${signal}`));
 * ```
 */
export type CliSignal = 'SIGINT' | 'SIGTERM';

/**
 * What the CLI needs from its process; tests pass their own.
 *
 * @example
 * ```ts
 * const code = await main(['status'], { ...processIo(), interactive: false });
 * ```
 */
export interface CliIo {
  /** Command results (human text or JSON). Nothing else goes here. */
  stdout: CliStream;
  /** Errors, logs, progress and hints. */
  stderr: CliStream;
  /** True when a person can answer a prompt. */
  interactive: boolean;
  /** Asks a question on the terminal and resolves with the answer. */
  prompt(question: string): Promise<string>;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe function. */
  onSignal(handler: (signal: CliSignal) => void): () => void;
  /** Environment variables (PATCHBAY_LOG_LEVEL). */
  env: Record<string, string | undefined>;
}

/**
 * The real process: stdout, stderr, the terminal and OS signals.
 *
 * @example
 * ```ts
 * import { main } from './main.js';
 * import { processIo } from './io.js';
 * process.exit(await main(process.argv.slice(2), processIo()));
 * ```
 */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    async prompt(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    onSignal(handler) {
      const onInt = () => handler('SIGINT');
      const onTerm = () => handler('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      return () => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      };
    },
    env: process.env,
  };
}
