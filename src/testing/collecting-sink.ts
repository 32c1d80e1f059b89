/** A function sink that keeps what it is given: for asserting what an integration wrote. */
import type { SinkRecord } from '../core/connector.js';
import type { FunctionSink } from '../core/integration.js';

/**
 * A {@link FunctionSink} with the records it received.
 *
 * @example
 * ```ts
 * const sink: CollectingSink = collectingSink(async (records) => {
 *   if (records.some((r) => r.sourceKey === 'ORD-000017')) throw permanent('rejected by the warehouse');
 * });
 * await runtime.run('orders');
 * expect(sink.records.map((r) => r.sourceKey)).not.toContain('ORD-000017');
 * ```
 */
export interface CollectingSink extends FunctionSink {
  readonly records: SinkRecord[];
}

/**
 * Builds a sink that collects records; `write` (optional) runs first and may
 * throw or wait, to simulate a failing or slow destination.
 *
 * @example
 * ```ts
 * const sink = collectingSink();
 * await runtime.run('orders');
 * expect(sink.records).toHaveLength(50);
 * ```
 */
export function collectingSink(
  write?: (records: SinkRecord[]) => Promise<void> | void,
  name = 'collecting-sink',
): CollectingSink {
  const records: SinkRecord[] = [];
  return {
    name,
    idempotent: true,
    records,
    async write(batch) {
      await write?.(batch);
      records.push(...batch);
    },
  };
}
