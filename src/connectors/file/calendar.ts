/**
 * The business-day calendar of a file expectation: which business dates
 * expect files (weekdays minus holidays) and the instant each is due. Due
 * times are wall-clock times in the expectation's time zone, converted with
 * the project's Intl-based zone helpers, so "02:00 Europe/Berlin" is 01:00 UTC
 * in winter and 00:00 UTC in summer, and a due time inside the spring-forward
 * gap moves forward by the gap (02:30 on 2026-03-29 is 03:30 CEST).
 */
import { parseDuration } from '../../core/duration.js';
import { requireZone, zonedToUtc } from '../../mapping/transforms/zoned.js';
import { dateInZone, type BusinessDate } from './business-date.js';
import { readHolidaysFile, weekdayNumber, type FileExpectation } from './expect-config.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The date `n` calendar days after `date` (negative: before).
 *
 * @example
 * ```ts
 * addDays('2026-12-31', 1); // '2027-01-01'
 * ```
 */
export function addDays(date: BusinessDate, n: number): BusinessDate {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * A resolved expectation calendar.
 *
 * @example
 * ```ts
 * const cal: ExpectationCalendar = expectationCalendar({ due: '02:00', timezone: 'Europe/Berlin', days: 'business', holidays: [], dueAfterDays: 0, grace: '30m', history: 7 }, 'UTC');
 * cal.isExpected('2026-11-21'); // false (a Saturday)
 * ```
 */
export interface ExpectationCalendar {
  readonly timeZone: string;
  /** The `expect.due` text, e.g. `02:00`. */
  readonly due: string;
  readonly graceMs: number;
  /** Whether files are expected for this business date. */
  isExpected(date: BusinessDate): boolean;
  /** The instant the files of `date` are due. */
  dueAt(date: BusinessDate): number;
  /**
   * The newest `count` expected business dates whose due day is today or
   * earlier in the calendar's time zone, newest first (today's may still be pending).
   */
  recent(now: number, count: number): BusinessDate[];
}

/**
 * The instant the wall clock in `timeZone` shows `time` (HH:MM) on `date`.
 * At a fall-back the earlier instant; inside a spring-forward gap, the wall
 * time shifted forward by the gap.
 *
 * @example
 * ```ts
 * zonedInstant('2026-11-17', '02:00', 'Europe/Berlin'); // Date.UTC(2026, 10, 17, 1)
 * ```
 */
export function zonedInstant(date: BusinessDate, time: string, timeZone: string): number {
  const [h, m] = time.split(':').map(Number);
  const wall = Date.parse(`${date}T00:00:00Z`) + (h ?? 0) * HOUR_MS + (m ?? 0) * 60_000;
  const zone = requireZone(timeZone);
  const exact = zonedToUtc(wall, zone);
  if (exact !== undefined) return exact;
  // In a spring-forward gap: read the wall time with the offset in force a day
  // before, which moves it forward by the size of the gap.
  const dayBefore = zonedToUtc(wall - DAY_MS, zone);
  return dayBefore === undefined ? wall : wall - (wall - DAY_MS - dayBefore);
}

/**
 * Builds the calendar of an `expect` option; `fallbackZone` is the drop's
 * `businessDate.timeZone`. Reads `holidaysFile` once, here.
 *
 * @example
 * ```ts
 * const cal = expectationCalendar(cfg.expect, cfg.businessDate.timeZone);
 * cal.dueAt('2026-11-17'); // 2026-11-17T01:00:00Z for 02:00 Europe/Berlin
 * ```
 */
export function expectationCalendar(
  expect: FileExpectation,
  fallbackZone: string,
): ExpectationCalendar {
  const timeZone = expect.timezone ?? fallbackZone;
  const weekdays = new Set(
    expect.days === 'business'
      ? [1, 2, 3, 4, 5]
      : expect.days === 'daily'
        ? [0, 1, 2, 3, 4, 5, 6]
        : expect.days.map(weekdayNumber),
  );
  const holidays = new Set([
    ...expect.holidays,
    ...(expect.holidaysFile === undefined ? [] : readHolidaysFile(expect.holidaysFile)),
  ]);
  const isExpected = (date: BusinessDate) =>
    weekdays.has(new Date(`${date}T00:00:00Z`).getUTCDay()) && !holidays.has(date);
  const dueAt = (date: BusinessDate) =>
    zonedInstant(addDays(date, expect.dueAfterDays), expect.due, timeZone);
  return {
    timeZone,
    due: expect.due,
    graceMs: parseDuration(expect.grace, 'expect.grace', 'file-drop'),
    isExpected,
    dueAt,
    recent(now, count) {
      const out: BusinessDate[] = [];
      // The business date whose files are due today, then backwards; a year bounds the walk.
      let date = addDays(dateInZone(now, timeZone), -expect.dueAfterDays);
      for (let i = 0; i < 366 && out.length < count; i++, date = addDays(date, -1)) {
        if (isExpected(date)) out.push(date);
      }
      return out;
    },
  };
}
