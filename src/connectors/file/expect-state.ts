/**
 * The state of each business date's file expectation, derived from the
 * stored facts (expect-log.ts), the calendar and the time. Pure apart from
 * reading the store, so `patchbay status` in another process, the metrics and
 * the alert rule all see the same answer for the same instant.
 *
 *   failed     a file of the date could not be parsed (and nothing complete came after it)
 *   duplicate  a second copy with other content arrived (the first one was loaded)
 *   arrived    complete by due + grace
 *   late       complete after due + grace
 *   missing    due + grace passed, not complete
 *   pending    not complete, not yet due + grace
 */
import type {
  ExpectationState,
  FileEvent,
  FileExpectationDay,
  FileExpectationReport,
  SourceStatus,
} from '../../core/source-status.js';
import type { Store } from '../../store/types.js';
import type { BusinessDate } from './business-date.js';
import { expectationCalendar, type ExpectationCalendar } from './calendar.js';
import type { FileExpectation } from './expect-config.js';
import { expectationSince, readExpectation, type ExpectationRecord } from './expect-log.js';
import { globMatcher } from './glob.js';

// The report's shapes live in core, so the runtime can show them without importing a connector.
export {
  EXPECTATION_STATES,
  type ExpectationState,
  type FileExpectationDay,
  type FileExpectationReport,
} from '../../core/source-status.js';

/** When the date became complete: each file rule's count-th matching name. */
function completedAt(arrivals: readonly FileEvent[], expect: FileExpectation): number | null {
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  const rules = expect.files ?? [{ pattern: '*', count: 1 }];
  let done = -Infinity;
  for (const rule of rules) {
    const match = globMatcher([rule.pattern]);
    const seen = new Set<string>();
    let at: number | null = null;
    for (const a of sorted) {
      if (!match(a.name) || seen.has(a.name)) continue;
      seen.add(a.name);
      if (seen.size === rule.count) {
        at = a.at;
        break;
      }
    }
    if (at === null) return null;
    done = Math.max(done, at);
  }
  return done;
}

/**
 * The state of one business date at `now`.
 *
 * @example
 * ```ts
 * dayState(record, cfg.expect, cal, '2026-11-17', Date.now()).state; // 'missing'
 * ```
 */
export function dayState(
  record: ExpectationRecord | undefined,
  expect: FileExpectation,
  cal: ExpectationCalendar,
  date: BusinessDate,
  now: number,
): FileExpectationDay {
  const dueAt = cal.dueAt(date);
  const arrivals = record?.arrivals ?? [];
  const duplicates = record?.duplicates ?? [];
  const failures = record?.failures ?? [];
  const arrivedAt = completedAt(arrivals, expect);
  const deadline = dueAt + cal.graceMs;
  let state: ExpectationState;
  if (failures.some((f) => arrivedAt === null || f.at > arrivedAt)) state = 'failed';
  else if (duplicates.length > 0) state = 'duplicate';
  else if (arrivedAt !== null) state = arrivedAt <= deadline ? 'arrived' : 'late';
  else state = now > deadline ? 'missing' : 'pending';
  return {
    date,
    state,
    dueAt,
    arrivedAt,
    files: [...new Set(arrivals.map((a) => a.name))],
    duplicates,
    failures,
  };
}

const calendars = new WeakMap<FileExpectation, ExpectationCalendar>();

/**
 * The `expect` option and drop time zone of a source config, when it is a
 * file drop with expectations (local, SFTP or any source built on its fields).
 *
 * @example
 * ```ts
 * const e = expectationOf(prepared.source.config); // undefined without `expect`
 * ```
 */
export function expectationOf(
  config: unknown,
): { expect: FileExpectation; timeZone: string } | undefined {
  const c = config as { expect?: FileExpectation; businessDate?: { timeZone?: string } } | null;
  if (!c || typeof c !== 'object' || !c.expect || typeof c.expect.due !== 'string')
    return undefined;
  return { expect: c.expect, timeZone: c.businessDate?.timeZone ?? 'UTC' };
}

/**
 * The calendar of an expectation, built once per parsed config.
 *
 * @example
 * ```ts
 * const cal = calendarOf(cfg.expect, cfg.businessDate.timeZone);
 * ```
 */
export function calendarOf(expect: FileExpectation, fallbackZone: string): ExpectationCalendar {
  let cal = calendars.get(expect);
  if (!cal) {
    cal = expectationCalendar(expect, fallbackZone);
    calendars.set(expect, cal);
  }
  return cal;
}

/**
 * The report of a source config's expectation at `now` (its last
 * `expect.history` business dates); undefined when the source declares none.
 *
 * @example
 * ```ts
 * const report = await fileExpectationReport(store, 'sap-loads', cfg, Date.now());
 * for (const d of report?.days ?? []) console.log(d.date, d.state);
 * ```
 */
export async function fileExpectationReport(
  store: Store,
  integrationId: string,
  config: unknown,
  now: number,
): Promise<FileExpectationReport | undefined> {
  const found = expectationOf(config);
  if (!found) return undefined;
  const { expect } = found;
  const cal = calendarOf(expect, found.timeZone);
  const dates = cal.recent(now, expect.history);
  const [since, ...records] = await Promise.all([
    expectationSince(store, integrationId),
    ...dates.map((d) => readExpectation(store, integrationId, d)),
  ]);
  const days = dates
    .map((d, i) => dayState(records[i] as ExpectationRecord | undefined, expect, cal, d, now))
    .filter((d, i) => records[i] !== undefined || (since !== undefined && d.dueAt >= since));
  return { due: cal.due, timeZone: cal.timeZone, graceMs: cal.graceMs, since: since ?? null, days };
}

/**
 * The file drops' contribution to `patchbay status` (their connector specs'
 * `status`): the expectation report when the config declares `expect`.
 *
 * @example
 * ```ts
 * const { files } = await fileDropStatus(prepared.source.config, { store, integrationId: 'sap-loads', now: Date.now() });
 * ```
 */
export async function fileDropStatus(
  config: unknown,
  deps: { store: Store; integrationId: string; now: number },
): Promise<SourceStatus> {
  return { files: await fileExpectationReport(deps.store, deps.integrationId, config, deps.now) };
}
