/**
 * Operator retries of dead letters: each letter's raw input goes through the
 * same steps and sink as live input. A success removes the letter; a failure
 * counts a retry on it; a transient failure stops the batch of retries (the
 * downstream is still unwell, trying the rest now would only fail them too).
 */
import { PatchbayError } from '../core/errors.js';
import type { DeadLetter } from '../store/types.js';
import {
  emptyCounts,
  processBatch,
  TransientBatchFailure,
  type BatchDeps,
} from './process-batch.js';
import type { PreparedIntegration } from './prepare.js';
import { connectorContext, type RuntimeServices } from './services.js';
import { openSink, sinkGuard } from './sink.js';

/**
 * Outcome of retrying dead letters.
 *
 * @example
 * ```ts
 * const result: DeadLetterRetryResult = await runtime.retryDeadLetters('orders-to-warehouse', 'all');
 * console.log(`${result.succeeded.length}/${result.retried} retried`);
 * for (const f of result.failed) console.log(f.id, f.kind, f.code, f.message);
 * if (result.stoppedBy) console.log(`stopped early: ${result.stoppedBy.kind} ${result.stoppedBy.code}`);
 * ```
 */
export interface DeadLetterRetryResult {
  retried: number;
  succeeded: string[];
  failed: Array<{ id: string; kind: string; code: string; message: string }>;
  /** Set when a transient failure stopped the retries early. */
  stoppedBy?: { kind: string; code: string; message: string };
}

/**
 * Retries the given dead letters of one integration.
 *
 * @example
 * ```ts
 * const letters = await store.deadLetters.list('orders', { limit: 100 });
 * const result = await retryDeadLetters(services, prepared, letters);
 * ```
 */
export async function retryDeadLetters(
  services: RuntimeServices,
  prepared: PreparedIntegration,
  letters: readonly DeadLetter[],
  options: { signal?: AbortSignal; onProgress?: (done: number) => void } = {},
): Promise<DeadLetterRetryResult> {
  const signal = options.signal ?? new AbortController().signal;
  const ctx = connectorContext(
    services,
    prepared.id,
    'dlq-retry',
    signal,
    sinkGuard(services, prepared),
  );
  const sink = await openSink(prepared, ctx);
  const result: DeadLetterRetryResult = { retried: 0, succeeded: [], failed: [] };
  try {
    for (const letter of letters) {
      if (letter.integrationId !== prepared.id) {
        throw new PatchbayError(
          'config',
          `dead letter ${letter.id} belongs to ${letter.integrationId}, not ${prepared.id}`,
          {
            code: 'WRONG_INTEGRATION',
          },
        );
      }
      if (signal.aborted) break;
      let failedWith: PatchbayError | undefined;
      const deps: BatchDeps = {
        services,
        prepared,
        guard: services.workGuardFor?.(prepared.id) ?? services.guardFor(prepared.id),
        writeSink: sink.write,
        sinkGuardsOwnCalls: sink.guardsOwnCalls,
        sinkName: sink.name,
        ctx,
        mode: 'replay',
        dryRun: false,
        counts: emptyCounts(),
        onDeadLetter: async (_item, _stage, error) => {
          failedWith = error;
        },
      };
      result.retried += 1;
      try {
        await processBatch(deps, { items: [{ key: letter.itemKey, data: letter.raw }] });
      } catch (err) {
        if (!(err instanceof TransientBatchFailure)) throw err;
        await services.store.deadLetters.markRetried(letter.id, err.error.toJSON(), services.now());
        result.failed.push({
          id: letter.id,
          kind: err.error.kind,
          code: err.error.code,
          message: err.error.message,
        });
        result.stoppedBy = {
          kind: err.error.kind,
          code: err.error.code,
          message: err.error.message,
        };
        break;
      }
      if (failedWith) {
        await services.store.deadLetters.markRetried(
          letter.id,
          failedWith.toJSON(),
          services.now(),
        );
        result.failed.push({
          id: letter.id,
          kind: failedWith.kind,
          code: failedWith.code,
          message: failedWith.message,
        });
      } else {
        await services.store.deadLetters.remove([letter.id]);
        result.succeeded.push(letter.id);
      }
      options.onProgress?.(result.retried);
    }
  } finally {
    await sink.close();
  }
  return result;
}
