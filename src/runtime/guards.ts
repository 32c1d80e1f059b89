/**
 * The policy pipelines of each integration, with one circuit breaker per
 * side: source calls go through the breaker named `<id>` (store key
 * `breaker:<id>`), steps and sink writes through the one named `<id>:sink`
 * (`breaker:<id>:sink`). With one shared breaker a warehouse outage failed
 * the source's calls fast too, a source outage blocked writes, and nobody
 * could tell which system was down. Both breakers keep their state in the
 * store's policy state, so every process sharing the store sees the same two.
 */
import type { Logger } from 'pino';
import type { CallGuard } from '../core/connector.js';
import type { Disposable } from '../policies/events.js';
import { bindPolicyMetrics } from '../policies/metrics.js';
import { createPipeline, type Pipeline } from '../policies/pipeline.js';
import type { Store } from '../store/types.js';
import { logPolicyEvents } from './policy-logs.js';
import type { PreparedIntegration } from './prepare.js';
import { singleAttempt, type RuntimeMetrics, type RuntimeServices } from './services.js';

/**
 * The name of an integration's sink-side breaker; its state is stored under
 * `breaker:<name>`.
 *
 * @example
 * ```ts
 * sinkBreakerName('orders-to-warehouse'); // 'orders-to-warehouse:sink'
 * await store.policyState.get(`breaker:${sinkBreakerName('orders-to-warehouse')}`);
 * ```
 */
export function sinkBreakerName(integrationId: string): string {
  return `${integrationId}:sink`;
}

/**
 * What {@link integrationGuards} needs from the runtime.
 *
 * @example
 * ```ts
 * const options: GuardOptions = {
 *   integrations: new Map([[prepared.id, prepared]]),
 *   store,
 *   metrics,
 *   logger: () => logger,
 *   disposables: [],
 * };
 * ```
 */
export interface GuardOptions {
  integrations: ReadonlyMap<string, PreparedIntegration>;
  store: Store;
  metrics?: RuntimeMetrics | undefined;
  /** Read when a pipeline is first built (the runtime's logger exists by then). */
  logger: () => Logger;
  /** Event subscriptions are added here; the runtime disposes them on stop. */
  disposables: Disposable[];
  /** Replaces every pipeline (see `RuntimeOptions.guardFor`); no sink pre-check then. */
  guardFor?: ((integration: PreparedIntegration) => CallGuard) | undefined;
}

/**
 * The guard lookups of {@link RuntimeServices}.
 *
 * @example
 * ```ts
 * const guards: IntegrationGuards = integrationGuards(options);
 * const blocked = await guards.sinkHeldOpen('orders-to-warehouse');
 * ```
 */
export type IntegrationGuards = Required<
  Pick<RuntimeServices, 'guardFor' | 'workGuardFor' | 'sinkGuardFor' | 'sinkHeldOpen'>
>;

interface Sides {
  source: Pipeline;
  /** Steps, and the writes of sinks that do not guard their own calls. */
  work: Pipeline;
  /** The guard a sink's own calls use (`work` unless the sink guards its own calls). */
  sink: Pipeline;
}

function guardsOwnCalls(p: PreparedIntegration): boolean {
  return p.sink.kind === 'connector' && p.sink.connector.spec.capabilities.guardsOwnCalls === true;
}

/**
 * Builds (lazily, once per integration) the source pipeline and the sink
 * side's pipelines, wired to metrics and policy logs.
 *
 * @example
 * ```ts
 * const guards = integrationGuards({ integrations, store, metrics, logger: () => logger, disposables });
 * await guards.guardFor('orders').execute(({ signal }) => api.listOrders({ signal }));
 * ```
 */
export function integrationGuards(o: GuardOptions): IntegrationGuards {
  const bind = (
    p: PreparedIntegration,
    view: Parameters<typeof bindPolicyMetrics>[0],
    side: 'source' | 'sink',
  ) => {
    const m = o.metrics;
    if (m) {
      // The gauge is the integration's, per side; the pipeline's name is not an integration id.
      o.disposables.push(
        bindPolicyMetrics(view, {
          setBreakerState: (_name, state) =>
            side === 'sink'
              ? m.setBreakerState?.(p.id, state, 'sink')
              : m.setBreakerState?.(p.id, state),
          recordStaleServed: () => m.recordStaleServed?.(p.id),
        }),
      );
    }
    o.disposables.push(...logPolicyEvents(view, o.logger().child({ integration: p.id })));
  };

  const build = (p: PreparedIntegration): Sides => {
    const policies = p.definition.policies;
    const store = o.store;
    const source = createPipeline(policies, { name: p.id, store });
    const name = sinkBreakerName(p.id);
    // Steps and local sinks never spend the remote quota (see RuntimeServices.workGuardFor).
    const work = createPipeline({ ...policies, rateLimit: false }, { name, store });
    bind(p, source, 'source');
    bind(p, work, 'sink');
    if (!guardsOwnCalls(p)) return { source, work, sink: work };
    // A sink calling the remote API spends the same quota and concurrency as before the
    // breakers were split: the source's limiter and bulkhead instances, bound once (above).
    const sink = createPipeline(
      { ...policies, rateLimit: source.rateLimiter ?? false, bulkhead: source.bulkhead ?? false },
      { name, store },
    );
    bind(p, { ...sink, rateLimiter: undefined, bulkhead: undefined }, 'sink');
    return { source, work, sink };
  };

  const sides = new Map<string, Sides | undefined>();
  const sidesOf = (id: string): Sides | undefined => {
    if (!sides.has(id)) {
      const p = o.integrations.get(id);
      sides.set(id, p ? build(p) : undefined);
    }
    return sides.get(id);
  };

  const custom = o.guardFor;
  if (custom) {
    const cached = (cache: Map<string, CallGuard>) => (id: string) => {
      let guard = cache.get(id);
      if (!guard) {
        const p = o.integrations.get(id);
        guard = p ? custom(p) : singleAttempt;
        cache.set(id, guard);
      }
      return guard;
    };
    const guardFor = cached(new Map());
    return {
      guardFor,
      workGuardFor: cached(new Map()),
      sinkGuardFor: guardFor,
      sinkHeldOpen: () => Promise.resolve(undefined),
    };
  }
  return {
    guardFor: (id) => sidesOf(id)?.source ?? singleAttempt,
    workGuardFor: (id) => sidesOf(id)?.work ?? singleAttempt,
    sinkGuardFor: (id) => sidesOf(id)?.sink ?? singleAttempt,
    sinkHeldOpen: async (id) => sidesOf(id)?.sink.breaker?.heldOpen(),
  };
}
