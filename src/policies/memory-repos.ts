/**
 * In-process implementations of the store repositories the policies use:
 * the fast path when no store is configured, and the fixtures of unit tests.
 * Values are copied through JSON on the way in and out, exactly as a real
 * store would, so nothing that is not serialisable slips through.
 */
import type { JsonValue } from '../core/json-safe.js';
import type {
  CacheEntry,
  CacheRepo,
  EpochMs,
  IdempotencyClaim,
  IdempotencyRepo,
  LeaseRepo,
  PolicyStateRepo,
  VersionedState,
} from '../store/types.js';

const copy = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/**
 * Versioned state with compare-and-set.
 *
 * @example
 * ```ts
 * const repo = new MemoryPolicyStateRepo();
 * await repo.compareAndSet('breaker:gps', 0, { state: 'closed', since: 0 }); // 1
 * ```
 */
export class MemoryPolicyStateRepo implements PolicyStateRepo {
  readonly #rows = new Map<string, VersionedState>();

  async get(key: string): Promise<VersionedState | undefined> {
    return copy(this.#rows.get(key));
  }

  async compareAndSet(key: string, expectedVersion: number, value: JsonValue) {
    const current = this.#rows.get(key)?.version ?? 0;
    if (current !== expectedVersion) return undefined;
    const version = current + 1;
    this.#rows.set(key, { value: copy(value), version, updatedAt: Date.now() });
    return version;
  }

  async list(prefix = ''): Promise<Array<VersionedState & { key: string }>> {
    return [...this.#rows]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, row]) => ({ key, ...copy(row) }));
  }
}

/**
 * Named leases.
 * @example
 * ```ts
 * const leases = new MemoryLeaseRepo();
 * await leases.acquire('poll:gps', 'worker-1', 30_000); // true
 * ```
 */
export class MemoryLeaseRepo implements LeaseRepo {
  readonly #rows = new Map<string, { owner: string; until: EpochMs }>();

  async acquire(name: string, owner: string, ttlMs: number, now = Date.now()) {
    const held = this.#rows.get(name);
    if (held !== undefined && held.until > now && held.owner !== owner) return false;
    this.#rows.set(name, { owner, until: now + ttlMs });
    return true;
  }

  async release(name: string, owner: string) {
    if (this.#rows.get(name)?.owner === owner) this.#rows.delete(name);
  }

  async holder(name: string, now = Date.now()) {
    const held = this.#rows.get(name);
    return held !== undefined && held.until > now ? { ...held } : undefined;
  }
}

/**
 * A key-value cache with optional expiry.
 * @example
 * ```ts
 * const cache = new MemoryCacheRepo();
 * await cache.set('lkg:gps', 'fleet-7', { trucks: 3 }, { ttlMs: 60_000 });
 * ```
 */
export class MemoryCacheRepo implements CacheRepo {
  readonly #rows = new Map<string, CacheEntry>();

  async get(namespace: string, key: string, now = Date.now()) {
    const row = this.#rows.get(`${namespace}\u0000${key}`);
    if (row === undefined || (row.expiresAt !== null && row.expiresAt <= now)) return undefined;
    return copy(row);
  }

  async set(
    namespace: string,
    key: string,
    value: JsonValue,
    opts: { ttlMs?: number; now?: EpochMs } = {},
  ) {
    const now = opts.now ?? Date.now();
    this.#rows.set(`${namespace}\u0000${key}`, {
      value: copy(value),
      storedAt: now,
      expiresAt: opts.ttlMs === undefined ? null : now + opts.ttlMs,
    });
  }

  async delete(namespace: string, key: string) {
    this.#rows.delete(`${namespace}\u0000${key}`);
  }
}

interface IdemRow {
  owner: string;
  leaseUntil: EpochMs;
  fingerprint: string | null;
  done: boolean;
  outcome: JsonValue;
  expiresAt: EpochMs;
}

/**
 * "Did I already do this?" records.
 * @example
 * ```ts
 * const ledger = new IdempotencyLedger(new MemoryIdempotencyRepo(), { scope: 'tests' });
 * ```
 */
export class MemoryIdempotencyRepo implements IdempotencyRepo {
  readonly #rows = new Map<string, IdemRow>();

  async claim(
    scope: string,
    key: string,
    opts: { owner: string; leaseMs: number; fingerprint?: string; now?: EpochMs },
  ): Promise<IdempotencyClaim> {
    const now = opts.now ?? Date.now();
    const id = `${scope}\u0000${key}`;
    const row = this.#rows.get(id);
    const alive = row !== undefined && (row.done ? row.expiresAt > now : row.leaseUntil > now);
    if (alive) {
      if (
        opts.fingerprint !== undefined &&
        row.fingerprint !== null &&
        row.fingerprint !== opts.fingerprint
      ) {
        return { status: 'mismatch', fingerprint: row.fingerprint };
      }
      if (row.done)
        return { status: 'done', outcome: copy(row.outcome), fingerprint: row.fingerprint };
      return { status: 'in_flight', owner: row.owner, leaseUntil: row.leaseUntil };
    }
    this.#rows.set(id, {
      owner: opts.owner,
      leaseUntil: now + opts.leaseMs,
      fingerprint: opts.fingerprint ?? null,
      done: false,
      outcome: null,
      expiresAt: now + opts.leaseMs,
    });
    return { status: 'claimed' };
  }

  async complete(scope: string, key: string, outcome: JsonValue, expiresAt: EpochMs) {
    const id = `${scope}\u0000${key}`;
    const row = this.#rows.get(id);
    this.#rows.set(id, {
      owner: row?.owner ?? '',
      leaseUntil: 0,
      fingerprint: row?.fingerprint ?? null,
      done: true,
      outcome: copy(outcome),
      expiresAt,
    });
  }

  async release(scope: string, key: string, owner: string) {
    const id = `${scope}\u0000${key}`;
    const row = this.#rows.get(id);
    if (row !== undefined && !row.done && row.owner === owner) this.#rows.delete(id);
  }

  async purgeExpired(now = Date.now()) {
    let n = 0;
    for (const [id, row] of this.#rows) {
      if (row.done ? row.expiresAt <= now : row.leaseUntil <= now) {
        this.#rows.delete(id);
        n++;
      }
    }
    return n;
  }
}
