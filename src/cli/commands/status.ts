/**
 * `patchbay status`: every integration's last run, last success, freshness
 * (also per entity stream), errors by kind, dead letters, breakers (source and
 * sink side), checkpoint
 * and recorded schema drift, read from the store
 * so it shows what a `patchbay run` in another process is doing.
 */
import { formatDuration } from '../../core/duration.js';
import { describeBreakers, statusReport, type IntegrationStatus } from '../../runtime/status.js';
import { ExitCode } from '../exit-codes.js';
import { domainMetrics } from '../gauges.js';
import type { CliIo } from '../io.js';
import { ago, isoTime, print, printJson, truncate } from '../output.js';
import type { Done, Root } from '../program.js';
import { openProject, selectIntegrations, withStore } from '../project.js';

function freshness(s: IntegrationStatus): string {
  const age =
    s.freshnessSeconds === null ? 'no success yet' : formatDuration(s.freshnessSeconds * 1000);
  const limit =
    s.freshnessLimitSeconds === null
      ? 'no limit'
      : `limit ${formatDuration(s.freshnessLimitSeconds * 1000)}`;
  return `${age} (${limit})${s.stale ? '  STALE' : ''}`;
}

// Only integrations with named streams get a line per stream: for the
// single `default` stream the checkpoint line above already says it all.
function streamLines(s: IntegrationStatus): string[] {
  if (s.streams.every((st) => st.stream === 'default')) return [];
  const limit =
    s.freshnessLimitSeconds === null
      ? 'no limit'
      : `limit ${formatDuration(s.freshnessLimitSeconds * 1000)}`;
  return s.streams.map(
    (st) =>
      `  stream ${st.stream.padEnd(7)} ${formatDuration(st.freshnessSeconds * 1000)} (${limit})${st.stale ? '  STALE' : ''}`,
  );
}

function driftLines(s: IntegrationStatus, now: number): string[] {
  const d = s.drift;
  if (!d) return [];
  const fields = [
    d.added.length ? `new ${d.added.join(', ')}` : '',
    d.removed.length ? `missing ${d.removed.join(', ')}` : '',
    d.retyped.length ? `retyped ${d.retyped.join(', ')}` : '',
  ].filter(Boolean);
  const state =
    d.acknowledgedAt === null
      ? `  (patchbay alerts ack-drift ${s.id})`
      : `  acknowledged ${ago(d.acknowledgedAt, now)}`;
  return [`  schema drift  ${fields.join('; ')} since ${ago(d.since, now)}${state}`];
}

function lastKnownGoodLines(s: IntegrationStatus, now: number): string[] {
  const l = s.lastKnownGood;
  if (!l) return [];
  return [
    `  serving       last-known-good data as of ${isoTime(l.asOf)}${l.stale ? '  STALE' : ''} (source failing since ${ago(l.failingSince, now)}: ${l.cause}, ${l.failedRuns} failed run${l.failedRuns === 1 ? '' : 's'})`,
  ];
}

function localTime(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    ...{ year: 'numeric', month: '2-digit', day: '2-digit' },
    ...{ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  })
    .format(at)
    .replace(',', '');
}

// File drops with `expect`: the due time, then the newest business dates and their state.
function fileLines(s: IntegrationStatus, now: number): string[] {
  const f = s.files;
  if (!f) return [];
  const grace = f.graceMs > 0 ? ` (+${formatDuration(f.graceMs)} grace)` : '';
  return [
    `  files due     ${f.due} ${f.timeZone}${grace}, per business date:`,
    ...f.days.slice(0, 5).map((d) => {
      const what =
        d.arrivedAt !== null
          ? `arrived ${localTime(d.arrivedAt, f.timeZone)} (${d.files.join(', ')})`
          : d.state === 'missing'
            ? `nothing ${formatDuration(Math.max(0, now - d.dueAt))} past due`
            : `due ${localTime(d.dueAt, f.timeZone)}`;
      const extra = [
        d.duplicates.length ? `${d.duplicates.length} duplicate(s)` : '',
        d.failures.length ? `${d.failures.length} failed` : '',
      ].filter(Boolean);
      const flag = d.state === 'arrived' || d.state === 'pending' ? d.state : d.state.toUpperCase();
      return `    ${d.date}  ${flag.padEnd(9)} ${what}${extra.length ? `; ${extra.join(', ')}` : ''}`;
    }),
  ];
}

/**
 * Prints statuses for people, one block per integration.
 *
 * @example
 * ```ts
 * printStatus(io, statuses, Date.now());
 * ```
 */
export function printStatus(io: CliIo, statuses: readonly IntegrationStatus[], now: number): void {
  for (const s of statuses) {
    const last = s.lastRun;
    const errors = Object.entries(s.errorsByKind)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');
    print(
      io,
      `${s.id}  ${s.pattern}  owner ${s.owner}${s.paused ? '  PAUSED' : ''}${s.stale ? '  STALE' : ''}`,
      ...(s.paused
        ? [
            `  paused        ${ago(s.paused.at, now)} by ${s.paused.by}: ${s.paused.reason}  (patchbay resume ${s.id})`,
          ]
        : []),
      `  last run      ${last ? `${last.status} ${ago(last.startedAt, now)} (${last.trigger}, ${last.mode})` : 'never'}`,
      `  last success  ${s.lastSuccessAt === null ? 'never' : `${ago(s.lastSuccessAt, now)} (${isoTime(s.lastSuccessAt)})`}`,
      `  freshness     ${freshness(s)}`,
      ...lastKnownGoodLines(s, now),
      `  errors (24h)  ${errors || 'none'}`,
      `  dead letters  ${s.deadLetters}${s.deadLetters > 0 ? `  (patchbay dlq list ${s.id})` : ''}`,
      `  breaker       ${describeBreakers(s)}`,
      `  checkpoint    ${s.checkpoint === null ? 'none' : truncate(JSON.stringify(s.checkpoint), 80)}`,
      ...streamLines(s),
      ...driftLines(s, now),
      ...fileLines(s, now),
      '',
    );
  }
  const stale = statuses.filter((s) => s.stale).map((s) => s.id);
  const paused = statuses.filter((s) => s.paused).map((s) => s.id);
  const letters = statuses.reduce((n, s) => n + s.deadLetters, 0);
  print(
    io,
    `${statuses.length} integration${statuses.length === 1 ? '' : 's'}; ${stale.length} stale${stale.length ? ` (${stale.join(', ')})` : ''}; ${paused.length ? `${paused.length} paused (${paused.join(', ')}); ` : ''}${letters} dead letter${letters === 1 ? '' : 's'}`,
  );
}

/**
 * Registers `patchbay status`.
 *
 * @example
 * ```ts
 * registerStatus(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerStatus(root: Root, io: CliIo, done: Done): void {
  root
    .command('status')
    .summary('every integration: last run, freshness, errors, dead letters, breaker')
    .description(
      "Show every integration: last run, last success, freshness against its limit, errors by kind (24 h), dead-letter depth, breaker state (the source's, and the sink side's when it is not closed) and checkpoint. Reads the store, so it works while `patchbay run` is running.",
    )
    .option('--only <ids...>', 'show only these integrations')
    .option('--json', 'print JSON, including the same facts under their metric names')
    .addHelpText(
      'after',
      "\nExamples:\n  patchbay status\n  patchbay status --json | jq '.integrations[] | select(.stale)'",
    )
    .action(async (opts, cmd) => {
      const loaded = await openProject(cmd.optsWithGlobals().project);
      const selected = selectIntegrations(loaded, opts.only);
      const now = Date.now();
      const statuses = await withStore(loaded.project, (store) =>
        statusReport(store, selected, now),
      );
      if (opts.json) {
        printJson(io, {
          project: loaded.project.name,
          store: loaded.project.storePath,
          generatedAt: isoTime(now),
          integrations: statuses,
          metrics: domainMetrics(statuses),
        });
      } else {
        printStatus(io, statuses, now);
      }
      done(ExitCode.Ok);
    });
}
