/** Opens an integration's sink, whether a connector or a function sink, behind one shape. */
import type { ConnectorContext, SinkSession } from '../core/connector.js';
import type { SinkWriter } from './process-batch.js';
import type { PreparedIntegration } from './prepare.js';

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
