/**
 * `patchbay rejects drop <integration> [ids...] | --all`: gives up on
 * rejects for good, e.g. test records or records the source has since
 * corrected and will send again. Like `dlq drop`, `--all` asks first, and
 * needs `--yes` when not run from a terminal, because a drop cannot be undone.
 */
import type { Store } from '../../store/types.js';
import { ExitCode, usageError, type ExitCodeValue } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { print, printJson } from '../output.js';
import type { Done } from '../program.js';
import { openProject, openStore, requireIntegration } from '../project.js';

/**
 * Options of `patchbay rejects drop`.
 *
 * @example
 * ```ts
 * const opts: RejectDropOptions = { project: '.', integration: 'employees', ids: [], all: true, yes: true, json: false };
 * ```
 */
export interface RejectDropOptions {
  project: string;
  integration: string;
  ids: string[];
  all: boolean;
  yes: boolean;
  json: boolean;
}

async function allIds(store: Store, integration: string): Promise<string[]> {
  const ids: string[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await store.rejects.list(integration, {
      limit: 500,
      ...(afterId ? { afterId } : {}),
    });
    if (page.length === 0) return ids;
    ids.push(...page.map((r) => r.id));
    afterId = page[page.length - 1]?.id;
  }
}

async function confirmAll(io: CliIo, opts: RejectDropOptions, n: number): Promise<boolean> {
  if (opts.yes) return true;
  if (!io.interactive) {
    throw usageError(
      `rejects drop --all deletes ${n} reject${n === 1 ? '' : 's'} of ${opts.integration} for good and needs --yes when not run from a terminal`,
      `patchbay rejects drop ${opts.integration} --all --yes`,
    );
  }
  const answer = await io.prompt(
    `Drop all ${n} rejects of ${opts.integration}? This cannot be undone. [y/N] `,
  );
  return /^y(es)?$/i.test(answer.trim());
}

async function chosen(
  io: CliIo,
  store: Store,
  opts: RejectDropOptions,
): Promise<string[] | undefined> {
  if (opts.all && opts.ids.length > 0)
    throw usageError('rejects drop: give reject ids or --all, not both');
  if (!opts.all && opts.ids.length === 0) {
    throw usageError(
      'rejects drop: name the rejects to drop, or pass --all',
      `list them with: patchbay rejects list ${opts.integration}`,
    );
  }
  if (!opts.all) {
    const ids = [...new Set(opts.ids)];
    const found = await Promise.all(ids.map((id) => store.rejects.get(id)));
    const bad = ids.filter((_, i) => found[i]?.integrationId !== opts.integration);
    if (bad.length > 0) {
      throw usageError(`no reject of ${opts.integration} with id ${bad.join(', ')}`);
    }
    return ids;
  }
  const n = await store.rejects.count(opts.integration);
  if (n === 0) return [];
  if (!(await confirmAll(io, opts, n))) return undefined;
  return allIds(store, opts.integration);
}

/**
 * Runs `patchbay rejects drop` and returns its exit code: 0 dropped (or
 * nothing to drop), 1 when the confirmation was declined.
 *
 * @example
 * ```ts
 * const code = await dropRejects(io, { project: '.', integration: 'employees', ids: ['41'], all: false, yes: false, json: false });
 * ```
 */
export async function dropRejects(io: CliIo, opts: RejectDropOptions): Promise<ExitCodeValue> {
  const loaded = await openProject(opts.project);
  requireIntegration(loaded, opts.integration);
  const store = await openStore(loaded.project);
  try {
    const ids = await chosen(io, store, opts);
    if (ids === undefined) {
      io.stderr.write('nothing dropped\n');
      return ExitCode.Failed;
    }
    const dropped = ids.length === 0 ? 0 : await store.rejects.remove(ids);
    if (opts.json) printJson(io, { integration: opts.integration, dropped });
    else print(io, `dropped ${dropped} reject${dropped === 1 ? '' : 's'} of ${opts.integration}`);
    return ExitCode.Ok;
  } finally {
    await store.close();
  }
}

/**
 * The action of `patchbay rejects drop`, for registration under `rejects`.
 *
 * @example
 * ```ts
 * rejects.command('drop').argument('<integration>').argument('[ids...]').action(dropAction(io, done));
 * ```
 */
export function dropAction(io: CliIo, done: Done) {
  return async (
    integration: string,
    ids: string[],
    opts: { all?: true; yes?: true; json?: true },
    cmd: { optsWithGlobals(): { project: string } },
  ): Promise<void> => {
    done(
      await dropRejects(io, {
        project: cmd.optsWithGlobals().project,
        integration,
        ids,
        all: opts.all === true,
        yes: opts.yes === true,
        json: opts.json === true,
      }),
    );
  };
}
