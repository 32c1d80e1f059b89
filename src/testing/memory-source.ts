/**
 * A source that yields batches you hand it: for testing integrations,
 * steps and sinks without a real system behind them.
 */
import { z } from 'zod';
import {
  defineConnector,
  type ReadContext,
  type SourceBatch,
  type SourceSession,
} from '../core/connector.js';

/**
 * Batches as a list, or a generator that gets the read context (checkpoint, mode, range).
 *
 * @example
 * ```ts
 * const batches: MemoryBatches = async function* (ctx) {
 *   const from = Number(ctx.checkpoint?.value ?? 0);
 *   yield { items: [{ key: String(from + 1), data: { n: from + 1 } }], checkpoint: { kind: 'offset', value: from + 1 } };
 * };
 * defineIntegration({ ...options, source: memorySource({ batches }) });
 * ```
 */
export type MemoryBatches = SourceBatch[] | ((ctx: ReadContext) => AsyncIterable<SourceBatch>);

const config = z
  .object({
    batches: z.custom<MemoryBatches>(
      (v) => Array.isArray(v) || typeof v === 'function',
      'a list of batches or a function (ctx) => AsyncIterable<SourceBatch>',
    ),
  })
  .strict();

/**
 * The in-memory test source. Its capabilities claim checkpoint `offset` and
 * replay `checkpoint`, so the runtime treats it like a resumable source.
 *
 * @example
 * ```ts
 * source: memorySource({ batches: [{ items: [{ key: '1', data: { n: 1 } }], checkpoint: { kind: 'offset', value: 1 } }] })
 * ```
 */
export const memorySource = defineConnector({
  kind: 'memory-source',
  title: 'In-memory source (testing)',
  description: 'Yields the batches it is given. For tests; not a connector to a real system.',
  direction: 'source',
  config,
  capabilities: {
    ack: 'batch',
    checkpoint: 'offset',
    replay: 'checkpoint',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect(cfg): Promise<SourceSession> {
    return {
      async *read(ctx) {
        const batches = cfg.batches;
        if (Array.isArray(batches)) yield* batches;
        else yield* batches(ctx);
      },
      async close() {},
    };
  },
});
