/**
 * One registry entry per integration, built from its definition, its live
 * status and its checklist result. Pure data: the Markdown and HTML pages
 * (and later the console) render it. Secret references appear by name, never
 * by value. Strings are plain text; renderers add formatting and escaping.
 *
 * Everything outside `live` depends only on the project's definition, so
 * pages can be checked for staleness in CI without the store; `live` (last
 * run, recorded rotations) changes with every run and is left out of that
 * comparison.
 */
import {
  DEFAULT_ROTATE_EVERY_MS,
  rotationDue,
  type RotationContext,
} from '../../check/rotation.js';
import type { IntegrationCheck } from '../../check/types.js';
import { formatDuration } from '../../core/duration.js';
import { ownerTeam, type Trigger } from '../../core/integration.js';
import { resolvePolicies } from '../../policies/options.js';
import { RateLimiter } from '../../policies/rate-limiter.js';
import type { PreparedIntegration } from '../../runtime/prepare.js';
import type { LoadedSecretInfo } from '../../runtime/project.js';
import { describeBreakers, type IntegrationStatus } from '../../runtime/status.js';
import { secretUses, type SecretUse } from '../inventory.js';

/**
 * One credential use as a registry page shows it: names and declarations only.
 *
 * @example
 * ```ts
 * const s: RegistrySecret = { integration: 'positions', field: 'source.config.token', reference: 'env:GPS_TOKEN', scheme: 'env', status: 'reference', purpose: 'API token', rotatedBy: 'fleet', rotateEvery: '365d' };
 * ```
 */
export interface RegistrySecret extends SecretUse {
  rotatedBy: string;
  /** The rotation period, e.g. `365d`; null for plaintext findings. */
  rotateEvery: string | null;
}

/**
 * The part of an entry that changes with every run; absent when the store was not read.
 *
 * @example
 * ```ts
 * entry.live?.rotations.filter((r: RegistryLive['rotations'][number]) => r.state === 'overdue');
 * ```
 */
export interface RegistryLive {
  lastRun: string;
  rotations: Array<{
    reference: string;
    lastRotated: string;
    due: string;
    state: 'ok' | 'overdue' | 'unrecorded';
  }>;
}

/**
 * Everything a registry page says about one integration.
 *
 * @example
 * ```ts
 * const entry: RegistryEntry = registryEntry(prepared, { status, check });
 * entry.replay; // 'patchbay replay orders --from <date>'
 * ```
 */
export interface RegistryEntry {
  id: string;
  description: string | null;
  pattern: string;
  why: string | null;
  owner: { team: string; contact: string | null };
  customerOwner: string | null;
  source: { kind: string; title: string };
  sink: { kind: string; title: string; idempotent: boolean };
  secrets: RegistrySecret[];
  trigger: string;
  rateLimit: string;
  retry: string;
  timeouts: string;
  idempotency: string;
  replay: string | null;
  freshness: string | null;
  metrics: string[];
  alertRoutes: string[];
  runbook: string | null;
  /** Canonical models its mapping steps produce, as `name vN` (`produces:` of a mapping document). */
  models: string[];
  check: { status: string; items: Array<{ id: string; status: string; reason: string }> } | null;
  live: RegistryLive | null;
}

function triggerText(t: Trigger): string {
  if (t.type === 'stream') return 'stream (continuous)';
  if (t.type === 'manual') return 'manual (patchbay run --once, replay, admin API)';
  const when = t.every !== undefined ? `every ${String(t.every)}` : `cron ${t.cron}`;
  const parts = [when, `time zone ${t.timezone ?? 'UTC'}`];
  if (t.quietWindow) parts.push(`quiet window ${t.quietWindow.from}–${t.quietWindow.to}`);
  if (t.jitter !== undefined) parts.push(`jitter ${String(t.jitter)}`);
  parts.push(`missed runs: ${t.missedRuns ?? 'skip'}`);
  return parts.join(', ');
}

function ms(n: number | undefined): string {
  return n === undefined ? 'off' : formatDuration(n);
}

/**
 * The metric names an integration exports (domain names; Prometheus labels them).
 *
 * @example
 * ```ts
 * metricNames('orders')[0]; // 'integration.orders.success_count'
 * ```
 */
export function metricNames(id: string): string[] {
  return [
    'success_count',
    'error_count_by_kind',
    'latency_p99_ms',
    'freshness_seconds',
    'dead_letter_depth',
    'breaker_state',
    'items_total',
  ].map((m) => `integration.${id}.${m}`);
}

/**
 * Builds the registry entry of one integration. `status` and `rotation`
 * (read from the store) fill `live`; give neither and `live` is null.
 *
 * @example
 * ```ts
 * const entries = prepared.map((p) => registryEntry(p, { status: byId.get(p.id), check: checkIntegration(p), alertRoutes: ['tickets'] }));
 * ```
 */
export function registryEntry(
  p: PreparedIntegration,
  live: {
    status?: IntegrationStatus | undefined;
    check?: IntegrationCheck | undefined;
    alertRoutes?: readonly string[] | undefined;
    /** The project's `secrets` declarations (purpose, rotated by, period). */
    declared?: Readonly<Record<string, LoadedSecretInfo>> | undefined;
    rotation?: RotationContext | undefined;
  } = {},
): RegistryEntry {
  const def = p.definition;
  const pol = resolvePolicies(def.policies, p.id);
  const owner = def.owner;
  const sink =
    p.sink.kind === 'connector'
      ? {
          kind: p.sink.connector.spec.kind,
          title: p.sink.connector.spec.title,
          idempotent: p.sink.connector.spec.capabilities.idempotentWrites,
        }
      : { kind: 'function', title: p.sink.sink.name, idempotent: p.sink.sink.idempotent };
  const rl = pol.rateLimit;
  const rateLimit = !rl
    ? 'none'
    : rl instanceof RateLimiter
      ? 'shared limiter instance'
      : Number.isFinite(rl.perMs)
        ? `${+(rl.perMs * 1000).toFixed(3)}/s, burst ${rl.burst}${rl.learn ? ', learns from Retry-After / RateLimit headers' : ''}`
        : 'learned from Retry-After / RateLimit headers';
  const r = pol.retry;
  const key = def.idempotencyKey;
  const replayMode = p.source.spec.capabilities.replay;
  const status = live.status;
  return {
    id: p.id,
    description: def.description ?? null,
    pattern: def.pattern,
    why: def.docs?.why ?? null,
    owner: {
      team: ownerTeam(owner),
      contact: typeof owner === 'string' ? null : (owner.contact ?? null),
    },
    customerOwner: def.docs?.customerOwner ?? null,
    source: { kind: p.source.spec.kind, title: p.source.spec.title },
    sink,
    secrets: secretUses(p).map((u) => {
      const info = u.reference ? live.declared?.[u.reference] : undefined;
      return {
        ...u,
        purpose: info?.purpose ?? u.purpose,
        rotatedBy: info?.rotatedBy ?? ownerTeam(owner),
        rotateEvery: u.reference
          ? formatDuration(info?.rotateEveryMs ?? DEFAULT_ROTATE_EVERY_MS)
          : null,
      };
    }),
    trigger: triggerText(def.trigger),
    rateLimit,
    retry: r
      ? `${r.maxAttempts} attempts, ${r.kind} backoff from ${ms(r.baseMs)} to ${ms(r.maxMs)} (±${Math.round(r.jitter * 100)} % jitter), budget ${ms(pol.budgetMs)}`
      : 'off (one attempt)',
    timeouts: `per attempt ${ms(pol.timeoutMs)}; per run ${ms(p.maxRunMs)}${Number.isFinite(p.maxItems) ? `, at most ${p.maxItems} items` : ''}`,
    idempotency: !key
      ? 'none declared'
      : `${typeof key === 'function' ? 'key function' : `key fields ${key.fields.join(', ')}`}; sink ${sink.idempotent ? 'writes idempotently' : 'is not idempotent'}`,
    replay:
      replayMode === 'none' ? null : `patchbay replay ${p.id} --from <date>  (by ${replayMode})`,
    freshness: p.freshnessMs === undefined ? null : `at most ${formatDuration(p.freshnessMs)} old`,
    metrics: metricNames(p.id),
    alertRoutes: [...(live.alertRoutes ?? [])],
    runbook: def.docs?.runbook ?? null,
    models: modelsProduced(def.steps ?? []),
    check: live.check
      ? {
          status: live.check.status,
          items: live.check.items.map((i) => ({ id: i.id, status: i.status, reason: i.reason })),
        }
      : null,
    live: status || live.rotation ? liveState(p, status, live) : null,
  };
}

/** What mapping steps declare they produce (`mappingStep` sets `produces` on the step). */
function modelsProduced(steps: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const step of steps) {
    const ref = (step as { produces?: { name?: unknown; version?: unknown } } | null)?.produces;
    if (ref && typeof ref.name === 'string') out.add(`${ref.name} v${String(ref.version)}`);
  }
  return [...out].sort();
}

function iso(at: number | null): string {
  return at === null ? '-' : new Date(at).toISOString();
}

function liveState(
  p: PreparedIntegration,
  status: IntegrationStatus | undefined,
  live: {
    declared?: Readonly<Record<string, LoadedSecretInfo>> | undefined;
    rotation?: RotationContext | undefined;
  },
): RegistryLive {
  const last = status?.lastRun;
  const lastRun = !status
    ? 'unknown (store not read)'
    : last
      ? `${last.status} at ${iso(last.startedAt)} (${last.trigger}, ${last.mode}); last success ${iso(status.lastSuccessAt)}; ${status.deadLetters} dead letters; breaker ${describeBreakers(status)}${status.stale ? '; STALE' : ''}`
      : 'never run';
  const ctx = live.rotation;
  const refs = [
    ...new Set(secretUses(p).flatMap((u) => (u.reference === null ? [] : [u.reference]))),
  ];
  const periods = Object.fromEntries(
    Object.entries(live.declared ?? {}).map(([ref, info]) => [ref, info.rotateEveryMs]),
  );
  return {
    lastRun,
    rotations: ctx
      ? refs.map((ref) => {
          const due = rotationDue(ref, { ...ctx, periods: { ...periods, ...ctx.periods } });
          return {
            reference: ref,
            lastRotated: due.lastRotatedAt === null ? 'never recorded' : iso(due.lastRotatedAt),
            due: due.dueAt === null ? 'unknown' : iso(due.dueAt),
            state: due.state,
          };
        })
      : [],
  };
}

/**
 * Canonical model versions (`name vN`), sorted, each with the integrations
 * producing it; empty when none declares one.
 *
 * @example
 * ```ts
 * for (const [model, ids] of producersByModel(entries)) console.log(model, ids.join(', '));
 * ```
 */
export function producersByModel(entries: readonly RegistryEntry[]): Array<[string, string[]]> {
  const by = new Map<string, string[]>();
  for (const e of entries) for (const m of e.models) by.set(m, [...(by.get(m) ?? []), e.id]);
  return [...by.keys()].sort().map((m) => [m, by.get(m) ?? []]);
}
