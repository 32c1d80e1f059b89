/**
 * `patchbay rejects list|show|retry|drop <integration>`: records that failed
 * mapping or validation, with field, rule and (masked) value; re-driving
 * them through the same steps and sink after the mapping was fixed; and
 * giving up on them (drop).
 */
import type { Store, Reject } from '../../store/types.js';
import { ExitCode, usageError } from '../exit-codes.js';
import { watchInterrupts } from '../interrupts.js';
import type { CliIo } from '../io.js';
import { ago, isoTime, print, printJson, table, truncate } from '../output.js';
import { positiveInt, type Done, type Root } from '../program.js';
import { cliLogger, openProject, openStore, requireIntegration, withStore } from '../project.js';
import { cliRuntime } from '../runtime.js';
import { dropAction } from './rejects-drop.js';
import { retryRejects, type RejectRetryResult } from './rejects-retry.js';

function printReject(io: CliIo, r: Reject, now: number): void {
  print(
    io,
    `reject ${r.id}`,
    `  integration  ${r.integrationId}`,
    `  mapping      ${r.mapping}`,
    `  record key   ${r.recordKey ?? '-'}`,
    `  field        ${r.fieldPath || '(record)'}`,
    `  rule         ${r.rule}`,
    `  message      ${r.message}`,
    `  value        ${JSON.stringify(r.value)}`,
    `  retries      ${r.retries}`,
    `  rejected     ${isoTime(r.at)} (${ago(r.at, now)})`,
    '  raw input',
    ...JSON.stringify(r.raw, null, 2)
      .split('\n')
      .map((line) => `    ${line}`),
  );
}

async function all(store: Store, integration: string): Promise<Reject[]> {
  const out: Reject[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await store.rejects.list(integration, {
      limit: 500,
      ...(afterId ? { afterId } : {}),
    });
    if (page.length === 0) return out;
    out.push(...page);
    afterId = page[page.length - 1]?.id;
  }
}

async function selected(store: Store, integration: string, ids: string[], everything: boolean) {
  if (everything && ids.length > 0)
    throw usageError('rejects retry: give reject ids or --all, not both');
  if (!everything && ids.length === 0) {
    throw usageError(
      'rejects retry: name the rejects to retry, or pass --all',
      `list them with: patchbay rejects list ${integration}`,
    );
  }
  if (everything) return all(store, integration);
  const found = await Promise.all([...new Set(ids)].map((id) => store.rejects.get(id)));
  const bad = ids.filter((id, i) => !found[i] || found[i]?.integrationId !== integration);
  if (bad.length > 0) throw usageError(`no reject of ${integration} with id ${bad.join(', ')}`);
  return found as Reject[];
}

function printRetry(io: CliIo, integration: string, r: RejectRetryResult): void {
  const skipped = r.skipped.length > 0 ? `, ${r.skipped.length} skipped` : '';
  print(
    io,
    `retried ${r.retried} reject${r.retried === 1 ? '' : 's'} of ${integration}: ${r.succeeded.length} succeeded, ${r.deadLettered.length} dead-lettered, ${r.failed.length} rejected again${skipped}`,
  );
  for (const f of r.failed)
    print(io, `  rejected  ${f.id}  ${f.fieldPath} ${f.rule}: ${f.message}`);
  for (const s of r.skipped) print(io, `  skipped   ${s.id}  ${s.rule}: ${s.reason}`);
  if (r.stoppedBy) {
    print(io, `stopped early: ${r.stoppedBy.kind} ${r.stoppedBy.code}: ${r.stoppedBy.message}`);
  }
}

/**
 * Registers `patchbay rejects` and its subcommands.
 *
 * @example
 * ```ts
 * registerRejects(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerRejects(root: Root, io: CliIo, done: Done): void {
  const rejects = root
    .command('rejects')
    .summary('list, show, retry or drop records rejected by mapping or validation')
    .description(
      'The reject ledger: records that failed mapping or validation while their batch went on.',
    );

  rejects
    .command('list')
    .summary('list the rejects of an integration')
    .argument('<integration>', 'integration id')
    .option('--limit <n>', 'show at most n rejects', positiveInt, 50)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  patchbay rejects list employees --limit 20')
    .action(async (id, opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      requireIntegration(loaded, id);
      const { list, total } = await withStore(loaded.project, async (store) => ({
        list: await store.rejects.list(id, { limit: opts.limit }),
        total: await store.rejects.count(id),
      }));
      if (opts.json) printJson(io, { integration: id, total, rejects: list });
      else if (list.length === 0) print(io, `no rejects for ${id}`);
      else {
        const now = Date.now();
        const rows = list.map((r) => [
          r.id,
          r.recordKey ?? '-',
          r.fieldPath || '(record)',
          r.rule,
          truncate(JSON.stringify(r.value), 24),
          String(r.retries),
          ago(r.at, now),
          truncate(r.message, 60),
        ]);
        print(
          io,
          ...table([['ID', 'KEY', 'FIELD', 'RULE', 'VALUE', 'RETRIES', 'AT', 'MESSAGE'], ...rows]),
          '',
          `${list.length} of ${total} reject${total === 1 ? '' : 's'} of ${id}; details: patchbay rejects show ${id} <id>`,
        );
      }
      done(ExitCode.Ok);
    });

  rejects
    .command('show')
    .summary('show one reject with its raw input')
    .argument('<integration>', 'integration id')
    .argument('<id>', 'reject id (from rejects list)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  patchbay rejects show employees 42')
    .action(async (id, rejectId, opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      requireIntegration(loaded, id);
      const found = await withStore(loaded.project, (store) => store.rejects.get(rejectId));
      if (!found || found.integrationId !== id) {
        throw usageError(
          `no reject of ${id} with id ${rejectId}`,
          `list them with: patchbay rejects list ${id}`,
        );
      }
      if (opts.json) printJson(io, found);
      else printReject(io, found, Date.now());
      done(ExitCode.Ok);
    });

  rejects
    .command('retry')
    .summary('re-drive rejects through the same steps and sink (after a mapping fix)')
    .description(
      'Re-drive rejects through the integration’s steps and sink. A success removes the reject; a reject that fails again stays with its latest reason. A parser reject (a file line that could not be parsed) is skipped and left as it is: fix the file at the source. Exits 1 when any failed again or was skipped.',
    )
    .argument('<integration>', 'integration id')
    .argument('[ids...]', 'reject ids')
    .option('--all', 'retry every reject of the integration')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay rejects retry employees --all\n  patchbay rejects retry employees 41 42',
    )
    .action(async (id, ids, opts, cmd) => {
      const global = cmd.optsWithGlobals();
      const loaded = await openProject(global.project);
      const prepared = requireIntegration(loaded, id);
      const store = await openStore(loaded.project);
      try {
        const todo = await selected(store, id, ids, opts.all === true);
        const logger = cliLogger(io, global.verbose ? loaded.project.logLevel : 'warn');
        const runtime = await cliRuntime({ integrations: [prepared], store, logger });
        const controller = new AbortController();
        const interrupts = watchInterrupts(io, () => controller.abort());
        let result: RejectRetryResult;
        try {
          result = await retryRejects(runtime, id, todo, { signal: controller.signal });
        } finally {
          interrupts.dispose();
        }
        if (opts.json) printJson(io, { integration: id, ...result });
        else printRetry(io, id, result);
        if (interrupts.received) done(ExitCode.Interrupted);
        else {
          // A skipped reject is still in the ledger: not a clean result either.
          const left = result.failed.length + result.skipped.length;
          done(left > 0 || result.stoppedBy ? ExitCode.Failed : ExitCode.Ok);
        }
      } finally {
        await store.close();
      }
    });

  rejects
    .command('drop')
    .summary('delete rejects for good (test records, records the source will send again)')
    .description(
      'Delete the named rejects, or all rejects of the integration with --all (asks first; --yes skips the question and is required when not run from a terminal). A dropped reject cannot be retried.',
    )
    .argument('<integration>', 'integration id')
    .argument('[ids...]', 'reject ids')
    .option('--all', 'drop every reject of the integration')
    .option('--yes', 'do not ask before dropping all')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay rejects drop employees 41 42\n  patchbay rejects drop employees --all --yes',
    )
    .action(dropAction(io, done));
}
