/**
 * `patchbay conflicts list|resolve`: the manual queue of the `park`
 * conflict policy of a `sql-upsert` sink. Conflicts live in the target
 * database, so these commands connect to it with the sink's own config.
 */
import { Option } from '@commander-js/extra-typings';
import { ConflictQueue, type Conflict, type Resolution } from '../../connectors/sql/conflicts.js';
import { defaultSecrets } from '../../core/secrets/resolver.js';
import { isPatchbayError } from '../../core/errors.js';
import { singleAttempt } from '../../runtime/services.js';
import type { PreparedIntegration } from '../../runtime/prepare.js';
import { ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { ago, print, printJson, table, truncate } from '../output.js';
import { positiveInt, type Done, type Root } from '../program.js';
import { openProject, requireIntegration } from '../project.js';

function sinkConfig(prepared: PreparedIntegration): unknown {
  const sink = prepared.sink;
  if (sink.kind !== 'connector' || sink.connector.spec.kind !== 'sql-upsert') {
    throw usageError(
      `integration ${prepared.id} does not write through a sql-upsert sink`,
      'conflicts are parked only by sql-upsert with conflict: "park"',
    );
  }
  const config = sink.connector.config as { conflict?: string };
  if (config.conflict !== 'park') {
    throw usageError(
      `the sql-upsert sink of ${prepared.id} does not park conflicts (conflict: ${String(config.conflict)})`,
      'set conflict: "park" and a versionColumn on the sink',
    );
  }
  return config;
}

async function withQueue<T>(
  dir: string,
  id: string,
  fn: (queue: ConflictQueue) => Promise<T>,
): Promise<T> {
  const loaded = await openProject(dir);
  const config = sinkConfig(requireIntegration(loaded, id));
  const queue = await ConflictQueue.open(config, {
    secrets: defaultSecrets,
    guard: singleAttempt,
    recordCall() {},
    signal: new AbortController().signal,
  });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
  }
}

function printList(io: CliIo, id: string, conflicts: Conflict[]): void {
  if (conflicts.length === 0) {
    print(io, `no open conflicts for ${id}`);
    return;
  }
  const now = Date.now();
  print(
    io,
    ...table([
      ['ID', 'TABLE', 'KEY', 'STATUS', 'DETECTED', 'INCOMING', 'CURRENT'],
      ...conflicts.map((c) => [
        c.id,
        c.table,
        c.key,
        c.resolution ? `${c.status} (${c.resolution})` : c.status,
        ago(c.detectedAt, now),
        truncate(JSON.stringify(c.incoming), 40),
        truncate(JSON.stringify(c.current), 40),
      ]),
    ]),
    '',
    `${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'} of ${id}; settle one with: patchbay conflicts resolve ${id} <id> --take incoming|current`,
  );
}

/**
 * Registers `patchbay conflicts` and its subcommands.
 *
 * @example
 * ```ts
 * registerConflicts(root, io, (code) => (exitCode = code));
 * // patchbay conflicts list hr-employees
 * // patchbay conflicts resolve hr-employees 3f2a... --take incoming
 * ```
 */
export function registerConflicts(root: Root, io: CliIo, done: Done): void {
  const conflicts = root
    .command('conflicts')
    .summary('list or resolve parked SQL upsert conflicts')
    .description(
      'Conflicts parked by a sql-upsert sink with conflict: "park": an incoming row older than the stored one, kept for a person to decide.',
    );

  conflicts
    .command('list')
    .summary('list the conflicts of an integration')
    .description(
      'List the open conflicts of an integration, oldest first (--all includes resolved ones).',
    )
    .argument('<integration>', 'integration id')
    .option('--all', 'include resolved conflicts')
    .option('--limit <n>', 'show at most n conflicts', positiveInt, 100)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay conflicts list hr-employees\n  patchbay conflicts list hr-employees --all --json',
    )
    .action(async (id, opts, cmd) => {
      const list = await withQueue(cmd.optsWithGlobals().project, id, (q) =>
        q.list(id, { all: opts.all ?? false, limit: opts.limit }),
      );
      if (opts.json) printJson(io, { integration: id, conflicts: list });
      else printList(io, id, list);
      done(ExitCode.Ok);
    });

  conflicts
    .command('resolve')
    .summary('settle conflicts: apply the incoming row or keep the current one')
    .description(
      'Settle conflicts. --take incoming writes the parked row over the stored one; --take current keeps the stored row. Exits 1 when any could not be resolved.',
    )
    .argument('<integration>', 'integration id')
    .argument('[ids...]', 'conflict ids (from conflicts list)')
    .addOption(
      new Option('--take <side>', 'which row wins')
        .choices(['incoming', 'current'] as const)
        .makeOptionMandatory(),
    )
    .option('--all', 'resolve every open conflict of the integration')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay conflicts resolve hr-employees 3f2a9c --take incoming\n  patchbay conflicts resolve hr-employees --all --take current',
    )
    .action(async (id, ids, opts, cmd) => {
      if (ids.length === 0 && !opts.all) throw usageError('name conflict ids or pass --all');
      const results = await withQueue(cmd.optsWithGlobals().project, id, async (q) => {
        const targets = opts.all ? (await q.list(id, { limit: 10_000 })).map((c) => c.id) : ids;
        const out: Array<{ id: string; ok: boolean; error?: string }> = [];
        for (const conflictId of targets) {
          try {
            await q.resolve(id, conflictId, opts.take as Resolution);
            out.push({ id: conflictId, ok: true });
          } catch (err) {
            out.push({
              id: conflictId,
              ok: false,
              error: isPatchbayError(err) || err instanceof Error ? err.message : String(err),
            });
          }
        }
        return out;
      });
      if (opts.json) printJson(io, { integration: id, take: opts.take, results });
      else {
        for (const r of results)
          print(io, r.ok ? `resolved ${r.id} (${opts.take})` : `failed ${r.id}: ${r.error}`);
        if (results.length === 0) print(io, `no open conflicts for ${id}`);
      }
      done(results.every((r) => r.ok) ? ExitCode.Ok : ExitCode.Failed);
    });
}
