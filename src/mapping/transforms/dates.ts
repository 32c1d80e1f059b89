/**
 * Date transforms: date with a format, datetime in a time zone, and the
 * enterprise quirks: SAP `YYYYMMDD` (with `00000000` as "no date") and
 * OData v2 `/Date(1700000000000)/`.
 */
import { FieldFailure, show, type TransformDef } from './types.js';
import {
  compileFormat,
  isCalendarDay,
  isoDay,
  parseIso,
  requireZone,
  wallMs,
  zonedToUtc,
  type DateParser,
} from './zoned.js';

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function textOf(rule: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  throw new FieldFailure(rule, `expected a date as text, got ${show(v)}`);
}

/** The number written by `count` ASCII digits from `at`, or -1 when one of them is not a digit. */
function digitsAt(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const digit = s.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    n = n * 10 + digit;
  }
  return n;
}
const ODATA = /^\/Date\((-?\d{1,15})([+-]\d{4})?\)\/$/;

/**
 * The date transforms by name: date, datetime, sap-date, odata-date.
 *
 * @example
 * ```ts
 * DATE_TRANSFORMS['sap-date'].output; // 'string'
 * ```
 */
export const DATE_TRANSFORMS: Record<string, TransformDef> = {
  date: {
    accepts: 'any',
    output: 'string',
    create(opts) {
      const format = opts.string('format');
      const parse: DateParser = format === undefined ? parseIso : compileFormat(format);
      const label = format ?? 'ISO 8601';
      return (v) => {
        if (v instanceof Date && !Number.isNaN(v.getTime())) return isoDate(v.getTime());
        const p = parse(textOf('date', v));
        if (!p || !isCalendarDay(p.year, p.month, p.day)) {
          throw new FieldFailure('date', `${show(v)} is not a date in format ${label}`);
        }
        return isoDay(p.year, p.month, p.day);
      };
    },
  },
  datetime: {
    accepts: 'any',
    output: 'string',
    create(opts) {
      const format = opts.string('format');
      const zoneName = opts.string('timezone') ?? 'UTC';
      const zone = requireZone(zoneName);
      const parse: DateParser = format === undefined ? parseIso : compileFormat(format);
      const label = format ?? 'ISO 8601';
      return (v) => {
        if (v instanceof Date && !Number.isNaN(v.getTime())) return v.toISOString();
        if (typeof v === 'number') {
          // Epoch milliseconds: already an instant.
          if (!Number.isFinite(v) || Math.abs(v) > 8.64e15) {
            throw new FieldFailure('datetime', `${v} is not an epoch time in milliseconds`);
          }
          return new Date(v).toISOString();
        }
        const parts = parse(textOf('datetime', v));
        const wall = parts && wallMs(parts);
        if (wall === undefined) {
          throw new FieldFailure('datetime', `${show(v)} is not a date-time in format ${label}`);
        }
        if (parts?.offset !== undefined)
          return new Date(wall - parts.offset * 60_000).toISOString();
        const utc = zonedToUtc(wall, zone);
        if (utc === undefined) {
          throw new FieldFailure(
            'datetime',
            `${show(v)} does not exist in ${zoneName} (skipped by a daylight-saving change)`,
          );
        }
        return new Date(utc).toISOString();
      };
    },
  },
  'sap-date': {
    accepts: 'any',
    output: 'string',
    create: () => (v) => {
      const s = textOf('sap-date', v).trim();
      // SAP writes "no date" as 00000000 (and sometimes blanks).
      if (s === '' || s === '00000000') return null;
      // YYYYMMDD read digit by digit: no match array, no substrings.
      const y = s.length === 8 ? digitsAt(s, 0, 4) : -1;
      const mo = digitsAt(s, 4, 2);
      const d = digitsAt(s, 6, 2);
      if (y < 0 || mo < 0 || d < 0 || !isCalendarDay(y, mo, d)) {
        throw new FieldFailure('sap-date', `${show(v)} is not an SAP date (YYYYMMDD)`);
      }
      return isoDay(y, mo, d);
    },
  },
  'odata-date': {
    accepts: 'any',
    output: 'string',
    create: () => (v) => {
      const m = typeof v === 'string' ? ODATA.exec(v.trim()) : null;
      const ms = m ? Number(m[1]) : NaN;
      // The milliseconds are UTC; OData v2's optional offset only says where it was written.
      if (!m || Math.abs(ms) > 8.64e15) {
        throw new FieldFailure(
          'odata-date',
          `${show(v)} is not an OData date like /Date(1700000000000)/`,
        );
      }
      return new Date(ms).toISOString();
    },
  },
};
