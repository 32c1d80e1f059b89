/** Opens an integration's sink, whether a connector or a function sink, behind one shape. */
import type { ConnectorContext, SinkSession } from '../core/connector.js';
import type { SinkWriter } from './process-batch.js';
import type { PreparedIntegration } from './prepare.js';
import type { CallGuard, RuntimeServices } from './services.js';

/**
 * The guard a sink's own calls go through. `policies.rateLimit` is the quota
 * of the remote API an integration talks to: a sink that calls that API
 * itself (`guardsOwnCalls`, like `http-call`) spends it; any other sink (a
 * warehouse upsert, a file) gets the same policies without the limiter, so
 * loading a page never costs the source's quota. Either way the breaker is
 * the sink side's (`<id>:sink`), not the source's.
 *
 * @example
 * ```ts
 * const ctx = connectorContext(services, p.id, 'sql-upsert', signal, sinkGuard(services, p));
 * ```
 */
export function sinkGuard(services: RuntimeServices, prepared: PreparedIntegration): CallGuard {
  const own =
    prepared.sink.kind === 'connector' &&
    prepared.sink.connector.spec.capabilities.guardsOwnCalls === true;
  if (own) return services.sinkGuardFor?.(prepared.id) ?? services.guardFor(prepared.id);
  return services.workGuardFor?.(prepared.id) ?? services.guardFor(prepared.id);
}

/** An open sink. */
export interface OpenSink {
  name: string;
  write: SinkWriter;
  /** The sink guards each of its calls itself (see `ConnectorCapabilities.guardsOwnCalls`). */
  guardsOwnCalls: boolean;
  close(): Promise<void>;
}

/**
 * Opens the sink of an integration.
 *
 * @example
 * ```ts
 * const sink = await openSink(prepared, ctx);
 * try { await sink.write(records, ctx); } finally { await sink.close(); }
 * ```
 */
export async function openSink(
  prepared: PreparedIntegration,
  ctx: ConnectorContext,
): Promise<OpenSink> {
  if (prepared.sink.kind === 'function') {
    const sink = prepared.sink.sink;
    return {
      name: sink.name,
      write: (records, c) => sink.write(records, c),
      guardsOwnCalls: false,
      close: async () => {},
    };
  }
  const { spec, config } = prepared.sink.connector;
  const session: SinkSession = await spec.connect(config, ctx);
  return {
    name: spec.kind,
    write: (records, c) => session.write(records, c),
    guardsOwnCalls: spec.capabilities.guardsOwnCalls === true,
    close: () => session.close(),
  };
}
