/** Daily windows in a time zone ("only between 01:00 and 05:00 Europe/Berlin"). */

const formatters = new Map<string, Intl.DateTimeFormat>();

function minutesOfDay(at: number, timeZone: string): number {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, fmt);
  }
  const parts = fmt.formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return hour * 60 + minute;
}

function parseClock(text: string): number {
  const [h, m] = text.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/**
 * True when `at` falls inside the daily window `[from, to)` in `timeZone`.
 * A window whose end is before its start crosses midnight.
 *
 * @example
 * ```ts
 * insideQuietWindow(Date.now(), { from: '22:00', to: '05:00' }, 'Europe/Berlin');
 * ```
 */
export function insideQuietWindow(
  at: number,
  window: { from: string; to: string },
  timeZone = 'UTC',
): boolean {
  const now = minutesOfDay(at, timeZone);
  const from = parseClock(window.from);
  const to = parseClock(window.to);
  if (from === to) return true;
  return from < to ? now >= from && now < to : now >= from || now < to;
}
