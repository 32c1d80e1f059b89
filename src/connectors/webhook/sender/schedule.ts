/**
 * The delivery schedule of the sender, the one the Standard Webhooks and
 * Svix documentation give: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h and 10 h after each failed attempt (8 attempts over about 28 hours).
 */

/**
 * Delay before each attempt, in ms; index 0 is the first attempt.
 *
 * @example
 * ```ts
 * DELIVERY_SCHEDULE_MS.length; // 8 attempts
 * ```
 */
export const DELIVERY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

/**
 * When to try again after `attempts` failed attempts, or `null` when the
 * schedule is used up. A longer `Retry-After` from the endpoint wins.
 *
 * @example
 * ```ts
 * nextAttemptAt(1, now);         // now + 5 s
 * nextAttemptAt(1, now, 60_000); // now + 60 s (Retry-After)
 * nextAttemptAt(8, now);         // null: dead letter
 * ```
 */
export function nextAttemptAt(
  attempts: number,
  now: number,
  retryAfterMs?: number,
  schedule: readonly number[] = DELIVERY_SCHEDULE_MS,
): number | null {
  const delay = schedule[attempts];
  if (delay === undefined) return null;
  return now + Math.max(delay, retryAfterMs ?? 0);
}
