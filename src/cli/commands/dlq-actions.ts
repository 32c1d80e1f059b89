/**
 * The changing dead-letter commands, `dlq retry` and `dlq drop`. Both check
 * every named id (exists, belongs to the integration) before touching any,
 * so a typo never leaves half the work done.
 */
import type { DeadLetterRetryResult } from '../../runtime/dead-letter-retry.js';
import type { Store } from '../../store/types.js';
import { ExitCode, usageError, type ExitCodeValue } from '../exit-codes.js';
import { watchInterrupts } from '../interrupts.js';
import type { CliIo } from '../io.js';
import { print, printJson } from '../output.js';
import { createProgress } from '../progress.js';
import {
  cliLogger,
  openProject,
  openStore,
  requireIntegration,
  type LoadedProject,
} from '../project.js';
import { cliRuntime } from '../runtime.js';

/**
 * Options of `dlq retry` / `dlq drop`.
 *
 * @example
 * ```ts
 * const opts: DlqActionOptions = { project: '.', integration: 'orders', ids: [], all: true, yes: true };
 * ```
 */
export interface DlqActionOptions {
  project: string;
  verbose?: true | undefined;
  integration: string;
  ids: string[];
  all?: true | undefined;
  yes?: true | undefined;
  json?: true | undefined;
}

function which(opts: DlqActionOptions, verb: string): string[] | 'all' {
  if (opts.all && opts.ids.length > 0) {
    throw usageError(`dlq ${verb}: give dead letter ids or --all, not both`);
  }
  if (!opts.all && opts.ids.length === 0) {
    throw usageError(
      `dlq ${verb}: name the dead letters to ${verb}, or pass --all`,
      `list them with: patchbay dlq list ${opts.integration}`,
    );
  }
  return opts.all ? 'all' : [...new Set(opts.ids)];
}

async function checkIds(store: Store, integration: string, ids: readonly string[]): Promise<void> {
  const letters = await Promise.all(ids.map((id) => store.deadLetters.get(id)));
  const missing = ids.filter((_, i) => !letters[i]);
  if (missing.length > 0) throw usageError(`no dead letter with id ${missing.join(', ')}`);
  const foreign = letters.filter((l) => l && l.integrationId !== integration);
  if (foreign.length > 0) {
    throw usageError(
      `dead letter ${foreign.map((l) => `${l?.id} belongs to ${l?.integrationId}`).join(', ')}, not ${integration}`,
    );
  }
}

function printRetry(io: CliIo, integration: string, r: DeadLetterRetryResult): void {
  if (r.retried === 0) {
    print(io, `no dead letters to retry for ${integration}`);
    return;
  }
  print(
    io,
    `retried ${r.retried} dead letter${r.retried === 1 ? '' : 's'} of ${integration}: ${r.succeeded.length} succeeded, ${r.failed.length} failed`,
  );
  for (const f of r.failed) print(io, `  failed  ${f.id}  ${f.kind} ${f.code}: ${f.message}`);
  if (r.stoppedBy) {
    print(
      io,
      `stopped early: ${r.stoppedBy.kind} ${r.stoppedBy.code}: ${r.stoppedBy.message} (the downstream is still failing; try again later)`,
    );
  }
}

/**
 * `patchbay dlq retry`: exit 0 when every retried letter succeeded, 1 when
 * any failed, 130 when interrupted.
 *
 * @example
 * ```ts
 * const code = await retryDeadLetterCommand(io, { project: '.', integration: 'orders', ids: [], all: true });
 * ```
 */
export async function retryDeadLetterCommand(
  io: CliIo,
  opts: DlqActionOptions,
): Promise<ExitCodeValue> {
  const selection = which(opts, 'retry');
  const loaded = await openProject(opts.project);
  const prepared = requireIntegration(loaded, opts.integration);
  const store = await openStore(loaded.project);
  try {
    if (selection !== 'all') await checkIds(store, opts.integration, selection);
    const total =
      selection === 'all' ? await store.deadLetters.count(opts.integration) : selection.length;
    const logger = cliLogger(io, opts.verbose ? loaded.project.logLevel : 'warn');
    const runtime = await cliRuntime({ integrations: [prepared], store, logger });
    const progress = createProgress(io, `retry ${opts.integration}`, total);
    // The first signal stops after the letter in progress; the runtime's stop aborts the retry loop.
    const interrupts = watchInterrupts(io, () => void runtime.stop({ drainMs: 0 }));
    let result: DeadLetterRetryResult;
    try {
      result = await runtime.retryDeadLetters(opts.integration, selection, {
        onProgress: (n) => progress.update(n),
      });
    } finally {
      progress.done();
      interrupts.dispose();
    }
    if (opts.json) printJson(io, { integration: opts.integration, ...result });
    else printRetry(io, opts.integration, result);
    if (interrupts.received) return ExitCode.Interrupted;
    return result.failed.length > 0 || result.stoppedBy ? ExitCode.Failed : ExitCode.Ok;
  } finally {
    await store.close();
  }
}

async function allIds(store: Store, integration: string): Promise<string[]> {
  const ids: string[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await store.deadLetters.list(integration, {
      limit: 500,
      ...(afterId ? { afterId } : {}),
    });
    if (page.length === 0) return ids;
    ids.push(...page.map((l) => l.id));
    afterId = page[page.length - 1]?.id;
  }
}

async function confirmAll(io: CliIo, opts: DlqActionOptions, n: number): Promise<boolean> {
  if (opts.yes) return true;
  if (!io.interactive) {
    throw usageError(
      `dlq drop --all deletes ${n} dead letter${n === 1 ? '' : 's'} of ${opts.integration} for good and needs --yes when not run from a terminal`,
      `patchbay dlq drop ${opts.integration} --all --yes`,
    );
  }
  const answer = await io.prompt(
    `Drop all ${n} dead letters of ${opts.integration}? This cannot be undone. [y/N] `,
  );
  return /^y(es)?$/i.test(answer.trim());
}

async function drop(
  io: CliIo,
  loaded: LoadedProject,
  store: Store,
  opts: DlqActionOptions,
): Promise<ExitCodeValue> {
  const selection = which(opts, 'drop');
  let ids: string[];
  if (selection === 'all') {
    const n = await store.deadLetters.count(opts.integration);
    if (n === 0) {
      if (opts.json) printJson(io, { integration: opts.integration, dropped: 0 });
      else print(io, `no dead letters for ${opts.integration}`);
      return ExitCode.Ok;
    }
    if (!(await confirmAll(io, opts, n))) {
      io.stderr.write('nothing dropped\n');
      return ExitCode.Failed;
    }
    ids = await allIds(store, opts.integration);
  } else {
    await checkIds(store, opts.integration, selection);
    ids = selection;
  }
  const dropped = await store.deadLetters.remove(ids);
  if (opts.json) printJson(io, { integration: opts.integration, dropped });
  else
    print(
      io,
      `dropped ${dropped} dead letter${dropped === 1 ? '' : 's'} of ${opts.integration} (project ${loaded.project.name})`,
    );
  return ExitCode.Ok;
}

/**
 * `patchbay dlq drop`: deletes the named dead letters, or all of them
 * (after confirmation, or with `--yes`).
 *
 * @example
 * ```ts
 * const code = await dropDeadLetters(io, { project: '.', integration: 'orders', ids: [], all: true, yes: true });
 * ```
 */
export async function dropDeadLetters(io: CliIo, opts: DlqActionOptions): Promise<ExitCodeValue> {
  which(opts, 'drop');
  const loaded = await openProject(opts.project);
  requireIntegration(loaded, opts.integration);
  const store = await openStore(loaded.project);
  try {
    return await drop(io, loaded, store, opts);
  } finally {
    await store.close();
  }
}
