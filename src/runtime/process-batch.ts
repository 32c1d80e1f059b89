/**
 * Moves one source batch through steps and sink. Permanent failures of single
 * items go to the dead-letter queue and the batch goes on; a transient failure
 * that outlived the retry policy stops the run without acknowledging the
 * batch, so its items are read again next time (at-least-once, nothing lost).
 * The steps run in map-batch.ts; this file writes their records.
 */
import type { SinkRecord, SourceBatch } from '../core/connector.js';
import { classify } from '../core/classify.js';
import type { PatchbayError } from '../core/errors.js';
import type { BatchStepResult } from '../core/integration.js';
import {
  countError,
  isTransient,
  TransientBatchFailure,
  type BatchDeps,
  type Mapped,
} from './batch-types.js';
import { deadLetter } from './dead-letter.js';
import { mapBatch } from './map-batch.js';
import { singleAttempt } from './services.js';

export {
  emptyCounts,
  TransientBatchFailure,
  type BatchDeps,
  type ItemCounts,
  type SinkWriter,
} from './batch-types.js';
export { deadLetter } from './dead-letter.js';

async function write(
  deps: BatchDeps,
  records: SinkRecord[],
): Promise<{ ok: true } | { ok: false; error: PatchbayError; attempts: number }> {
  let attempts = 0;
  try {
    const guard = deps.sinkGuardsOwnCalls ? singleAttempt : deps.guard;
    await guard.execute(async ({ attempt, signal }) => {
      attempts = attempt;
      const started = performance.now();
      try {
        await deps.writeSink(records, { ...deps.ctx, signal });
        deps.ctx.recordCall({
          operation: 'write',
          target: deps.sinkName,
          outcome: 'success',
          latencyMs: performance.now() - started,
          attempt,
          idempotencyKey: records.length === 1 ? records[0]?.idempotencyKey : undefined,
        });
      } catch (err) {
        const error = classify(err);
        deps.ctx.recordCall({
          operation: 'write',
          target: deps.sinkName,
          outcome: 'failure',
          errorKind: error.kind,
          errorCode: error.code,
          latencyMs: performance.now() - started,
          attempt,
          idempotencyKey: records.length === 1 ? records[0]?.idempotencyKey : undefined,
        });
        throw error;
      }
    }, deps.ctx.signal);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: classify(err), attempts: Math.max(attempts, 1) };
  }
}

/**
 * Processes one batch: steps, then one sink write for all its records; when
 * that fails permanently, each record is written alone so only the bad ones
 * are dead-lettered.
 *
 * @throws TransientBatchFailure when the run must stop without acknowledging the batch
 * @example
 * ```ts
 * await processBatch(deps, batch); // then acknowledge and release the checkpoint
 * ```
 */
export async function processBatch(deps: BatchDeps, batch: SourceBatch): Promise<void> {
  deps.counts.read += batch.items.length;
  deps.services.metrics.recordItems(deps.prepared.id, 'read', batch.items.length);
  countDropped(deps, batch.dropped);
  // Batch steps (aggregations) make their state final only once the batch is written.
  const results: BatchStepResult[] = [];
  let committed = false;
  try {
    const mapped = await mapBatch(deps, batch.items, results);
    if (deps.dryRun) return;
    if (mapped.length > 0) await writeMapped(deps, mapped);
    for (const r of results) await r.commit?.();
    committed = true;
  } finally {
    if (!committed) for (const r of results) r.abort?.();
  }
}

async function writeMapped(deps: BatchDeps, mapped: Mapped[]): Promise<void> {
  const all: SinkRecord[] = [];
  for (const m of mapped) for (const r of m.records) all.push(r);
  const whole = await write(deps, all);
  if (whole.ok) {
    deps.counts.written += all.length;
    deps.services.metrics.recordItems(deps.prepared.id, 'written', all.length);
    await resolveLedgers(deps, mapped);
    return;
  }
  // A transient failure is counted once, by the run it stops.
  if (isTransient(whole.error)) throw new TransientBatchFailure(whole.error);
  if (all.length === 1) countError(deps.counts, whole.error);
  if (all.length === 1) {
    await deadLetter(deps, (mapped[0] as Mapped).item, 'sink', whole.error, whole.attempts);
    return;
  }
  // Isolate the poison records: write each source item's records alone; the
  // errors are counted against the records that caused them.
  const loaded: Mapped[] = [];
  for (const m of mapped) {
    const one = await write(deps, m.records);
    if (one.ok) {
      deps.counts.written += m.records.length;
      deps.services.metrics.recordItems(deps.prepared.id, 'written', m.records.length);
      loaded.push(m);
      continue;
    }
    // A transient failure is counted once, by the run it stops.
    if (isTransient(one.error)) throw new TransientBatchFailure(one.error);
    countError(deps.counts, one.error);
    await deadLetter(deps, m.item, 'sink', one.error, one.attempts);
  }
  await resolveLedgers(deps, loaded);
}

/**
 * A reject or dead letter whose item has now been loaded (a replay after the
 * reference data or the destination was fixed, or the same record read again
 * corrected) is stale: it leaves its ledger, so both list only what is still
 * missing downstream. Both are keyed by the item's key (unless a step chose
 * its own reject key). They are usually empty, so an existence check (one
 * index probe each) comes first and a delete only when there is something
 * to resolve.
 */
async function resolveLedgers(deps: BatchDeps, loaded: readonly Mapped[]): Promise<void> {
  if (loaded.length === 0) return;
  const { rejects, deadLetters } = deps.services.store;
  const id = deps.prepared.id;
  const [parked, dead] = await Promise.all([rejects.any(id), deadLetters.any(id)]);
  if (!parked && !dead) return;
  const keys: string[] = [];
  for (const m of loaded) {
    if (m.records.length > 0 && typeof m.item.key === 'string') keys.push(m.item.key);
  }
  const [rejectsResolved, lettersResolved] = await Promise.all([
    parked ? rejects.resolve(id, keys) : 0,
    dead ? deadLetters.resolve(id, keys) : 0,
  ]);
  if (rejectsResolved + lettersResolved > 0) {
    deps.ctx.logger.info(
      { rejectsResolved, deadLettersResolved: lettersResolved },
      'rejects and dead letters resolved: their items loaded',
    );
  }
}

/** Items a source read and did not emit: read and skipped, by error kind when given. */
function countDropped(deps: BatchDeps, dropped: SourceBatch['dropped']): void {
  const n = dropped?.count ?? 0;
  if (!(n > 0)) return;
  deps.counts.read += n;
  deps.counts.skipped += n;
  deps.services.metrics.recordItems(deps.prepared.id, 'read', n);
  deps.services.metrics.recordItems(deps.prepared.id, 'skipped', n);
  const kind = dropped?.errorKind;
  if (kind) deps.counts.errorsByKind[kind] = (deps.counts.errorsByKind[kind] ?? 0) + n;
}
