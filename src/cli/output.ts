/**
 * Output helpers: JSON for machines, aligned plain text for people. No
 * colours, so output reads the same in a terminal, a log file and a CI job.
 */
import { formatDuration } from '../core/duration.js';
import type { CliIo } from './io.js';

/**
 * Writes a value as pretty JSON plus a newline on stdout.
 *
 * @example
 * ```ts
 * printJson(io, { integrations: statuses });
 * ```
 */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes lines of text on stdout.
 *
 * @example
 * ```ts
 * print(io, 'dropped 3 dead letters');
 * ```
 */
export function print(io: CliIo, ...lines: string[]): void {
  io.stdout.write(lines.map((l) => `${l}\n`).join(''));
}

/**
 * "3m ago" / "in 2h" relative to `now`; `never` for null.
 *
 * @example
 * ```ts
 * ago(Date.now() - 90_000, Date.now()); // '1m30s ago'
 * ```
 */
export function ago(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined) return 'never';
  const diff = now - at;
  if (Math.abs(diff) < 1000) return 'just now';
  return diff >= 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`;
}

/**
 * An epoch time as ISO 8601 (UTC), or `-`.
 *
 * @example
 * ```ts
 * isoTime(0); // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function isoTime(at: number | null | undefined): string {
  return at === null || at === undefined ? '-' : new Date(at).toISOString();
}

/**
 * Left-aligned columns separated by two spaces; the first row is the header.
 *
 * @example
 * ```ts
 * print(io, ...table([['ID', 'STATUS'], ['orders', 'succeeded']]));
 * ```
 */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * Shortens text to `max` characters with an ellipsis, on one line.
 *
 * @example
 * ```ts
 * truncate('a very long message', 10); // 'a very lo…'
 * ```
 */
export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Item counters of a run in one line.
 *
 * @example
 * ```ts
 * countsLine({ read: 50, written: 45, skipped: 0, deadLettered: 5 }); // 'read 50, written 45, skipped 0, dead-lettered 5'
 * ```
 */
export function countsLine(counts: {
  read: number;
  written: number;
  skipped: number;
  deadLettered: number;
}): string {
  return `read ${counts.read}, written ${counts.written}, skipped ${counts.skipped}, dead-lettered ${counts.deadLettered}`;
}
