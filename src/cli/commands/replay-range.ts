/**
 * Validates `replay --from/--to` against how the source replays, so a typo
 * is a usage error (exit 2) before anything runs, not a failed run.
 */
import type { ReplayMode, ReplayRange } from '../../core/connector.js';
import { parseDuration } from '../../core/duration.js';
import type { JsonValue } from '../../core/json-safe.js';
import { usageError } from '../exit-codes.js';

const DATE = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
const INTEGER = /^-?\d+$/;

/**
 * A validated replay window, and its size when it can be known.
 *
 * @example
 * ```ts
 * const { range, total }: ParsedRange = parseReplayRange('offset', '100', '200', null);
 * ```
 */
export interface ParsedRange {
  range: ReplayRange;
  /** Items in the window, when from and to are numbers (offsets, numeric cursors). */
  total: number | undefined;
}

function dateValue(option: string, value: string, now: number, mode: ReplayMode): string {
  if (DATE.test(value) && !Number.isNaN(Date.parse(value))) return value;
  // "2d" means "two days ago": the usual way to say "replay the last two days".
  try {
    const ms = parseDuration(value);
    const at = new Date(now - ms).toISOString();
    return mode === 'business-date' ? at.slice(0, 10) : at;
  } catch {
    throw usageError(
      `${option} "${value}" is not a date: this source replays by ${mode}`,
      'use a date like 2026-11-17, a date-time like 2026-11-17T06:00:00Z, or an age like 2d',
    );
  }
}

function checkOrder(
  from: string,
  to: string | undefined,
  compare: (a: string, b: string) => number,
): void {
  if (to !== undefined && compare(from, to) > 0) {
    throw usageError(`--to (${to}) is before --from (${from})`);
  }
}

/**
 * Parses the replay window for a source's replay mode.
 *
 * @throws a usage error (exit 2) naming the bad option
 * @example
 * ```ts
 * parseReplayRange('checkpoint', '100', '150', 150); // { range: { from: '100', to: '150' }, total: 50 }
 * parseReplayRange('time-range', '2d', undefined, null, Date.now()).range.from; // two days ago, ISO
 * ```
 */
export function parseReplayRange(
  mode: ReplayMode,
  from: string,
  to: string | undefined,
  liveCheckpoint: JsonValue | null,
  now = Date.now(),
): ParsedRange {
  if (!from.trim())
    throw usageError('--from is empty', 'give a date, a checkpoint value or an offset');
  if (to !== undefined && !to.trim()) throw usageError('--to is empty');
  if (mode === 'time-range' || mode === 'business-date') {
    const f = dateValue('--from', from.trim(), now, mode);
    const t = to === undefined ? undefined : dateValue('--to', to.trim(), now, mode);
    checkOrder(f, t, (a, b) => Date.parse(a) - Date.parse(b));
    return { range: { from: f, to: t }, total: undefined };
  }
  // Offsets are always numbers; a checkpoint is whatever the source saves, so
  // when the live checkpoint is a number, the window must be numbers too.
  const numeric = mode === 'offset' || typeof liveCheckpoint === 'number';
  if (numeric) {
    for (const [option, value] of [
      ['--from', from],
      ['--to', to],
    ] as const) {
      if (value !== undefined && !INTEGER.test(value.trim())) {
        const example =
          typeof liveCheckpoint === 'number' ? ` (the live checkpoint is ${liveCheckpoint})` : '';
        throw usageError(
          `${option} "${value}" is not ${mode === 'offset' ? 'an offset' : 'a checkpoint value'}: this source replays by ${mode} and expects a whole number${example}`,
        );
      }
    }
    const f = from.trim();
    const t = to?.trim();
    checkOrder(f, t, (a, b) => Number(a) - Number(b));
    return {
      range: { from: f, to: t },
      total: t === undefined ? undefined : Number(t) - Number(f),
    };
  }
  return { range: { from: from.trim(), to: to?.trim() }, total: undefined };
}
