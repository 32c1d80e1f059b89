/**
 * A circuit breaker per subscriber endpoint: after `threshold` consecutive
 * failed deliveries the endpoint is left alone for `openMs`, then one
 * delivery probes it (half-open); success closes the breaker, failure opens
 * it again. Messages held back while it is open do not use up their retry
 * schedule: the sender counts those skips apart from real attempts.
 *
 * The state is per process: a second process delivering for the same
 * integration keeps its own breakers (a shared one in the store's policy
 * state is not built yet).
 */

interface State {
  failures: number;
  openUntil: number;
}

/**
 * The breakers of one sender.
 *
 * @example
 * ```ts
 * const breakers = new EndpointBreakers(5, 60_000);
 * if (breakers.allow('acme', now)) { ... breakers.success('acme') or breakers.failure('acme', now) }
 * ```
 */
export class EndpointBreakers {
  readonly #states = new Map<string, State>();

  constructor(
    readonly threshold: number,
    readonly openMs: number,
  ) {}

  /** True when a delivery to the endpoint may be attempted now. */
  allow(endpoint: string, now: number): boolean {
    const state = this.#states.get(endpoint);
    return !state || state.failures < this.threshold || now >= state.openUntil;
  }

  /** When the endpoint may be tried again (0 when closed). */
  openUntil(endpoint: string): number {
    return this.#states.get(endpoint)?.openUntil ?? 0;
  }

  success(endpoint: string): void {
    this.#states.delete(endpoint);
  }

  failure(endpoint: string, now: number): void {
    const state = this.#states.get(endpoint) ?? { failures: 0, openUntil: 0 };
    state.failures += 1;
    if (state.failures >= this.threshold) state.openUntil = now + this.openMs;
    this.#states.set(endpoint, state);
  }
}
