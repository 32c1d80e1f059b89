/**
 * The alerting loop's half of file expectations: each evaluation takes the
 * business dates in every status (`status.files`), sets the per-state gauge
 * and counts each date that became late, missing, duplicate or failed exactly
 * once. "Counted" is remembered in the date's record in the store, so a
 * restart, or a second process, never counts a date twice.
 */
import { markExpectationSince, updateExpectation } from '../connectors/file/expect-log.js';
import { EXPECTATION_STATES } from '../connectors/file/expect-state.js';
import { expectationMetrics } from '../observability/expectation-metrics.js';
import type { PatchbayMetrics } from '../observability/metrics.js';
import type { IntegrationStatus } from '../runtime/status.js';
import type { Store } from '../store/types.js';

const COUNTED = new Set(['late', 'missing', 'duplicate', 'failed']);

/**
 * One business date that became late, missing, duplicate or failed.
 *
 * @example
 * ```ts
 * const t: FileTransition = { integration: 'sap-loads', date: '2026-11-17', state: 'missing' };
 * ```
 */
export interface FileTransition {
  integration: string;
  date: string;
  state: string;
}

/**
 * Updates the expectation gauges and counts new transitions; returns them.
 *
 * @example
 * ```ts
 * const statuses = await runtime.status();
 * const fresh = await trackFileExpectations(store, statuses, Date.now(), metrics);
 * for (const t of fresh) logger.info(t, 'file expectation changed');
 * ```
 */
export async function trackFileExpectations(
  store: Store,
  statuses: readonly IntegrationStatus[],
  now: number,
  metrics?: Pick<PatchbayMetrics, 'registry'>,
): Promise<FileTransition[]> {
  const m = metrics ? expectationMetrics(metrics) : undefined;
  const out: FileTransition[] = [];
  for (const status of statuses) {
    if (!status.files) continue;
    // Watching starts with the first evaluation (or run) that sees the expectation.
    if (status.files.since === null) await markExpectationSince(store, status.id, now);
    const days = status.files.days;
    const counts = Object.fromEntries(EXPECTATION_STATES.map((s) => [s, 0]));
    for (const day of days) counts[day.state] = (counts[day.state] ?? 0) + 1;
    m?.setFileStates(status.id, counts);
    for (const day of days) {
      if (!COUNTED.has(day.state)) continue;
      let added = false;
      await updateExpectation(store, status.id, day.date, (r) => {
        added = !r.counted.includes(day.state);
        if (!added) return false;
        r.counted.push(day.state);
      });
      if (!added) continue;
      m?.countFileEvent(status.id, day.state);
      out.push({ integration: status.id, date: day.date, state: day.state });
    }
  }
  return out;
}
