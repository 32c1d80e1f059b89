/**
 * A circuit breaker per subscriber endpoint, shared through the store: after
 * `threshold` consecutive failed deliveries the endpoint is left alone for
 * `openMs`, then exactly one delivery (fleet-wide) probes it (half-open);
 * success closes the breaker, failure opens it again. Messages held back
 * while it is open do not use up their retry schedule: the sender counts
 * those skips apart from real attempts.
 *
 * The state document is the policies' {@link BreakerSnapshot}, kept in the
 * store's policy state under `breaker:webhook:<integration>:<endpoint>` and
 * changed only by compare-and-set, so every process delivering for the same
 * integration sees one breaker per endpoint, and the half-open probe is
 * claimed by one of them (with a lease, so a probe whose process died is
 * taken over). As in the policies' breaker, the consecutive-failure count
 * that leads to opening is kept per process; the state it leads to is shared.
 */
import type { JsonValue } from '../../../core/json-safe.js';
import {
  claimedSnapshot,
  closedSnapshot,
  decide,
  openedSnapshot,
  parseSnapshot,
  type BreakerSnapshot,
} from '../../../policies/breaker-state.js';
import type { PolicyStateRepo } from '../../../store/types.js';

/**
 * What {@link EndpointBreakers.admit} says about one delivery: go ahead (as
 * the half-open probe when `probe`), or hold it back until `retryAt`.
 *
 * @example
 * ```ts
 * const admission: EndpointAdmission = await breakers.admit('acme', now);
 * if (!admission.allowed) await store.outbox.markFailed(item.id, owner, error, admission.retryAt);
 * ```
 */
export type EndpointAdmission =
  | { allowed: true; probe: boolean }
  | { allowed: false; retryAt: number; state: BreakerSnapshot['state'] };

/**
 * Options of {@link EndpointBreakers}.
 *
 * @example
 * ```ts
 * const options: EndpointBreakersOptions = { store: store.policyState, scope: 'webhooks', threshold: 5, openMs: 60_000, probeLeaseMs: 60_000 };
 * ```
 */
export interface EndpointBreakersOptions {
  /** Where the shared state lives (the store's `policyState`). */
  store: PolicyStateRepo;
  /** The outbox partition (integration id) the endpoints belong to. */
  scope: string;
  /** Consecutive failures (in one process) that open the breaker. */
  threshold: number;
  /** How long it stays open before one probe may pass. */
  openMs: number;
  /** How long a probe claim holds before another process may probe (set ≥ the request timeout). */
  probeLeaseMs: number;
  /** Who this process is in a probe claim. */
  owner: string;
}

const ROUNDS = 8;

/**
 * The endpoint breakers of one sender, backed by the store.
 *
 * @example
 * ```ts
 * const breakers = new EndpointBreakers({ store: store.policyState, scope: 'webhooks', threshold: 5, openMs: 60_000, probeLeaseMs: 60_000, owner: 'sender-1' });
 * const a = await breakers.admit('acme', now);
 * if (a.allowed) {
 *   const ok = await deliver();
 *   await (ok ? breakers.success('acme', now, a.probe) : breakers.failure('acme', now, a.probe, 'HTTP_503'));
 * }
 * ```
 */
export class EndpointBreakers {
  readonly #o: EndpointBreakersOptions;
  readonly #failures = new Map<string, number>();

  constructor(options: EndpointBreakersOptions) {
    this.#o = options;
  }

  /**
   * The store key of an endpoint's breaker.
   *
   * @example
   * ```ts
   * breakers.key('acme'); // 'breaker:webhook:webhooks:acme'
   * ```
   */
  key(endpoint: string): string {
    return `breaker:webhook:${this.#o.scope}:${endpoint}`;
  }

  /**
   * The endpoint's shared state (closed when never written).
   *
   * @example
   * ```ts
   * (await breakers.state('acme', Date.now())).state; // 'open'
   * ```
   */
  async state(endpoint: string, now: number): Promise<BreakerSnapshot> {
    return (await this.#read(endpoint, now)).snap;
  }

  /**
   * Decides whether a delivery may be attempted now; claims the half-open
   * probe when the open period is over and nobody else holds it.
   *
   * @example
   * ```ts
   * const a = await breakers.admit('acme', Date.now());
   * ```
   */
  async admit(endpoint: string, now: number): Promise<EndpointAdmission> {
    for (let round = 0; round < ROUNDS; round++) {
      const { snap, version } = await this.#read(endpoint, now);
      const d = decide(snap, now);
      if (d === 'allow') return { allowed: true, probe: false };
      if (d !== 'claim') {
        const wait = d.retryAfterMs ?? this.#o.openMs;
        return { allowed: false, retryAt: now + Math.max(1, wait), state: snap.state };
      }
      const next = claimedSnapshot(snap, now, this.#o.owner, this.#o.probeLeaseMs);
      if (await this.#cas(endpoint, version, next)) return { allowed: true, probe: true };
    }
    return { allowed: false, retryAt: now + 1000, state: 'half_open' };
  }

  /**
   * Records a delivery the endpoint accepted (or answered at all, for a
   * probe): closes the breaker when this delivery was the probe.
   *
   * @example
   * ```ts
   * await breakers.success('acme', Date.now(), admission.probe);
   * ```
   */
  async success(endpoint: string, now: number, probe: boolean): Promise<void> {
    this.#failures.delete(endpoint);
    if (!probe) return;
    await this.#transition(endpoint, now, (s) =>
      this.#ownsProbe(s) ? closedSnapshot(now) : undefined,
    );
  }

  /**
   * Records a failed delivery: reopens after a failed probe, and opens once
   * `threshold` deliveries in a row failed while closed.
   *
   * @example
   * ```ts
   * await breakers.failure('acme', Date.now(), admission.probe, 'HTTP_503');
   * ```
   */
  async failure(endpoint: string, now: number, probe: boolean, reason: string): Promise<void> {
    if (probe) {
      this.#failures.delete(endpoint);
      await this.#transition(endpoint, now, (s) =>
        this.#ownsProbe(s) ? openedSnapshot(now, this.#o.openMs, reason) : undefined,
      );
      return;
    }
    const count = (this.#failures.get(endpoint) ?? 0) + 1;
    this.#failures.set(endpoint, count);
    if (count < this.#o.threshold) return;
    this.#failures.delete(endpoint);
    await this.#transition(endpoint, now, (s) =>
      s.state === 'closed' ? openedSnapshot(now, this.#o.openMs, reason) : undefined,
    );
  }

  #ownsProbe(s: BreakerSnapshot): boolean {
    return s.state === 'half_open' && s.probe?.owner === this.#o.owner;
  }

  async #read(endpoint: string, now: number): Promise<{ snap: BreakerSnapshot; version: number }> {
    const row = await this.#o.store.get(this.key(endpoint));
    if (row === undefined) return { snap: closedSnapshot(now), version: 0 };
    return {
      snap: parseSnapshot(row.value) ?? closedSnapshot(row.updatedAt),
      version: row.version,
    };
  }

  async #cas(endpoint: string, version: number, next: BreakerSnapshot): Promise<boolean> {
    const won = await this.#o.store.compareAndSet(
      this.key(endpoint),
      version,
      next as unknown as JsonValue,
    );
    return won !== undefined;
  }

  /** Applies `mutate` to the shared state by compare-and-set until it sticks or has nothing to do. */
  async #transition(
    endpoint: string,
    now: number,
    mutate: (s: BreakerSnapshot) => BreakerSnapshot | undefined,
  ): Promise<void> {
    for (let round = 0; round < ROUNDS; round++) {
      const { snap, version } = await this.#read(endpoint, now);
      const next = mutate(snap);
      if (next === undefined || (await this.#cas(endpoint, version, next))) return;
    }
  }
}
