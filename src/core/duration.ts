/**
 * Durations everywhere in Patchbay are `number` (milliseconds) or a string
 * such as `"250ms"`, `"30s"`, `"5m"`, `"2h"`, `"1d"` or `"1h30m"`. This is
 * the one place they are parsed.
 */
import { configError } from './errors.js';

/**
 * A duration: milliseconds, or a string like `"30s"`.
 *
 * @example
 * ```ts
 * const timeout: Duration = '30s';
 * const interval: Duration = 90_000;
 * parseDuration('1h30m'); // 5_400_000
 * ```
 */
export type Duration = number | `${number}${DurationUnit}` | (string & {});
type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd';

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Parses a {@link Duration} into milliseconds.
 *
 * @param field - named in the error when the value is invalid
 * @throws a `config` PatchbayError naming the field for negative, non-finite or malformed input
 * @example
 * ```ts
 * parseDuration('1h30m'); // 5_400_000
 * parseDuration(250);     // 250
 * ```
 */
export function parseDuration(value: Duration, field = 'duration', subject = 'patchbay'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw configError(
        subject,
        field,
        'a non-negative number of milliseconds or a string like "30s"',
      );
    }
    return value;
  }
  if (typeof value !== 'string') {
    throw configError(
      subject,
      field,
      'a non-negative number of milliseconds or a string like "30s"',
    );
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m) {
      throw configError(
        subject,
        field,
        `a duration like "250ms", "30s", "5m", "2h" or "1h30m" (got "${text}")`,
      );
    }
    total += Number(m[1]) * UNIT_MS[m[2] as DurationUnit];
    pos = PART.lastIndex;
  }
  if (text.length === 0) {
    throw configError(subject, field, 'a duration like "30s" (got an empty string)');
  }
  return total;
}

/**
 * Formats milliseconds for people: `90_000` → `"1m30s"`.
 *
 * @example
 * ```ts
 * formatDuration(5_400_000); // "1h30m"
 * ```
 */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('');
}
