/**
 * What a run needs from the process around it. Kept as an interface so tests
 * (and a future multi-process runtime) can supply their own.
 */
import type { Logger } from 'pino';
import type { CallGuard, ConnectorContext, ExternalCall } from '../core/connector.js';
export type { AttemptContext, CallGuard } from '../core/connector.js';
import type { SecretResolverChain } from '../core/secrets/resolver.js';
import type { Store } from '../store/types.js';
import type { ErrorKind, PatchbayError } from '../core/errors.js';
import { logCall, type CallRecord } from '../observability/call-log.js';

function withoutUndefined(call: ExternalCall): Omit<CallRecord, 'integration' | 'connector'> {
  return Object.fromEntries(Object.entries(call).filter(([, v]) => v !== undefined)) as Omit<
    CallRecord,
    'integration' | 'connector'
  >;
}

/**
 * The metric hooks the runtime calls. Implemented by `PatchbayMetrics`.
 *
 * @example
 * ```ts
 * // forward the runtime's measurements to StatsD instead of PatchbayMetrics
 * const metrics: RuntimeMetrics = {
 *   recordCall({ integration, outcome, errorKind, latencyMs }) {
 *     statsd.timing(`patchbay.${integration}.call`, latencyMs, { outcome, kind: errorKind ?? 'none' });
 *   },
 *   recordItems(integration, stage, count) {
 *     statsd.increment(`patchbay.${integration}.items.${stage}`, count);
 *   },
 * };
 * const runtime = await createRuntime({ integrations, store, metrics });
 * ```
 */
export interface RuntimeMetrics {
  recordCall(record: {
    integration: string;
    outcome: 'success' | 'failure';
    errorKind?: ErrorKind | undefined;
    latencyMs: number;
    stale?: boolean | undefined;
    /** A 304 Not Modified answer (`integration.<name>.not_modified`). */
    notModified?: boolean | undefined;
  }): void;
  recordItems(integration: string, stage: string, count: number): void;
  /**
   * Breaker gauge; fed by the policy pipelines' events. `side` is `'sink'`
   * for the breaker of steps and sink writes (named `<id>:sink`); absent for
   * the source's (named `<id>`).
   */
  setBreakerState?(
    integration: string,
    state: 'closed' | 'half-open' | 'open',
    side?: 'source' | 'sink',
  ): void;
  /** `integration.<name>.stale_served`. */
  recordStaleServed?(integration: string): void;
  /** Schema drift events seen by a mapping step (`integration.<name>.drift_events_total`). */
  recordDrift?(integration: string, kind: string, count: number): void;
}

/**
 * Everything a run uses.
 *
 * @example
 * ```ts
 * // a test harness: real store, no metrics, no policies, a fixed clock
 * const services: RuntimeServices = {
 *   store,
 *   logger: pino({ level: 'silent' }),
 *   metrics: { recordCall() {}, recordItems() {} },
 *   secrets: new SecretResolverChain(),
 *   guardFor: () => singleAttempt,
 *   now: () => Date.parse('2026-03-01T08:00:00Z'),
 * };
 * const result = await executeRun(services, prepareIntegration(ordersToWarehouse), { trigger: 'manual' });
 * ```
 */
export interface RuntimeServices {
  store: Store;
  logger: Logger;
  metrics: RuntimeMetrics;
  secrets: SecretResolverChain;
  /** Builds the policy pipeline of an integration (cached by the caller). */
  guardFor(integrationId: string): CallGuard;
  /**
   * The guard around the runtime's own work: steps and sink writes. The same
   * policies without the rate limiter, because `policies.rateLimit` is the
   * quota of the API the connectors call (through `ctx.guard`); a step or a
   * sink write taking a token too would spend that quota on local work (one
   * page plus one write made a poller reach half its allowed rate). Default:
   * {@link guardFor}.
   */
  workGuardFor?(integrationId: string): CallGuard;
  /**
   * The guard of a sink that guards its own calls (`guardsOwnCalls`): the
   * sink side's breaker (like {@link workGuardFor}) with the rate limiter,
   * because such a sink spends the remote API's quota. Default: {@link guardFor}.
   */
  sinkGuardFor?(integrationId: string): CallGuard;
  /**
   * Read-only: the `circuit_open` error a sink write would get now (the sink
   * side's breaker open or isolated), so a run can end before reading what it
   * could not write. Default: never held open.
   */
  sinkHeldOpen?(integrationId: string): Promise<PatchbayError | undefined>;
  /** Milliseconds since the epoch; replaceable in tests. */
  now(): number;
}

/**
 * Builds the context handed to connectors, with `recordCall` writing the one
 * log line and the metrics for each external call.
 *
 * @example
 * ```ts
 * const ctx = connectorContext(services, 'orders', 'http', signal);
 * ctx.recordCall({ operation: 'GET', target: '/orders', outcome: 'success', latencyMs: 12, attempt: 1 });
 * ```
 */
export function connectorContext(
  services: RuntimeServices,
  integrationId: string,
  connector: string,
  signal: AbortSignal,
  guard: CallGuard = services.guardFor(integrationId),
): ConnectorContext {
  const logger = services.logger.child({ integration: integrationId, connector });
  return {
    integrationId,
    logger,
    store: services.store,
    secrets: services.secrets,
    guard,
    signal,
    now: () => services.now(),
    recordCall(call: ExternalCall) {
      services.metrics.recordCall({
        integration: integrationId,
        outcome: call.outcome,
        errorKind: call.errorKind,
        latencyMs: call.latencyMs,
        stale: call.stale,
        notModified: call.notModified,
      });
      logCall(services.logger, {
        ...withoutUndefined(call),
        integration: integrationId,
        connector,
      });
    },
  };
}

/**
 * A guard that makes exactly one attempt; used when no policies are configured.
 *
 * @example
 * ```ts
 * await createRuntime({ integrations, store, guardFor: () => singleAttempt });
 * ```
 */
export const singleAttempt: CallGuard = {
  execute(fn, signal) {
    return fn({ signal: signal ?? new AbortController().signal, attempt: 1 });
  },
};
