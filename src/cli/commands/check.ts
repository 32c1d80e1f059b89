/**
 * `patchbay check`: the first-iteration checklist for every integration.
 * Exit 1 when any item fails, so CI can gate a first release on it.
 */
import {
  checkProject,
  referencesOf,
  type CheckReport,
  type CheckStatus,
} from '../../check/index.js';
import { defaultSecrets } from '../../core/secrets/resolver.js';
import { connectorContext, singleAttempt, type RuntimeServices } from '../../runtime/services.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';
import { cliLogger, openProject, selectIntegrations } from '../project.js';
import { recordedRotations, rotationContext } from '../rotations.js';

const LABEL: Record<CheckStatus, string> = { pass: 'pass', warn: 'warn', fail: 'FAIL' };

/**
 * Prints a checklist report for people.
 *
 * @example
 * ```ts
 * printCheckReport(io, report);
 * ```
 */
export function printCheckReport(io: CliIo, report: CheckReport): void {
  for (const integration of report.integrations) {
    print(
      io,
      `${integration.id}  (${integration.pattern}, owner ${integration.owner})  ${LABEL[integration.status]}`,
    );
    const width = Math.max(...integration.items.map((i) => i.title.length));
    for (const item of integration.items) {
      print(io, `  ${LABEL[item.status]}  ${item.title.padEnd(width)}  ${item.reason}`);
      if (item.fix) print(io, `        ${' '.repeat(width)}  fix: ${item.fix}`);
    }
    print(io, '');
  }
  const { pass, warn, fail } = report.counts;
  const n = report.integrations.length;
  print(
    io,
    `${n} integration${n === 1 ? '' : 's'}: ${pass} pass, ${warn} warn, ${fail} fail`,
    report.ok ? 'check passed' : 'check failed: fix the items marked FAIL',
  );
}

/**
 * Registers `patchbay check`.
 *
 * @example
 * ```ts
 * registerCheck(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerCheck(root: Root, io: CliIo, done: Done): void {
  root
    .command('check')
    .summary('the first-iteration checklist per integration')
    .description(
      'Run the first-iteration checklist for every integration: pattern chosen, auth through secret references, secrets rotated on time (recorded with `patchbay secrets rotated`), retries with backoff, an idempotency strategy, replay, metrics and a log line per call, timeouts per call and per job, an owner, docs. Exits 1 when anything fails.',
    )
    .option('--only <ids...>', 'check only these integrations')
    .option('--connect', 'also open each connector and run its connection test')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay check\n  patchbay check --only orders-to-warehouse --json\n  patchbay check --connect',
    )
    .action(async (opts, cmd) => {
      const global = cmd.optsWithGlobals();
      const loaded = await openProject(global.project);
      const selected = selectIntegrations(loaded, opts.only);
      const rotation = rotationContext(
        loaded.project,
        await recordedRotations(loaded.project, selected.flatMap(referencesOf)),
      );
      let report: CheckReport;
      if (opts.connect) {
        // Connection tests get a throwaway in-memory store: a check must not
        // leave state behind or need the project's store to be reachable.
        const store = await openSqliteStore({ path: ':memory:' });
        const services: RuntimeServices = {
          store,
          logger: cliLogger(io, 'warn'),
          metrics: { recordCall() {}, recordItems() {} },
          secrets: defaultSecrets,
          guardFor: () => singleAttempt,
          now: Date.now,
        };
        try {
          report = await checkProject(selected, {
            rotation,
            connect: (id, kind, signal) => connectorContext(services, id, kind, signal),
          });
        } finally {
          await store.close();
        }
      } else {
        report = await checkProject(selected, { rotation });
      }
      if (opts.json) printJson(io, { project: loaded.project.name, ...report });
      else printCheckReport(io, report);
      done(report.ok ? ExitCode.Ok : ExitCode.Failed);
    });
}
