/**
 * `patchbay registry [--out <dir>] [--check]`: one page per integration, in
 * Markdown and as a static HTML site, from its definition, its live state in
 * the store and its checklist result, plus an index. Without `--out`, prints
 * the Markdown pages to stdout. With `--check`, writes nothing and exits 1
 * when the pages in `--out` are stale, so CI can fail on them.
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { checkIntegration, referencesOf } from '../../check/index.js';
import {
  indexPage,
  integrationPage,
  registryEntry,
  staleRegistry,
  writeRegistry,
  type RegistryEntry,
} from '../../operations/registry/index.js';
import { statusReport } from '../../runtime/status.js';
import { ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, selectIntegrations, withStore, type LoadedProject } from '../project.js';
import { recordedRotations, rotationContext } from '../rotations.js';

/**
 * The registry entries of the selected integrations. With `live`, reads the
 * store (when it exists) for the last run and recorded rotations; without,
 * the entries depend on the definitions alone.
 */
async function entriesFor(
  loaded: LoadedProject,
  only: readonly string[] | undefined,
  live: boolean,
): Promise<RegistryEntry[]> {
  const selected = selectIntegrations(loaded, only);
  const project = loaded.project;
  const base = { alertRoutes: project.alerts?.route ?? [], declared: project.secrets };
  // A docs run in a fresh checkout must not create a store as a side effect.
  if (!live || project.storePath === ':memory:' || !existsSync(project.storePath)) {
    return selected.map((p) => registryEntry(p, { ...base, check: checkIntegration(p) }));
  }
  const statuses = await withStore(project, (store) => statusReport(store, selected));
  const rotation = rotationContext(
    project,
    await recordedRotations(project, selected.flatMap(referencesOf)),
  );
  return selected.map((p, i) =>
    registryEntry(p, { ...base, status: statuses[i], check: checkIntegration(p), rotation }),
  );
}

/**
 * Registers `patchbay registry`.
 *
 * @example
 * ```ts
 * registerRegistry(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerRegistry(root: Root, io: CliIo, done: Done): void {
  root
    .command('registry')
    .summary('generate the integration registry (Markdown pages and a static HTML site)')
    .description(
      'Generate one page per integration from its definition and live state: pattern and why, owners on both sides, auth and the secret references it uses (names only, never values), trigger, rate limit, retries, timeouts, idempotency, replay, freshness, metrics, alert routes, runbook, the checklist result, the last run and recorded secret rotations; plus an index. --out writes <id>.md, README.md, <id>.html and index.html. --check compares the folder with what would be generated (ignoring the live-state block) and exits 1 when it is stale.',
    )
    .option('--out <dir>', 'write the Markdown pages and the HTML site into this folder')
    .option('--check', 'with --out: write nothing; exit 1 when the pages there are stale')
    .option('--only <ids...>', 'only these integrations (not with --out or --check)')
    .option('--json', 'print the registry entries as JSON (not with --out or --check)')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay registry --out docs/integrations\n  patchbay registry --out docs/integrations --check   # in CI\n  patchbay registry --json',
    )
    .action(async (opts, cmd) => {
      if (opts.check && !opts.out) {
        throw usageError(
          '--check needs --out <dir>: the folder to compare',
          'patchbay registry --out docs/integrations --check',
        );
      }
      if (opts.out && opts.json) {
        throw usageError('--json prints to stdout and cannot be combined with --out');
      }
      if (opts.out && opts.only) {
        // A partial folder would lose the other pages and make the index lie.
        throw usageError(
          '--only cannot be combined with --out: the registry folder lists every integration',
        );
      }
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const name = loaded.project.name;
      if (opts.check && opts.out) {
        const dir = resolve(opts.out);
        const stale = await staleRegistry(dir, name, await entriesFor(loaded, undefined, false));
        if (stale.length === 0) {
          print(io, `registry in ${dir} is up to date`);
          done(ExitCode.Ok);
          return;
        }
        print(
          io,
          `registry in ${dir} is stale:`,
          ...stale.map((s) => `  ${s.problem.padEnd(7)}  ${s.file}`),
        );
        io.stderr.write(`hint: regenerate it with: patchbay registry --out ${opts.out}\n`);
        done(ExitCode.Failed);
        return;
      }
      const entries = await entriesFor(loaded, opts.only, true);
      if (opts.json) {
        printJson(io, { project: name, integrations: entries });
      } else if (opts.out) {
        const { written, removed } = await writeRegistry(resolve(opts.out), name, entries);
        print(
          io,
          `wrote ${written.length} files:`,
          ...written.map((f) => `  ${f}`),
          ...(removed.length
            ? [`removed ${removed.length} stale pages:`, ...removed.map((f) => `  ${f}`)]
            : []),
        );
      } else {
        print(io, indexPage(name, entries), ...entries.map(integrationPage));
      }
      done(ExitCode.Ok);
    });
}
