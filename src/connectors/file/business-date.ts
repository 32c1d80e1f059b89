/**
 * The business date of a file: from its name (ERP exports carry the date they
 * are for) or, failing that, its arrival time in the integration's time zone,
 * because "the file of the 17th" is a local-calendar idea, not a UTC one.
 */
import { PatchbayError } from '../../core/errors.js';

/**
 * A business date as `YYYY-MM-DD`.
 *
 * @example
 * ```ts
 * // the date an ERP export is for, else the local calendar day it arrived on
 * const date: BusinessDate =
 *   dateFromName('MATMAS_20261117.csv', /_(?<date>\d{8})\.csv$/) ??
 *   dateInZone(Date.now(), 'Europe/Berlin'); // '2026-11-17'
 * ```
 */
export type BusinessDate = string;

function valid(y: string, m: string, d: string): BusinessDate | undefined {
  const iso = `${y}-${m}-${d}`;
  const at = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === iso ? iso : undefined;
}

/**
 * Reads the business date from a file name with a pattern that has named
 * groups `year`, `month`, `day` or one `date` group (`YYYYMMDD` or
 * `YYYY-MM-DD`). Returns undefined when the name does not match.
 *
 * @throws a `validation` error when the name matches but the date is impossible (2026-02-30)
 * @example
 * ```ts
 * dateFromName('MATMAS_20261117.csv', /_(?<date>\d{8})\.csv$/); // '2026-11-17'
 * ```
 */
export function dateFromName(name: string, pattern: RegExp): BusinessDate | undefined {
  const g = pattern.exec(name)?.groups;
  if (!g) return undefined;
  let parts: [string, string, string] | undefined;
  if (g['year'] && g['month'] && g['day']) parts = [g['year'], g['month'], g['day']];
  else if (g['date']) {
    const digits = g['date'].replace(/-/g, '');
    if (/^\d{8}$/.test(digits)) parts = [digits.slice(0, 4), digits.slice(4, 6), digits.slice(6)];
  }
  const date = parts && valid(...parts);
  if (!date) {
    throw new PatchbayError('validation', `file name ${name} carries no valid business date`, {
      code: 'BAD_BUSINESS_DATE',
      retryable: false,
      details: { file: name, pattern: pattern.source },
    });
  }
  return date;
}

/**
 * The calendar date of an instant in a time zone.
 *
 * @example
 * ```ts
 * dateInZone(Date.parse('2026-11-16T23:30:00Z'), 'Europe/Berlin'); // '2026-11-17'
 * ```
 */
export function dateInZone(at: number, timeZone: string): BusinessDate {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(at));
}

/**
 * The business date of a file: by name when a pattern is configured (a name
 * that does not match is an error, never a silent fallback), else by arrival.
 *
 * @example
 * ```ts
 * businessDate('orders.csv', Date.now(), { timeZone: 'Europe/Berlin' }); // today in Berlin
 * ```
 */
export function businessDate(
  name: string,
  arrivedAt: number,
  opts: { fromName?: string | undefined; timeZone: string },
): BusinessDate {
  if (opts.fromName === undefined) return dateInZone(arrivedAt, opts.timeZone);
  const date = dateFromName(name, new RegExp(opts.fromName));
  if (date === undefined) {
    throw new PatchbayError(
      'validation',
      `file name ${name} does not match the business-date pattern`,
      {
        code: 'BAD_BUSINESS_DATE',
        retryable: false,
        details: { file: name, pattern: opts.fromName },
      },
    );
  }
  return date;
}
