/**
 * The root `patchbay` command and what every subcommand shares: the global
 * `--project` and `--verbose` options, output wiring to the injected io,
 * and errors thrown instead of exiting, so `main` maps them to exit codes.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from '@commander-js/extra-typings';
import { parseDuration } from '../core/duration.js';
import type { CliIo } from './io.js';

function version(): string {
  // src/cli and dist/cli are both two levels below package.json.
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Creates the root command with the global options, writing to `io`.
 *
 * @example
 * ```ts
 * const root = createRoot(io);
 * registerStatus(root, io, done);
 * await root.parseAsync(['status', '--json'], { from: 'user' });
 * ```
 */
export function createRoot(io: CliIo) {
  return new Command('patchbay')
    .description(
      'Operate Patchbay integrations: run them, see their status, handle dead letters, replay, and check them against the first-iteration checklist.',
    )
    .version(version(), '-V, --version')
    .option('-p, --project <dir>', 'project folder or patchbay.config.* file', '.')
    .option('--verbose', 'print stack traces with errors')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
}

/**
 * The root command type.
 *
 * @example
 * ```ts
 * function registerHello(root: Root) { root.command('hello').action(() => console.log('hi')); }
 * ```
 */
export type Root = ReturnType<typeof createRoot>;

/**
 * Reports a command's exit code to `main`.
 *
 * @example
 * ```ts
 * const done: Done = (code) => (exitCode = code);
 * ```
 */
export type Done = (exitCode: number) => void;

/**
 * Commander option parser for a positive integer.
 *
 * @example
 * ```ts
 * cmd.option('--limit <n>', 'how many', positiveInt, 20);
 * ```
 */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}".`);
  }
  return n;
}

/**
 * Commander option parser for a port (0 = any free port).
 *
 * @example
 * ```ts
 * cmd.option('--admin-port <port>', 'admin port', port);
 * ```
 */
export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) {
    throw new InvalidArgumentError(`expected a port number 0-65535, got "${value}".`);
  }
  return n;
}

/**
 * Commander option parser for a duration (`"30s"`, `"5m"`, `"1h30m"`), in milliseconds.
 *
 * @example
 * ```ts
 * cmd.option('--for <duration>', 'stop after this long', durationMs);
 * ```
 */
export function durationMs(value: string): number {
  try {
    const ms = parseDuration(value);
    if (ms <= 0) throw new Error('zero');
    return ms;
  } catch {
    throw new InvalidArgumentError(
      `expected a duration like "30s", "5m", "2h" or "1h30m", got "${value}".`,
    );
  }
}
