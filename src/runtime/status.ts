/**
 * The status of every integration, read from the store so that `patchbay
 * status` in another process sees what the running runtime did.
 */
import type { FileExpectationReport } from '../core/source-status.js';
import type { JsonValue } from '../core/json-safe.js';
import { parseSnapshot } from '../policies/breaker-state.js';
import { resolvePolicies } from '../policies/options.js';
import { readDrift, type DriftRecord } from '../store/drift-log.js';
import { readPause, type PauseRecord } from '../store/pause-state.js';
import type { RunRecord, Store } from '../store/types.js';
import { lastKnownGoodOf, type LastKnownGoodStatus } from './last-known-good-status.js';
import { sinkBreakerName } from './guards.js';
import type { PreparedIntegration } from './prepare.js';

const ERROR_WINDOW_MS = 24 * 3_600_000;

/**
 * The freshness of one entity stream of an integration. A stream's age is the
 * time since its checkpoint was last saved, i.e. since the runtime last
 * acknowledged delivered data on it (the checkpoint rule saves a position only
 * after everything before it was written or dead-lettered). Unlike the
 * integration's age, a run that read nothing does not refresh a stream: the
 * runtime cannot tell a quiet stream from a stuck one.
 *
 * @example
 * ```ts
 * const s: StreamFreshness = { stream: 'positions', lastDeliveryAt: 1_700_000_000_000, freshnessSeconds: 120, stale: false };
 * ```
 */
export interface StreamFreshness {
  stream: string;
  lastDeliveryAt: number;
  freshnessSeconds: number;
  /** True when older than the integration's declared maximum age. */
  stale: boolean;
}

/**
 * One integration's line in `patchbay status`.
 *
 * @example
 * ```ts
 * for (const s of await runtime.status()) {
 *   const age = s.freshnessSeconds === null ? 'never succeeded' : `${s.freshnessSeconds}s old`;
 *   console.log(`${s.id} (${s.owner}): ${s.lastRun?.status ?? 'no runs'}, ${age}, breakers ${s.breaker}/${s.sinkBreaker} (source/sink), ${s.deadLetters} dead letters`);
 *   if (s.stale || s.paused) console.warn(`${s.id} needs attention`);
 * }
 * ```
 */
export interface IntegrationStatus {
  id: string;
  pattern: string;
  owner: string;
  lastRun: Pick<
    RunRecord,
    'id' | 'status' | 'startedAt' | 'finishedAt' | 'trigger' | 'mode'
  > | null;
  lastSuccessAt: number | null;
  /** Seconds since the last successful run finished; null before the first. */
  freshnessSeconds: number | null;
  /** The declared maximum age, in seconds. */
  freshnessLimitSeconds: number | null;
  /** True when the last success is older than the declared maximum age (or there was none). */
  stale: boolean;
  /** Errors by kind over the runs of the last 24 hours. */
  errorsByKind: Record<string, number>;
  deadLetters: number;
  /** The source's circuit breaker (`<id>`) from the store: closed, open, half_open, isolated; `off` when the integration has no breaker. */
  breaker: string;
  /** The breaker of steps and sink writes (`<id>:sink`), same values. */
  sinkBreaker: string;
  checkpoint: JsonValue | null;
  /** Per entity stream (one per saved checkpoint), by stream name. */
  streams: StreamFreshness[];
  /** Source schema drift recorded by a mapping step, acknowledged or not; null when none. */
  drift: DriftRecord | null;
  /** Set while the integration is paused (by a `pause` drift policy or an operator); live runs are refused. */
  paused: PauseRecord | null;
  /**
   * Set while the source is failing after an earlier success: the data
   * downstream is the last known good, as of the last success, marked stale
   * once older than the maximum age; null otherwise.
   */
  lastKnownGood: LastKnownGoodStatus | null;
  /**
   * File drops with an `expect` option: the due time and the newest business
   * dates (newest first) with their state: pending, arrived, late, missing,
   * duplicate or failed. Absent for other sources.
   */
  files?: FileExpectationReport | undefined;
}

/**
 * The breakers in words: the source's state, and the sink side's only when it
 * is neither closed nor off (a healthy line stays as short as it was).
 *
 * @example
 * ```ts
 * describeBreakers({ breaker: 'closed', sinkBreaker: 'open' }); // 'closed (source), open (sink)'
 * describeBreakers({ breaker: 'open', sinkBreaker: 'closed' }); // 'open'
 * ```
 */
export function describeBreakers(s: Pick<IntegrationStatus, 'breaker' | 'sinkBreaker'>): string {
  if (s.sinkBreaker === 'closed' || s.sinkBreaker === 'off') return s.breaker;
  return `${s.breaker} (source), ${s.sinkBreaker} (sink)`;
}

function ageSeconds(now: number, at: number): number {
  return Math.max(0, Math.round((now - at) / 1000));
}

/**
 * Reads the status of one integration.
 *
 * @example
 * ```ts
 * const s = await integrationStatus(store, prepared, Date.now());
 * if (s.stale) alert(`${s.id} is stale`);
 * ```
 */
export async function integrationStatus(
  store: Store,
  prepared: PreparedIntegration,
  now: number,
): Promise<IntegrationStatus> {
  const def = prepared.definition;
  const [latest, recent, deadLetters, breaker, sinkBreaker, checkpoints, drift, paused] =
    await Promise.all([
      store.runs.latest(prepared.id),
      store.runs.list(prepared.id, { limit: 200 }),
      store.deadLetters.count(prepared.id),
      store.policyState.get(`breaker:${prepared.id}`),
      store.policyState.get(`breaker:${sinkBreakerName(prepared.id)}`),
      store.checkpoints.list(prepared.id),
      readDrift(store.cache, prepared.id),
      readPause(store.cache, prepared.id),
    ]);
  const noBreaker = resolvePolicies(def.policies, prepared.id).breaker ? 'closed' : 'off';
  const checkpoint = checkpoints.find((c) => c.stream === 'default');
  const errorsByKind: Record<string, number> = {};
  for (const run of recent) {
    if (run.startedAt < now - ERROR_WINDOW_MS) continue;
    for (const [kind, n] of Object.entries(run.counts.errorsByKind))
      errorsByKind[kind] = (errorsByKind[kind] ?? 0) + n;
  }
  const lastSuccessAt = latest.lastSuccess?.finishedAt ?? null;
  const freshnessSeconds = lastSuccessAt === null ? null : ageSeconds(now, lastSuccessAt);
  const freshnessLimitSeconds =
    prepared.freshnessMs === undefined ? null : prepared.freshnessMs / 1000;
  const last = latest.last;
  return {
    id: prepared.id,
    pattern: def.pattern,
    owner: typeof def.owner === 'string' ? def.owner : def.owner.team,
    lastRun: last
      ? {
          id: last.id,
          status: last.status,
          startedAt: last.startedAt,
          finishedAt: last.finishedAt,
          trigger: last.trigger,
          mode: last.mode,
        }
      : null,
    lastSuccessAt,
    freshnessSeconds,
    freshnessLimitSeconds,
    stale:
      freshnessLimitSeconds !== null &&
      (freshnessSeconds === null || freshnessSeconds > freshnessLimitSeconds),
    errorsByKind,
    deadLetters,
    breaker: parseSnapshot(breaker?.value)?.state ?? noBreaker,
    sinkBreaker: parseSnapshot(sinkBreaker?.value)?.state ?? noBreaker,
    checkpoint: checkpoint?.value ?? null,
    streams: checkpoints.map((c) => {
      const age = ageSeconds(now, c.updatedAt);
      return {
        stream: c.stream,
        lastDeliveryAt: c.updatedAt,
        freshnessSeconds: age,
        stale: freshnessLimitSeconds !== null && age > freshnessLimitSeconds,
      };
    }),
    drift: drift ?? null,
    paused: paused ?? null,
    lastKnownGood: lastKnownGoodOf(recent, freshnessLimitSeconds, now),
    ...(await prepared.source.spec.status?.(prepared.source.config, {
      store,
      integrationId: prepared.id,
      now,
    })),
  };
}

/**
 * Reads the status of every integration.
 *
 * @example
 * ```ts
 * for (const s of await statusReport(store, prepared)) console.log(s.id, s.lastRun?.status);
 * ```
 */
export function statusReport(
  store: Store,
  prepared: readonly PreparedIntegration[],
  now = Date.now(),
): Promise<IntegrationStatus[]> {
  return Promise.all(prepared.map((p) => integrationStatus(store, p, now)));
}
