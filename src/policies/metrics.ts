/**
 * Wires a pipeline's events to metrics, with the domain's own names. Every
 * hook is optional, so `PatchbayMetrics` (breaker gauge, `stale_served`), a
 * StatsD client or a test double fits.
 */
import type { BreakerStateName } from './breaker-state.js';
import { disposeAll, type Disposable } from './events.js';
import type { Pipeline } from './pipeline.js';

/**
 * Counter names, per integration; `<name>` is the pipeline's name.
 * @example
 * ```ts
 * POLICY_METRICS.retries('gps-positions'); // 'integration.gps-positions.retry_count'
 * ```
 */
export const POLICY_METRICS = {
  retries: (name: string) => `integration.${name}.retry_count`,
  giveUps: (name: string) => `integration.${name}.retry_exhausted_count`,
  breakerRejected: (name: string) => `integration.${name}.breaker_rejected_count`,
  breakerOpened: (name: string) => `integration.${name}.breaker_opened_count`,
  limiterWaitMs: (name: string) => `integration.${name}.limiter_wait_ms`,
  limiterRejected: (name: string) => `integration.${name}.limiter_rejected_count`,
  bulkheadRejected: (name: string) => `integration.${name}.bulkhead_rejected_count`,
  staleServed: (name: string) => `integration.${name}.stale_served`,
} as const;

/**
 * Where policy metrics go. `PatchbayMetrics` from `patchbay/observability` fits.
 *
 * @example
 * ```ts
 * const sink: PolicyMetricsSink = {
 *   setBreakerState: (integration, state) => gauge.set({ integration }, state === 'open' ? 1 : 0),
 *   increment: (metric, by = 1) => counter.inc({ metric }, by),
 * };
 * bindPolicyMetrics(pipeline, sink);
 * ```
 */
export interface PolicyMetricsSink {
  /** Breaker gauge: isolated reports as `open`. */
  setBreakerState?(integration: string, state: 'closed' | 'half-open' | 'open'): void;
  /** `integration.<name>.stale_served`. */
  recordStaleServed?(integration: string): void;
  /** Any counter of {@link POLICY_METRICS}. */
  increment?(metric: string, by?: number): void;
}

const GAUGE: Record<BreakerStateName, 'closed' | 'half-open' | 'open'> = {
  closed: 'closed',
  half_open: 'half-open',
  open: 'open',
  isolated: 'open',
};

/**
 * Subscribes `sink` to every policy event of `pipeline`. Dispose the result to stop.
 * A limiter or bulkhead instance shared by two pipelines is bound once: bind
 * the second as `{ ...second, rateLimiter: undefined, bulkhead: undefined }`.
 *
 * @example
 * ```ts
 * import { PatchbayMetrics } from 'patchbay/observability';
 * const metrics = new PatchbayMetrics();
 * const sub = bindPolicyMetrics(pipeline, metrics);
 * // ... later
 * sub.dispose();
 * ```
 */
export function bindPolicyMetrics(
  pipeline: Pick<
    Pipeline,
    'name' | 'onRetry' | 'onGiveUp' | 'onStaleServed' | 'breaker' | 'rateLimiter' | 'bulkhead'
  >,
  sink: PolicyMetricsSink,
): Disposable {
  const name = pipeline.name;
  const inc = (metric: string, by = 1) => sink.increment?.(metric, by);
  const subs: Disposable[] = [
    pipeline.onRetry(() => inc(POLICY_METRICS.retries(name))),
    pipeline.onGiveUp(() => inc(POLICY_METRICS.giveUps(name))),
    pipeline.onStaleServed(() => {
      sink.recordStaleServed?.(name);
      inc(POLICY_METRICS.staleServed(name));
    }),
  ];
  const { breaker, rateLimiter, bulkhead } = pipeline;
  if (breaker !== undefined) {
    sink.setBreakerState?.(name, GAUGE[breaker.state]);
    subs.push(
      breaker.onStateChange((e) => {
        sink.setBreakerState?.(name, GAUGE[e.to]);
        if (e.to === 'open' && e.source === 'local') inc(POLICY_METRICS.breakerOpened(name));
      }),
      breaker.onRejected(() => inc(POLICY_METRICS.breakerRejected(name))),
    );
  }
  if (rateLimiter !== undefined) {
    subs.push(
      rateLimiter.onWait((e) => inc(POLICY_METRICS.limiterWaitMs(name), e.waitMs)),
      rateLimiter.onRejected(() => inc(POLICY_METRICS.limiterRejected(name))),
    );
  }
  if (bulkhead !== undefined) {
    subs.push(bulkhead.onRejected(() => inc(POLICY_METRICS.bulkheadRejected(name))));
  }
  return disposeAll(subs);
}
