/**
 * Date formats and time zones: a strftime-style format is compiled once into
 * a regular expression, and wall-clock times in an IANA zone are turned into
 * instants with the platform's Intl data (no time-zone library needed).
 */
import { OptionError } from './types.js';

/**
 * The parts a format can capture.
 *
 * @example
 * ```ts
 * const p: DateParts = { year: 2026, month: 1, day: 31, hour: 0, minute: 0, second: 0, ms: 0 };
 * ```
 */
export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Minutes east of UTC, when the text carried an offset. */
  offset?: number;
}

type Setter = (p: DateParts, s: string) => void;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function offsetMinutes(s: string): number {
  if (s === 'Z' || s === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(s);
  const minutes = Number(m?.[2]) * 60 + Number(m?.[3]);
  return m?.[1] === '-' ? -minutes : minutes;
}

const DIRECTIVES: Record<string, [string, Setter]> = {
  Y: ['(\\d{4})', (p, s) => (p.year = Number(s))],
  y: ['(\\d{2})', (p, s) => (p.year = Number(s) + (Number(s) < 70 ? 2000 : 1900))],
  m: ['(\\d{2})', (p, s) => (p.month = Number(s))],
  '-m': ['(\\d{1,2})', (p, s) => (p.month = Number(s))],
  d: ['(\\d{2})', (p, s) => (p.day = Number(s))],
  '-d': ['(\\d{1,2})', (p, s) => (p.day = Number(s))],
  H: ['(\\d{2})', (p, s) => (p.hour = Number(s))],
  '-H': ['(\\d{1,2})', (p, s) => (p.hour = Number(s))],
  M: ['(\\d{2})', (p, s) => (p.minute = Number(s))],
  S: ['(\\d{2})', (p, s) => (p.second = Number(s))],
  f: ['(\\d{1,9})', (p, s) => (p.ms = Math.floor(Number(s.padEnd(9, '0')) / 1e6))],
  b: ['([A-Za-z]{3})', (p, s) => (p.month = MONTHS.indexOf(s.toLowerCase()) + 1)],
  z: ['(Z|z|[+-]\\d{2}:?\\d{2})', (p, s) => (p.offset = offsetMinutes(s))],
};

/**
 * A compiled date format.
 *
 * @example
 * ```ts
 * const parse: DateParser = compileFormat('%Y%m%d');
 * ```
 */
export type DateParser = (text: string) => DateParts | undefined;

/**
 * Compiles a strftime-style format (`%Y %y %m %-m %d %-d %H %-H %M %S %f %b %z %%`)
 * into a parser. Throws an {@link OptionError} on `format` for unknown directives.
 *
 * @example
 * ```ts
 * const parse = compileFormat('%d.%m.%Y');
 * parse('31.01.2026'); // { year: 2026, month: 1, day: 31, hour: 0, ... }
 * ```
 */
export function compileFormat(format: string): DateParser {
  let pattern = '';
  const setters: Setter[] = [];
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string;
    if (ch !== '%') {
      pattern += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    let key = format[++i] ?? '';
    if (key === '-') key += format[++i] ?? '';
    if (key === '%') {
      pattern += '%';
      continue;
    }
    const directive = DIRECTIVES[key];
    if (!directive) {
      throw new OptionError('format', `unknown directive %${key} in "${format}"`);
    }
    pattern += directive[0];
    setters.push(directive[1]);
  }
  const re = new RegExp(`^${pattern}$`);
  return (text) => {
    const m = re.exec(text.trim());
    if (!m) return undefined;
    const p: DateParts = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
    for (let i = 0; i < setters.length; i++) (setters[i] as Setter)(p, m[i + 1] as string);
    return p;
  };
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parses ISO 8601 (`2026-03-29T02:30:00`, with optional fraction and offset).
 *
 * @example
 * ```ts
 * parseIso('2026-01-31T08:00:00+01:00')?.offset; // 60
 * ```
 */
export function parseIso(text: string): DateParts | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    ms: m[7] ? Math.floor(Number(m[7].padEnd(9, '0')) / 1e6) : 0,
    ...(m[8] ? { offset: offsetMinutes(m[8]) } : {}),
  };
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether year, month and day name a real calendar day (proleptic Gregorian).
 * Plain arithmetic: building a Date per row costs more than the whole field.
 *
 * @example
 * ```ts
 * isCalendarDay(2024, 2, 29); // true
 * isCalendarDay(2026, 2, 29); // false
 * ```
 */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (DAYS[month - 1] as number) + (leap ? 1 : 0);
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/**
 * Formats year, month and day as an ISO date (`YYYY-MM-DD`).
 *
 * @example
 * ```ts
 * isoDay(2026, 1, 5); // '2026-01-05'
 * ```
 */
export function isoDay(year: number, month: number, day: number): string {
  const y = year >= 0 && year < 10000 ? String(year).padStart(4, '0') : String(year);
  return `${y}-${pad2(month)}-${pad2(day)}`;
}

/**
 * The parts as a UTC wall-clock millisecond value, or `undefined` when they
 * name no real moment (31 February, hour 24, second 61).
 *
 * @example
 * ```ts
 * wallMs({ year: 2026, month: 2, day: 30, hour: 0, minute: 0, second: 0, ms: 0 }); // undefined
 * ```
 */
export function wallMs(p: DateParts): number | undefined {
  if (p.month < 1 || p.month > 12 || p.hour > 23 || p.minute > 59 || p.second > 59) {
    return undefined;
  }
  const ms = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.ms);
  const d = new Date(ms);
  if (
    d.getUTCFullYear() !== p.year ||
    d.getUTCDate() !== p.day ||
    d.getUTCMonth() !== p.month - 1
  ) {
    return undefined;
  }
  return ms;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Checks an IANA zone name at load; throws an {@link OptionError} on `timezone`.
 *
 * @example
 * ```ts
 * requireZone('Europe/Berlin');
 * ```
 */
export function requireZone(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new OptionError(
        'timezone',
        `unknown time zone "${zone}" (use an IANA name like Europe/Berlin)`,
      );
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` at instant `utc`, in ms (wall clock minus UTC). */
function offsetAt(f: Intl.DateTimeFormat, utc: number): number {
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(utc)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const wall = Date.UTC(
    parts['year'] as number,
    (parts['month'] as number) - 1,
    parts['day'],
    parts['hour'],
    parts['minute'],
    parts['second'],
  );
  return wall - (utc - (((utc % 1000) + 1000) % 1000));
}

/**
 * The instant at which the wall clock in `zone` shows `wall` (a UTC-encoded
 * wall time). At a fall-back transition the earlier instant is chosen; a
 * time inside a spring-forward gap does not exist and gives `undefined`.
 *
 * @example
 * ```ts
 * zonedToUtc(Date.UTC(2026, 0, 1, 12), requireZone('Europe/Berlin')); // 2026-01-01T11:00Z
 * ```
 */
export function zonedToUtc(wall: number, f: Intl.DateTimeFormat): number | undefined {
  const before = offsetAt(f, wall - 86_400_000);
  const after = offsetAt(f, wall + 86_400_000);
  const candidates = [wall - before, wall - after].filter((t) => t + offsetAt(f, t) === wall);
  return candidates.length === 0 ? undefined : Math.min(...candidates);
}
