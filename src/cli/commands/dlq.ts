/**
 * `patchbay dlq list|show|retry|drop`: what failed, why, with the raw input;
 * and putting it right (retry through the same steps and sink) or giving up
 * on it (drop).
 */
import { ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { ago, isoTime, print, printJson, table, truncate } from '../output.js';
import { positiveInt, type Done, type Root } from '../program.js';
import { openProject, requireIntegration, withStore } from '../project.js';
import type { DeadLetter } from '../../store/types.js';
import { dropDeadLetters, retryDeadLetterCommand } from './dlq-actions.js';

function printLetter(io: CliIo, l: DeadLetter, now: number): void {
  print(
    io,
    `dead letter ${l.id}`,
    `  integration  ${l.integrationId}`,
    `  stage        ${l.stage}`,
    `  item key     ${l.itemKey ?? '-'}`,
    `  error        ${l.error.kind} ${l.error.code}: ${l.error.message}`,
    `  retryable    ${l.error.retryable ? 'yes' : 'no'}`,
    `  attempts     ${l.attempts}`,
    `  retries      ${l.retries}`,
    `  first seen   ${isoTime(l.firstSeenAt)} (${ago(l.firstSeenAt, now)})`,
    `  last seen    ${isoTime(l.lastSeenAt)} (${ago(l.lastSeenAt, now)})`,
    '  raw input',
    ...JSON.stringify(l.raw, null, 2)
      .split('\n')
      .map((line) => `    ${line}`),
  );
}

/**
 * Registers `patchbay dlq` and its subcommands.
 *
 * @example
 * ```ts
 * registerDlq(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerDlq(root: Root, io: CliIo, done: Done): void {
  const dlq = root
    .command('dlq')
    .summary('list, show, retry or drop dead letters')
    .description(
      'Dead letters: input that failed permanently or exhausted its retries, with the raw input and why.',
    );

  dlq
    .command('list')
    .summary('list the dead letters of an integration')
    .description('List the dead letters of an integration, oldest first.')
    .argument('<integration>', 'integration id')
    .option('--limit <n>', 'show at most n letters', positiveInt, 50)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay dlq list orders-to-warehouse\n  patchbay dlq list orders-to-warehouse --limit 5 --json',
    )
    .action(async (id, opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      requireIntegration(loaded, id);
      const { letters, total } = await withStore(loaded.project, async (store) => ({
        letters: await store.deadLetters.list(id, { limit: opts.limit }),
        total: await store.deadLetters.count(id),
      }));
      if (opts.json) {
        printJson(io, { integration: id, total, letters });
      } else if (letters.length === 0) {
        print(io, `no dead letters for ${id}`);
      } else {
        const now = Date.now();
        const rows = letters.map((l) => [
          l.id,
          l.itemKey ?? '-',
          l.stage,
          `${l.error.kind} ${l.error.code}`,
          String(l.attempts),
          String(l.retries),
          ago(l.lastSeenAt, now),
          truncate(l.error.message, 60),
        ]);
        print(
          io,
          ...table([
            ['ID', 'KEY', 'STAGE', 'ERROR', 'ATTEMPTS', 'RETRIES', 'LAST SEEN', 'MESSAGE'],
            ...rows,
          ]),
          '',
          `${letters.length} of ${total} dead letter${total === 1 ? '' : 's'} of ${id}; details: patchbay dlq show <id>`,
        );
      }
      done(ExitCode.Ok);
    });

  dlq
    .command('show')
    .summary('show one dead letter with its raw input')
    .description(
      'Show one dead letter: raw input, error kind, code and message, attempts, first and last seen.',
    )
    .argument('<id>', 'dead letter id (from dlq list)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  patchbay dlq show 01JD3X8S5V6Q9W2E4R7T0Y1U3I')
    .action(async (letterId, opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const letter = await withStore(loaded.project, (store) => store.deadLetters.get(letterId));
      if (!letter) {
        throw usageError(
          `no dead letter with id ${letterId}`,
          'list them with: patchbay dlq list <integration>',
        );
      }
      if (opts.json) printJson(io, letter);
      else printLetter(io, letter, Date.now());
      done(ExitCode.Ok);
    });

  dlq
    .command('retry')
    .summary('retry dead letters through the same steps and sink')
    .description(
      'Retry dead letters through the same steps and sink as live input. A success removes the letter; a failure counts a retry on it. Exits 1 when any retry failed.',
    )
    .argument('<integration>', 'integration id')
    .argument('[ids...]', 'dead letter ids')
    .option('--all', 'retry every dead letter of the integration')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay dlq retry orders-to-warehouse --all\n  patchbay dlq retry orders-to-warehouse 01JD3X8S5V 01JD3X8S6W',
    )
    .action(async (id, ids, opts, cmd) => {
      const global = cmd.optsWithGlobals();
      done(await retryDeadLetterCommand(io, { ...global, ...opts, integration: id, ids }));
    });

  dlq
    .command('drop')
    .summary('delete dead letters for good')
    .description(
      'Delete dead letters for good. --all asks for confirmation, or needs --yes when not run from a terminal.',
    )
    .argument('<integration>', 'integration id')
    .argument('[ids...]', 'dead letter ids')
    .option('--all', 'drop every dead letter of the integration')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay dlq drop orders-to-warehouse 01JD3X8S5V\n  patchbay dlq drop orders-to-warehouse --all --yes',
    )
    .action(async (id, ids, opts, cmd) => {
      const global = cmd.optsWithGlobals();
      done(await dropDeadLetters(io, { ...global, ...opts, integration: id, ids }));
    });
}
