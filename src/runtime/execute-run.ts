/**
 * One run of an integration: open the source and sink, read batches, move
 * them through the pipeline with up to `concurrency` batches in flight, save
 * checkpoints in read order once each batch is acknowledged, record the run.
 */
import type { ReadContext, ReplayRange, SourceBatch, SourceSession } from '../core/connector.js';
import { classify } from '../core/classify.js';
import { isPatchbayError, type PatchbayError } from '../core/errors.js';
import type { RunRecord, RunStatus } from '../store/types.js';
import { CheckpointTracker } from './checkpoint-tracker.js';
import {
  emptyCounts,
  processBatch,
  TransientBatchFailure,
  type BatchDeps,
  type ItemCounts,
} from './process-batch.js';
import type { PreparedIntegration } from './prepare.js';
import { connectorContext, type RuntimeServices } from './services.js';
import { openSink, sinkGuard, type OpenSink } from './sink.js';

/**
 * How a run is started.
 *
 * @example
 * ```ts
 * // re-deliver one day of orders without touching the live checkpoint
 * const options: RunOptions = {
 *   trigger: 'replay',
 *   mode: 'replay',
 *   range: { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' },
 *   signal: AbortSignal.timeout(10 * 60_000),
 *   onProgress: (counts) => console.log(`${counts.written}/${counts.read} written`),
 * };
 * const result = await executeRun(services, prepared, options);
 * ```
 */
export interface RunOptions {
  /** What started it, for run history: `schedule`, `manual`, `replay`, `startup`... */
  trigger: string;
  mode?: 'live' | 'replay';
  /** Replay window; required in replay mode. */
  range?: ReplayRange | undefined;
  /** Read and map but write nothing and save nothing. */
  dryRun?: boolean;
  /**
   * Aborting it stops reading; batches already read still finish. The run
   * ends `cancelled`, except when the reason is a `SHUTTING_DOWN` error (the
   * runtime's graceful stop) and the run is a stream's or had read
   * everything: then it ends as it would have finished.
   */
  signal?: AbortSignal;
  /** Aborting it cancels everything, including writes of batches already read (the drain deadline). */
  hardSignal?: AbortSignal;
  /** Called after every batch, for progress bars. */
  onProgress?: (counts: Readonly<ItemCounts>) => void;
}

/**
 * The outcome of a run.
 *
 * @example
 * ```ts
 * const result: RunResult = await runtime.run('orders-to-warehouse', { dryRun: true });
 * if (result.status === 'failed') console.error(result.runId, result.error?.kind, result.error?.message);
 * else if (result.budgetReached) console.log(`stopped at the ${result.budgetReached} budget; the next run continues`);
 * else console.log(`${result.status}: ${result.counts.written} written`);
 * ```
 */
export interface RunResult {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  counts: ItemCounts;
  error: PatchbayError | undefined;
  /** Set when the run stopped at its item or time budget. */
  budgetReached: 'items' | 'time' | undefined;
}

/**
 * Executes one run and records it in the store's run history.
 *
 * @example
 * ```ts
 * const result = await executeRun(services, prepared, { trigger: 'manual' });
 * console.log(result.status, result.counts.written);
 * ```
 */
export async function executeRun(
  services: RuntimeServices,
  prepared: PreparedIntegration,
  options: RunOptions,
): Promise<RunResult> {
  const mode = options.mode ?? 'live';
  const dryRun = options.dryRun ?? false;
  const started = services.now();
  const { id: runId } = await services.store.runs.start({
    integrationId: prepared.id,
    trigger: options.trigger,
    mode: mode === 'replay' ? 'replay' : 'live',
    startedAt: started,
  });
  const stopReading = new AbortController();
  const onOuterAbort = () => stopReading.abort(options.signal?.reason);
  if (options.signal?.aborted) stopReading.abort(options.signal.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const counts = emptyCounts();
  let failure: PatchbayError | undefined;
  let budgetReached: RunResult['budgetReached'];
  /** The source ran out of items on its own, before any stop. */
  let exhausted = false;
  let source: SourceSession | undefined;
  let sink: OpenSink | undefined;
  const ctx = connectorContext(
    services,
    prepared.id,
    prepared.source.spec.kind,
    stopReading.signal,
  );
  // Writes keep their own signal: a shutdown stops reading, not the writes of batches already read.
  const sinkKind =
    prepared.sink.kind === 'function' ? prepared.sink.sink.name : prepared.sink.connector.spec.kind;
  const drainCtx = connectorContext(
    services,
    prepared.id,
    sinkKind,
    options.hardSignal ?? new AbortController().signal,
    sinkGuard(services, prepared),
  );

  try {
    // A run does not read what it cannot write: with the sink side's breaker open
    // (or isolated) every write would be turned away, so end before touching the source.
    if (!dryRun) {
      const held = await services.sinkHeldOpen?.(prepared.id);
      if (held) throw held;
    }
    source = await prepared.source.spec.connect(prepared.source.config, ctx);
    sink = await openSink(prepared, drainCtx);
    const checkpoint =
      mode === 'live' ? await services.store.checkpoints.get(prepared.id, 'default') : undefined;
    const saveCheckpoints = mode === 'live' && !dryRun;
    const tracker = new CheckpointTracker(async (cp) => {
      if (!saveCheckpoints) return;
      // Stamped with the runtime's clock: the stream's freshness is measured from it.
      await services.store.checkpoints.set(prepared.id, cp.stream ?? 'default', {
        kind: cp.kind,
        value: cp.value,
        updatedAt: services.now(),
      });
    });
    const deadline = started + prepared.maxRunMs;
    const readCtx: ReadContext = {
      ...ctx,
      checkpoint,
      mode,
      range: options.range,
      budget: { maxItems: prepared.maxItems, deadline },
    };
    const deps: BatchDeps = {
      services,
      prepared,
      guard: services.workGuardFor?.(prepared.id) ?? services.guardFor(prepared.id),
      writeSink: sink.write,
      sinkGuardsOwnCalls: sink.guardsOwnCalls,
      sinkName: sink.name,
      ctx: drainCtx,
      mode,
      dryRun,
      counts,
    };

    const inFlight = new Set<Promise<void>>();
    const handle = async (batch: SourceBatch, ticket: number) => {
      try {
        await processBatch(deps, batch);
        if (!dryRun) await batch.ack?.();
        await tracker.complete(ticket);
        options.onProgress?.(counts);
      } catch (err) {
        failure ??= err instanceof TransientBatchFailure ? err.error : classify(err);
        stopReading.abort(failure);
      }
    };

    const iterator = source.read(readCtx)[Symbol.asyncIterator]();
    try {
      while (!stopReading.signal.aborted) {
        const next = await iterator.next();
        if (next.done) {
          exhausted = !stopReading.signal.aborted;
          break;
        }
        const ticket = tracker.open(next.value.checkpoint);
        const task = handle(next.value, ticket);
        inFlight.add(task);
        void task.finally(() => inFlight.delete(task));
        // Backpressure: reading waits while `concurrency` batches are in flight.
        while (inFlight.size >= prepared.concurrency) await Promise.race(inFlight);
        if (counts.read >= prepared.maxItems) budgetReached = 'items';
        else if (services.now() >= deadline) budgetReached = 'time';
        if (budgetReached) break;
      }
    } catch (err) {
      failure ??= classify(err);
    } finally {
      await Promise.allSettled([...inFlight]);
      await iterator.return?.().catch(() => undefined);
    }
    await tracker.settled();
    // Batch steps hear of the end of a run that read its source to the end, with no
    // records: a windowed aggregation with `closeIdle` emits its idle windows even when
    // the source had nothing new. Nothing is read, so there is no checkpoint to move.
    if (exhausted && !failure && !dryRun && prepared.steps.some((s) => s.batch)) {
      await processBatch(deps, { items: [] }).catch((err: unknown) => {
        failure ??= err instanceof TransientBatchFailure ? err.error : classify(err);
      });
    }
  } catch (err) {
    failure ??= classify(err);
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    await source
      ?.close()
      .catch((err) =>
        services.logger.warn({ err, integration: prepared.id }, 'source close failed'),
      );
    await sink
      ?.close()
      .catch((err) => services.logger.warn({ err, integration: prepared.id }, 'sink close failed'));
  }

  if (failure?.kind === 'cancelled' && options.signal?.aborted) failure = undefined;
  if (failure) counts.errorsByKind[failure.kind] = (counts.errorsByKind[failure.kind] ?? 0) + 1;
  const shutdown = stoppedByShutdown(options, prepared, exhausted);
  const status: RunResult['status'] = failure
    ? 'failed'
    : options.signal?.aborted && !shutdown
      ? 'cancelled'
      : budgetReached || counts.deadLettered > 0
        ? 'partial'
        : 'succeeded';
  await services.store.runs.finish(runId, {
    status,
    counts,
    error: failure ? failure.toJSON() : null,
    finishedAt: services.now(),
  });
  const level = status === 'failed' ? 'error' : status === 'partial' ? 'warn' : 'info';
  services.logger[level](
    {
      integration: prepared.id,
      runId,
      mode,
      status,
      ...counts,
      budgetReached,
      ...(shutdown ? { stoppedBy: 'shutdown' } : {}),
      errorKind: failure?.kind,
      errorCode: failure?.code,
    },
    'run finished',
  );
  return { runId, status, counts, error: failure, budgetReached };
}

/**
 * Whether a graceful runtime shutdown ended the run without cutting its work
 * short: a stream has no end of its own, so the shutdown is how it finishes;
 * any run whose source had already ended only drained. Such a run ends as
 * `succeeded` (or `partial`), not `cancelled`. A run cut short mid-read, one
 * cancelled by its caller or by a lost lease, and one whose writes the drain
 * deadline killed stay `cancelled`.
 */
function stoppedByShutdown(
  options: RunOptions,
  prepared: PreparedIntegration,
  exhausted: boolean,
): boolean {
  const reason: unknown = options.signal?.aborted ? options.signal.reason : undefined;
  if (!isPatchbayError(reason) || reason.code !== 'SHUTTING_DOWN') return false;
  if (options.hardSignal?.aborted) return false;
  return exhausted || prepared.definition.trigger.type === 'stream';
}

/** The shape `patchbay status` shows for a run. */
export type RunSummary = Pick<RunRecord, 'id' | 'status' | 'startedAt' | 'finishedAt' | 'counts'>;
