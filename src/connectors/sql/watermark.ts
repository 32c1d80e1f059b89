/**
 * Watermark values as the drivers return them (numbers, numeric strings,
 * timestamp text with microseconds) and the arithmetic the lookback window
 * needs: an ordering number, and "value minus lookback" in the value's own
 * format, so the database compares it the way it compares the column.
 */

/**
 * A watermark as kept in a checkpoint: JSON, exact.
 *
 * @example
 * ```ts
 * const wm: WatermarkValue = '2026-11-23 12:00:00.000001';
 * ```
 */
export type WatermarkValue = string | number;

const TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

interface ParsedTime {
  /** Microseconds since the epoch (naive times read as UTC). */
  micros: number;
  separator: string;
  fractionDigits: number;
  zone: string | undefined;
  dateOnly: boolean;
}

function parseTime(value: string): ParsedTime | undefined {
  const m = TIME.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, sep, h, mi, s, frac, zone] = m;
  let ms = Date.UTC(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
  );
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0)) * 60_000;
  }
  const fraction = (frac ?? '').padEnd(6, '0').slice(0, 6);
  return {
    micros: ms * 1000 + Number(fraction),
    separator: sep ?? ' ',
    fractionDigits: frac?.length ?? 0,
    zone,
    dateOnly: h === undefined,
  };
}

/**
 * A number that orders watermark values: numbers as they are, timestamps as
 * microseconds since the epoch. `undefined` when the value is neither.
 *
 * @example
 * ```ts
 * watermarkOrder('2026-11-23 12:00:00.000001') > watermarkOrder('2026-11-23 12:00:00'); // true
 * ```
 */
export function watermarkOrder(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'string') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return parseTime(value)?.micros;
}

/**
 * The item time (ms since the epoch) a watermark stands for, when it is a timestamp.
 *
 * @example
 * ```ts
 * watermarkTime('2026-11-23T12:00:00Z'); // 1795435200000
 * ```
 */
export function watermarkTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parseTime(value);
  return parsed ? Math.floor(parsed.micros / 1000) : undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `value` minus the lookback, in the value's own format. For timestamps
 * `lookbackMs` is milliseconds; for numbers it is in the column's units.
 * Returns `undefined` when the value cannot be understood (no lookback then).
 *
 * @example
 * ```ts
 * minusLookback('2026-11-23 12:00:00.500', 60_000); // '2026-11-23 11:59:00.500'
 * minusLookback(1000, 50); // 950
 * ```
 */
export function minusLookback(value: WatermarkValue, lookback: number): WatermarkValue | undefined {
  if (typeof value === 'number') return value - lookback;
  if (/^-?\d+(\.\d+)?$/.test(value.trim())) return String(Number(value) - lookback);
  const t = parseTime(value);
  if (!t) return undefined;
  const micros = t.micros - lookback * 1000;
  const date = new Date(Math.floor(micros / 1000));
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  if (t.dateOnly) return day;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const sub = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  const fraction = t.fractionDigits > 0 ? `.${sub.slice(0, Math.min(6, t.fractionDigits))}` : '';
  const zone = t.zone === undefined ? '' : t.zone === 'Z' ? 'Z' : '+00:00';
  return `${day}${t.separator}${time}${fraction}${zone}`;
}

/**
 * A bound given by a person (`--from`, `initialValue`) in the form the
 * dialect compares correctly. MySQL/MariaDB DATETIME has no zone and
 * truncates `...Z` or `+02:00` with a warning instead of converting, so
 * zoned times become UTC `YYYY-MM-DD HH:MM:SS.ffffff` there; other values
 * pass unchanged.
 *
 * @example
 * ```ts
 * boundFor('mysql', '2026-11-17T06:00:00+02:00'); // '2026-11-17 04:00:00.000000'
 * ```
 */
export function boundFor(dialect: string, value: unknown): unknown {
  if (dialect !== 'mysql' || typeof value !== 'string') return value;
  const t = parseTime(value);
  if (!t || t.zone === undefined) return value;
  const date = new Date(Math.floor(t.micros / 1000));
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day} ${time}.${String(t.micros % 1_000_000).padStart(6, '0')}`;
}
