/**
 * File expectations as alerts: a file drop's `expect` option ("due by 02:00
 * Europe/Berlin on business days") is judged per business date in the
 * integration's status (`status.files`), and each date and condition is its
 * own alert, `file:missing:<date>`, `file:failed:<date>` or
 * `file:duplicate:<date>`, opened once and kept in the store like every alert.
 *
 * - missing: due + grace passed with no complete arrival (critical); resolves
 *   when the file arrives late.
 * - failed: a file of the date could not be parsed (critical); resolves when
 *   a corrected file is processed.
 * - duplicate: a second copy with other content was set aside (warning);
 *   resolves `duplicateQuietMs` (24 h) after the last one.
 *
 * Non-business days and holidays are never in the report, so they never alert.
 * A date older than the expectation's `history` leaves the report and its
 * alert resolves with it.
 */
import { formatDuration } from '../../core/duration.js';
import type {
  FileExpectationDay,
  FileExpectationReport,
} from '../../connectors/file/expect-state.js';
import type { AlertRule, RuleFinding } from './types.js';

/**
 * How long a duplicate-file alert stays open after the last duplicate: 24 h.
 *
 * @example
 * ```ts
 * fileExpectationRule({ duplicateQuietMs: DEFAULT_DUPLICATE_QUIET_MS / 2 });
 * ```
 */
export const DEFAULT_DUPLICATE_QUIET_MS = 24 * 3_600_000;

function localTime(at: number, timeZone: string): string {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return `${f.format(at).replace(',', '')} ${timeZone}`;
}

function expected(day: FileExpectationDay, r: FileExpectationReport): string {
  const grace = r.graceMs > 0 ? ` (+${formatDuration(r.graceMs)} grace)` : '';
  return `files of business date ${day.date} by ${localTime(day.dueAt, r.timeZone)}${grace}`;
}

function findingsOf(
  r: FileExpectationReport,
  now: number,
  quietMs: number,
): Record<string, RuleFinding> {
  const out: Record<string, RuleFinding> = {};
  for (const day of r.days) {
    if (day.state === 'missing') {
      out[`missing:${day.date}`] = {
        severity: 'critical',
        expected: expected(day, r),
        actual: `nothing arrived; ${formatDuration(Math.max(0, now - day.dueAt))} past due`,
      };
    }
    if (day.state === 'failed') {
      const f = day.failures.at(-1)!;
      out[`failed:${day.date}`] = {
        severity: 'critical',
        expected: expected(day, r),
        actual: `${f.name} could not be parsed: ${f.reason ?? 'unknown reason'}`,
        fingerprint: String(day.failures.length),
      };
    }
    const dup = day.duplicates.at(-1);
    if (dup && now - dup.at < quietMs) {
      out[`duplicate:${day.date}`] = {
        severity: 'warning',
        expected: `one copy of each file for business date ${day.date}`,
        actual: `duplicate ${dup.name} with other content at ${localTime(dup.at, r.timeZone)}; not loaded (archived under duplicates/)`,
        fingerprint: String(day.duplicates.length),
      };
    }
  }
  return out;
}

/**
 * The file-expectation rule (on by default; `alerts.rules.files: false` turns it off).
 *
 * @example
 * ```ts
 * const engine = new AlertEngine({ store, rules: [fileExpectationRule()], route: ['hook'] });
 * ```
 */
export function fileExpectationRule(options: { duplicateQuietMs?: number } = {}): AlertRule {
  const quietMs = options.duplicateQuietMs ?? DEFAULT_DUPLICATE_QUIET_MS;
  return {
    condition: 'file',
    evaluate({ status }, { now }) {
      // Integrations without expectations report none, so a removed `expect` resolves its alerts.
      const findings = status.files ? findingsOf(status.files, now, quietMs) : {};
      return { finding: undefined, findings };
    },
  };
}
