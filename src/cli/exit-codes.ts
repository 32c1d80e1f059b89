/**
 * The CLI's exit codes and the one place an error becomes a message and a
 * code. Scripts and supervisors branch on these, so they never change
 * meaning.
 */
import { isPatchbayError } from '../core/errors.js';

/**
 * Exit codes of every `patchbay` command.
 *
 * @example
 * ```ts
 * if (result.status === 'failed') return ExitCode.Failed;
 * ```
 */
export const ExitCode = {
  /** Everything worked. */
  Ok: 0,
  /** The work ran but something failed: a run failed, `check` found missing items, a retry failed. */
  Failed: 1,
  /** Usage or configuration error: bad option, unknown integration, invalid project. */
  Usage: 2,
  /** The store or another dependency is unavailable. */
  Unavailable: 3,
  /** Interrupted (SIGINT/SIGTERM) before the work finished. */
  Interrupted: 130,
} as const;

/**
 * One of {@link ExitCode}.
 *
 * @example
 * ```ts
 * const code: ExitCodeValue = ok ? ExitCode.Ok : ExitCode.Failed;
 * ```
 */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * The exit-code table as printed at the end of every `--help`.
 *
 * @example
 * ```ts
 * command.addHelpText('after', EXIT_CODES_HELP);
 * ```
 */
export const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the work ran but something failed (a run failed, check found missing items, a retry failed)
  2    usage or configuration error
  3    the store or another dependency is unavailable
  130  interrupted`;

/**
 * An error the CLI raises itself, carrying its exit code and an optional hint.
 *
 * @example
 * ```ts
 * throw new CliError('--all and ids are mutually exclusive', ExitCode.Usage, { hint: 'pass ids or --all' });
 * ```
 */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(
    message: string,
    exitCode: ExitCodeValue,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/**
 * A usage or configuration error (exit 2).
 *
 * @example
 * ```ts
 * throw usageError('dlq drop --all needs --yes when not run from a terminal', 'add --yes');
 * ```
 */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, ExitCode.Usage, hint === undefined ? {} : { hint });
}

const UNAVAILABLE_CODES = new Set(['STORE_UNAVAILABLE', 'STORE_CLOSED']);

/**
 * The exit code an error means when it ends a command.
 *
 * @example
 * ```ts
 * exitCodeFor(new PatchbayError('config', 'bad')); // 2
 * ```
 */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof CliError) return err.exitCode;
  if (isPatchbayError(err)) {
    if (err.kind === 'config') return ExitCode.Usage;
    if (err.kind === 'cancelled') return ExitCode.Interrupted;
    if (UNAVAILABLE_CODES.has(err.code)) return ExitCode.Unavailable;
  }
  return ExitCode.Failed;
}

/**
 * The text printed on stderr for an error that ends a command: one paragraph
 * naming the problem, a hint when there is one, and the stack only with
 * `--verbose` (an operator needs the what, a developer the where).
 *
 * @example
 * ```ts
 * io.stderr.write(errorText(err, verbose));
 * ```
 */
export function errorText(err: unknown, verbose: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`patchbay: ${message}`];
  if (err instanceof CliError && err.hint) lines.push(`hint: ${err.hint}`);
  const expected = err instanceof CliError || isPatchbayError(err);
  if (verbose && err instanceof Error && err.stack) {
    lines.push(err.stack);
    const cause = err.cause;
    if (cause instanceof Error && cause.stack) lines.push(`caused by: ${cause.stack}`);
  } else if (!expected) {
    lines.push('(unexpected error; run again with --verbose for the stack trace)');
  }
  return `${lines.join('\n')}\n`;
}
