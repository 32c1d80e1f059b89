/**
 * The `patchbay` command line. `main` parses the arguments, runs one
 * command and resolves with its exit code; it never calls `process.exit`,
 * so tests run it in-process and the bin decides how to leave.
 */
import { CommanderError, type Command } from '@commander-js/extra-typings';
import { registerAlerts } from './commands/alerts.js';
import { registerCheck } from './commands/check.js';
import { registerConflicts } from './commands/conflicts.js';
import { registerDlq } from './commands/dlq.js';
import { registerMapping } from './commands/mapping.js';
import { registerPause } from './commands/pause.js';
import { registerRejects } from './commands/rejects.js';
import { registerRegistry } from './commands/registry.js';
import { registerReplay } from './commands/replay.js';
import { registerRun } from './commands/run.js';
import { registerSecrets } from './commands/secrets.js';
import { registerStatus } from './commands/status.js';
import { registerWebhooks } from './commands/webhooks.js';
import { EXIT_CODES_HELP, ExitCode, errorText, exitCodeFor } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
import { createRoot, type Root } from './program.js';

export { ExitCode, EXIT_CODES_HELP, CliError } from './exit-codes.js';
export { processIo, type CliIo, type CliStream, type CliSignal } from './io.js';

/**
 * Builds the full command tree, writing to `io`; `done` receives each
 * command's exit code.
 *
 * @example
 * ```ts
 * let code = 0;
 * const program = buildProgram(io, (c) => (code = c));
 * await program.parseAsync(['check'], { from: 'user' });
 * ```
 */
export function buildProgram(io: CliIo, done: (exitCode: number) => void): Root {
  const root = createRoot(io);
  registerRun(root, io, done);
  registerStatus(root, io, done);
  registerDlq(root, io, done);
  registerReplay(root, io, done);
  registerCheck(root, io, done);
  registerRegistry(root, io, done);
  registerSecrets(root, io, done);
  registerAlerts(root, io, done);
  registerMapping(root, io, done);
  registerRejects(root, io, done);
  registerConflicts(root, io, done);
  registerPause(root, io, done);
  registerWebhooks(root, io, done);
  addExitCodeHelp(root as unknown as Command);
  return root;
}

function addExitCodeHelp(cmd: Command): void {
  cmd.addHelpText('after', EXIT_CODES_HELP);
  for (const sub of cmd.commands) addExitCodeHelp(sub as Command);
}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and
 * resolves with the exit code: 0 success, 1 the work ran but something
 * failed, 2 usage or configuration error, 3 store or dependency unavailable,
 * 130 interrupted.
 *
 * @example
 * ```ts
 * import { main } from './main.js';
 * const code = await main(['status', '--json', '--project', 'examples/quickstart']);
 * process.exit(code);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help) to io;
      // help and --version exit 0, everything else is a usage error.
      return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    io.stderr.write(errorText(err, argv.includes('--verbose')));
    return exitCodeFor(err);
  }
}
