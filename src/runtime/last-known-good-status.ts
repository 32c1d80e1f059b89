/**
 * "Serving last-known-good data" as the status sees it. While a source keeps
 * failing (vendor down, breaker open), what the integration delivered
 * downstream is the data of its last successful run: the last known good.
 * The status says so, with its age and whether it is past the declared
 * maximum age, so an operator (and anyone reading the destination) knows
 * the data is old and why, instead of just "stale".
 *
 * Derived from the run history only: no extra state is stored.
 */
import type { RunRecord } from '../store/types.js';

/**
 * The last-known-good data of an integration whose source is failing.
 *
 * @example
 * ```ts
 * const lkg: LastKnownGoodStatus = { asOf: 1_700_000_000_000, ageSeconds: 42, stale: true, failingSince: 1_700_000_030_000, failedRuns: 3, cause: 'circuit_open' };
 * ```
 */
export interface LastKnownGoodStatus {
  /** When the data held downstream was last refreshed: the last successful run's end. */
  asOf: number;
  ageSeconds: number;
  /** True when older than the integration's declared maximum age. */
  stale: boolean;
  /** Start of the first failed live run after the last success. */
  failingSince: number;
  /** Failed live runs since the last success (among the runs read). */
  failedRuns: number;
  /** Error kind of the newest failed run, e.g. `circuit_open` or `http_5xx`. */
  cause: string;
}

/**
 * The last-known-good status: non-null when the newest finished live run
 * failed and an earlier one succeeded (or was partial).
 *
 * @param recent - runs newest first, as `store.runs.list` returns them
 * @param freshnessLimitSeconds - the declared maximum age, or null for none
 * @example
 * ```ts
 * const lkg = lastKnownGoodOf(await store.runs.list('gps'), 300, Date.now());
 * if (lkg?.stale) console.warn(`gps: last-known-good data as of ${new Date(lkg.asOf).toISOString()} (stale, ${lkg.cause})`);
 * ```
 */
export function lastKnownGoodOf(
  recent: readonly RunRecord[],
  freshnessLimitSeconds: number | null,
  now: number,
): LastKnownGoodStatus | null {
  const finished = recent.filter((r) => r.mode === 'live' && r.finishedAt !== null);
  const newest = finished[0];
  if (newest?.status !== 'failed') return null;
  const successAt = finished.findIndex((r) => r.status === 'succeeded' || r.status === 'partial');
  if (successAt < 0) return null;
  const success = finished[successAt]!;
  const failed = finished.slice(0, successAt).filter((r) => r.status === 'failed');
  const asOf = success.finishedAt!;
  const ageSeconds = Math.max(0, Math.round((now - asOf) / 1000));
  return {
    asOf,
    ageSeconds,
    stale: freshnessLimitSeconds !== null && ageSeconds > freshnessLimitSeconds,
    failingSince: failed.at(-1)!.startedAt,
    failedRuns: failed.length,
    cause: newest.error?.kind ?? 'unknown',
  };
}
