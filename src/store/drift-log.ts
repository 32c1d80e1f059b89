/**
 * The durable record of source schema drift, one per integration, kept in
 * the store's key-value cache (namespace `patchbay.drift-log`, no expiry) so
 * that `patchbay status` and the alert engine in another process see what the
 * mapping step noticed. The mapping step writes it; the status reads it; an
 * operator acknowledges it. It lives beside the store contract because both
 * `mapping` (writer) and `runtime` (reader) depend on the store, not on each
 * other. No schema migration: the cache already is durable key-value storage.
 */
import type { JsonValue } from '../core/json-safe.js';
import type { CacheRepo } from './types.js';

/**
 * The cache namespace of drift records; the key is the integration id.
 *
 * @example
 * ```ts
 * const entry = await store.cache.get(DRIFT_LOG, 'employees');
 * ```
 */
export const DRIFT_LOG = 'patchbay.drift-log';

/**
 * A drift record is rewritten at most this often when nothing new was seen:
 * the `reject` policy reports drift on every record, and one cache write per
 * record would cost an fsync each.
 */
const TOUCH_EVERY_MS = 60_000;

/**
 * Drift seen this long after the previous drift starts a new record instead
 * of growing the old one, so a feed that changes again next month does not
 * report last month's fields "since last month".
 *
 * @example
 * ```ts
 * const quietSince = record.lastSeenAt + DRIFT_EPISODE_GAP_MS;
 * ```
 */
export const DRIFT_EPISODE_GAP_MS = 24 * 3_600_000;

/**
 * What one integration's source changed, as recorded durably.
 *
 * @example
 * ```ts
 * const d: DriftRecord = { integration: 'employees', mappings: ['employee'], added: ['nickname'], removed: [], retyped: [], since: 0, lastSeenAt: 0, acknowledgedAt: null };
 * ```
 */
export interface DriftRecord {
  integration: string;
  /** Mapping documents whose input drifted. */
  mappings: string[];
  /** Fields the source started sending. */
  added: string[];
  /** Fields the source stopped sending. */
  removed: string[];
  /** Fields whose type changed, as `field (from → to)`. */
  retyped: string[];
  /** When this drift was first seen (epoch ms). */
  since: number;
  /** When drift was last reported by a mapping step. */
  lastSeenAt: number;
  /** When an operator acknowledged it; later drift starts a new record. */
  acknowledgedAt: number | null;
}

/**
 * The facts {@link recordDrift} needs about one drift event (a mapping `DriftEvent` fits).
 *
 * @example
 * ```ts
 * const fact: DriftFact = { kind: 'retyped', field: 'zip', from: 'string', to: 'number' };
 * ```
 */
export interface DriftFact {
  kind: 'added' | 'removed' | 'retyped';
  field: string;
  from?: string | undefined;
  to?: string | undefined;
}

// Records of one batch drift concurrently; chaining the read-modify-write per
// integration keeps one process from losing a field to its own race.
const chains = new Map<string, Promise<unknown>>();

function serial<T>(key: string, task: () => Promise<T>): Promise<T> {
  const next = (chains.get(key) ?? Promise.resolve()).then(task, task);
  const settled = next.catch(() => undefined);
  chains.set(key, settled);
  void settled.then(() => {
    if (chains.get(key) === settled) chains.delete(key);
  });
  return next;
}

function label(fact: DriftFact): string {
  return fact.kind === 'retyped'
    ? `${fact.field} (${fact.from ?? '?'} → ${fact.to ?? '?'})`
    : fact.field;
}

function addAll(into: string[], values: readonly string[]): boolean {
  let changed = false;
  for (const v of values) {
    if (!into.includes(v)) {
      into.push(v);
      changed = true;
    }
  }
  return changed;
}

/**
 * Reads an integration's drift record.
 *
 * @example
 * ```ts
 * const drift = await readDrift(store.cache, 'employees');
 * if (drift && drift.acknowledgedAt === null) console.log('new fields:', drift.added);
 * ```
 */
export async function readDrift(
  cache: CacheRepo,
  integration: string,
): Promise<DriftRecord | undefined> {
  const entry = await cache.get(DRIFT_LOG, integration);
  return entry?.value as unknown as DriftRecord | undefined;
}

/**
 * Merges drift events into the integration's record (durable when it
 * resolves). An acknowledged record, or one quiet for a day, is replaced by a
 * new one starting now. Returns the record as stored.
 *
 * @example
 * ```ts
 * await recordDrift(store.cache, 'employees', 'employee', [{ kind: 'added', field: 'nickname', to: 'string' }], Date.now());
 * ```
 */
export function recordDrift(
  cache: CacheRepo,
  integration: string,
  mapping: string,
  events: readonly DriftFact[],
  now: number,
): Promise<DriftRecord> {
  return serial(integration, async () => {
    const prior = await readDrift(cache, integration);
    const fresh =
      !prior || prior.acknowledgedAt !== null || now - prior.lastSeenAt >= DRIFT_EPISODE_GAP_MS;
    const record: DriftRecord = fresh
      ? {
          integration,
          mappings: [],
          added: [],
          removed: [],
          retyped: [],
          since: now,
          lastSeenAt: now,
          acknowledgedAt: null,
        }
      : {
          ...prior,
          mappings: [...prior.mappings],
          added: [...prior.added],
          removed: [...prior.removed],
          retyped: [...prior.retyped],
        };
    let changed = addAll(record.mappings, [mapping]);
    for (const kind of ['added', 'removed', 'retyped'] as const) {
      const facts = events.filter((e) => e.kind === kind).map(label);
      changed = addAll(record[kind], facts) || changed;
    }
    if (!fresh && !changed && now - prior.lastSeenAt < TOUCH_EVERY_MS) return prior;
    record.lastSeenAt = Math.max(record.lastSeenAt, now);
    await cache.set(DRIFT_LOG, integration, record as unknown as JsonValue);
    return record;
  });
}

/**
 * Marks an integration's drift as seen by an operator: the schema-drift alert
 * resolves at its next evaluation, and drift seen afterwards starts a new
 * record (and a new alert). Returns false when there was nothing to acknowledge.
 *
 * @example
 * ```ts
 * await acknowledgeDrift(store.cache, 'employees', Date.now());
 * ```
 */
export function acknowledgeDrift(
  cache: CacheRepo,
  integration: string,
  now: number,
): Promise<boolean> {
  return serial(integration, async () => {
    const prior = await readDrift(cache, integration);
    if (!prior || prior.acknowledgedAt !== null) return false;
    const record: DriftRecord = { ...prior, acknowledgedAt: now };
    await cache.set(DRIFT_LOG, integration, record as unknown as JsonValue);
    return true;
  });
}
