/**
 * `patchbay registry [--out <dir>]`: one Markdown page per integration, from
 * its definition, its live state in the store and its checklist result, and
 * an index page. Without `--out`, prints the pages to stdout.
 */
import { resolve } from 'node:path';
import { checkIntegration } from '../../check/index.js';
import {
  indexPage,
  integrationPage,
  registryEntry,
  writeRegistry,
} from '../../operations/registry/index.js';
import { statusReport } from '../../runtime/status.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, selectIntegrations, withStore } from '../project.js';

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
    .summary('generate the integration registry (one Markdown page per integration)')
    .description(
      'Generate one page per integration from its definition and live state: pattern and why, owners on both sides, auth and the secret references it uses (names only), trigger, rate limit, retries, timeouts, idempotency, replay, freshness, metrics, alert routes, runbook, last run and the checklist result; plus an index page.',
    )
    .option('--out <dir>', 'write <id>.md and README.md into this folder')
    .option('--only <ids...>', 'only these integrations')
    .option('--json', 'print the registry entries as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay registry --out docs/integrations\n  patchbay registry --json',
    )
    .action(async (opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const selected = selectIntegrations(loaded, opts.only);
      const statuses = await withStore(loaded.project, (store) => statusReport(store, selected));
      const routes = loaded.project.alerts?.route ?? [];
      const entries = selected.map((p, i) =>
        registryEntry(p, { status: statuses[i], check: checkIntegration(p), alertRoutes: routes }),
      );
      if (opts.json) {
        printJson(io, { project: loaded.project.name, integrations: entries });
      } else if (opts.out) {
        const files = await writeRegistry(resolve(opts.out), loaded.project.name, entries);
        print(io, `wrote ${files.length} pages:`, ...files.map((f) => `  ${f}`));
      } else {
        print(io, indexPage(loaded.project.name, entries), ...entries.map(integrationPage));
      }
      done(ExitCode.Ok);
    });
}
