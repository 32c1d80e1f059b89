/**
 * Moves one source batch through steps and sink. Permanent failures of single
 * items go to the dead-letter queue and the batch goes on; a transient failure
 * that outlived the retry policy stops the run without acknowledging the
 * batch, so its items are read again next time (at-least-once, nothing lost).
 */
import type { ConnectorContext, SinkRecord, SourceBatch, SourceItem } from '../core/connector.js';
import { classify } from '../core/classify.js';
import type { PatchbayError } from '../core/errors.js';
import type { JsonValue } from '../core/json-safe.js';
import { toJsonSafe } from '../core/json-safe.js';
import { redactDeep } from '../core/secrets/redaction.js';
import type { StepContext } from '../core/integration.js';
import type { PreparedIntegration } from './prepare.js';
import { singleAttempt, type CallGuard, type RuntimeServices } from './services.js';

/**
 * Counters of one batch (or one run).
 *
 * @example
 * ```ts
 * const counts: ItemCounts = (await runtime.run('orders-to-warehouse')).counts;
 * console.log(`read ${counts.read}, wrote ${counts.written}, skipped ${counts.skipped}, dead-lettered ${counts.deadLettered}`);
 * console.log(counts.errorsByKind); // e.g. { validation: 3, http_5xx: 1 }
 * ```
 */
export interface ItemCounts {
  read: number;
  written: number;
  skipped: number;
  deadLettered: number;
  errorsByKind: Record<string, number>;
}

/**
 * A fresh set of zero counters.
 *
 * @example
 * ```ts
 * const counts = emptyCounts(); counts.read += 10;
 * ```
 */
export function emptyCounts(): ItemCounts {
  return { read: 0, written: 0, skipped: 0, deadLettered: 0, errorsByKind: {} };
}

/** What writes a batch of records to the integration's sink. */
export type SinkWriter = (records: SinkRecord[], ctx: ConnectorContext) => Promise<void>;

/**
 * Raised inside a run when a transient failure outlived its retries.
 *
 * @example
 * ```ts
 * throw new TransientBatchFailure(httpError(503, 'PUT /orders'));
 * ```
 */
export class TransientBatchFailure extends Error {
  constructor(readonly error: PatchbayError) {
    super(error.message);
  }
}

interface Mapped {
  item: SourceItem;
  records: SinkRecord[];
}

/** Everything processBatch needs besides the batch. */
export interface BatchDeps {
  services: RuntimeServices;
  prepared: PreparedIntegration;
  guard: CallGuard;
  writeSink: SinkWriter;
  /** The sink runs each call through `ctx.guard` itself: write once, unwrapped. */
  sinkGuardsOwnCalls?: boolean;
  sinkName: string;
  ctx: ConnectorContext;
  mode: 'live' | 'replay';
  dryRun: boolean;
  counts: ItemCounts;
  /** Replaces the default dead-letter write (used when retrying dead letters). */
  onDeadLetter?: (
    item: SourceItem,
    stage: string,
    error: PatchbayError,
    attempts: number,
  ) => Promise<void>;
}

/** Errors that stop a run (the input is read again later) rather than dead-lettering it. */
/**
 * Errors that stop the run (the batch is read again next time) rather than
 * dead-letter the item: transient ones, and ones that are about the
 * destination rather than the item — an expired credential or a missing
 * table must not quietly empty the pipeline into the dead-letter queue.
 */
const STOPS_RUN = new Set(['circuit_open', 'cancelled', 'auth', 'config']);
function isTransient(err: PatchbayError): boolean {
  return err.retryable || STOPS_RUN.has(err.kind);
}

function countError(counts: ItemCounts, err: PatchbayError): void {
  counts.errorsByKind[err.kind] = (counts.errorsByKind[err.kind] ?? 0) + 1;
}

/**
 * Writes a dead letter for an item. Durable before the batch is acknowledged.
 *
 * @example
 * ```ts
 * await deadLetter(deps, item, 'sink', err, 5);
 * ```
 */
export async function deadLetter(
  deps: Pick<BatchDeps, 'services' | 'prepared' | 'counts' | 'onDeadLetter' | 'dryRun'>,
  item: SourceItem,
  stage: string,
  error: PatchbayError,
  attempts: number,
): Promise<void> {
  if (deps.onDeadLetter) {
    deps.counts.deadLettered += 1;
    await deps.onDeadLetter(item, stage, error, attempts);
    return;
  }
  if (deps.dryRun) {
    // A dry run reports what would be dead-lettered and writes nothing.
    deps.counts.deadLettered += 1;
    return;
  }
  const now = deps.services.now();
  await deps.services.store.deadLetters.add({
    integrationId: deps.prepared.id,
    stage,
    // Masked by the steps (sensitive mapping fields) before anything is stored.
    raw: redactDeep(
      toJsonSafe(deps.prepared.maskRaw ? deps.prepared.maskRaw(item.data) : item.data),
    ) as JsonValue,
    itemKey: item.key,
    error: redactDeep(error.toJSON()),
    attempts,
    firstSeenAt: now,
    lastSeenAt: now,
  });
  deps.counts.deadLettered += 1;
  deps.services.metrics.recordItems(deps.prepared.id, 'dead_lettered', 1);
  deps.services.logger.warn(
    {
      integration: deps.prepared.id,
      stage,
      itemKey: item.key,
      errorKind: error.kind,
      errorCode: error.code,
    },
    'dead-lettered',
  );
}

async function runSteps(
  deps: BatchDeps,
  item: SourceItem,
): Promise<SinkRecord[] | { stage: string; error: PatchbayError; attempts: number }> {
  let current: unknown[] = [item.data];
  for (const step of deps.prepared.steps) {
    let attempts = 0;
    try {
      const next: unknown[] = [];
      for (const record of current) {
        const stepCtx: StepContext = { ...deps.ctx, mode: deps.mode, sourceKey: item.key };
        const out = await deps.guard.execute(async ({ attempt }) => {
          attempts = attempt;
          return step.run(record, stepCtx);
        }, deps.ctx.signal);
        if (out === null || out === undefined) continue;
        if (Array.isArray(out)) next.push(...out);
        else next.push(out);
      }
      current = next;
    } catch (err) {
      return { stage: `step:${step.name}`, error: classify(err), attempts: Math.max(attempts, 1) };
    }
  }
  const records: SinkRecord[] = [];
  for (const data of current) {
    try {
      records.push({ data, idempotencyKey: deps.prepared.keyOf?.(data), sourceKey: item.key });
    } catch (err) {
      return { stage: 'idempotency-key', error: classify(err), attempts: 1 };
    }
  }
  return records;
}

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

async function mapAll(deps: BatchDeps, items: SourceItem[]): Promise<Mapped[]> {
  const mapped: Array<Mapped | undefined> = new Array(items.length);
  let next = 0;
  // Once one item stops the batch, the other workers stop too: the batch will be
  // read again, so dead-lettering its remaining items now would do it twice.
  let stopped: TransientBatchFailure | undefined;
  const worker = async () => {
    while (next < items.length && !stopped) {
      const index = next++;
      const item = items[index] as SourceItem;
      const result = await runSteps(deps, item);
      if (stopped) return;
      if (Array.isArray(result)) {
        mapped[index] = { item, records: result };
        if (result.length === 0) deps.counts.skipped += 1;
      } else if (isTransient(result.error)) {
        stopped = new TransientBatchFailure(result.error);
      } else {
        countError(deps.counts, result.error);
        await deadLetter(deps, item, result.stage, result.error, result.attempts);
      }
    }
  };
  const workers = Array.from({ length: Math.min(deps.prepared.concurrency, items.length) }, worker);
  await Promise.allSettled(workers);
  if (stopped) throw stopped;
  return mapped.filter((m): m is Mapped => m !== undefined && m.records.length > 0);
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
  const mapped = await mapAll(deps, batch.items);
  if (mapped.length === 0 || deps.dryRun) return;

  const all = mapped.flatMap((m) => m.records);
  const whole = await write(deps, all);
  if (whole.ok) {
    deps.counts.written += all.length;
    deps.services.metrics.recordItems(deps.prepared.id, 'written', all.length);
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
  for (const m of mapped) {
    const one = await write(deps, m.records);
    if (one.ok) {
      deps.counts.written += m.records.length;
      deps.services.metrics.recordItems(deps.prepared.id, 'written', m.records.length);
      continue;
    }
    // A transient failure is counted once, by the run it stops.
    if (isTransient(one.error)) throw new TransientBatchFailure(one.error);
    countError(deps.counts, one.error);
    await deadLetter(deps, m.item, 'sink', one.error, one.attempts);
  }
}
