/**
 * Moves one source batch through steps and sink. Permanent failures of single
 * items go to the dead-letter queue and the batch goes on; a transient failure
 * that outlived the retry policy stops the run without acknowledging the
 * batch, so its items are read again next time (at-least-once, nothing lost).
 */
import type {
  AttemptContext,
  ConnectorContext,
  SinkRecord,
  SourceBatch,
  SourceItem,
} from '../core/connector.js';
import { classify } from '../core/classify.js';
import type { PatchbayError } from '../core/errors.js';
import type { JsonValue } from '../core/json-safe.js';
import { toJsonSafe } from '../core/json-safe.js';
import { redactDeep } from '../core/secrets/redaction.js';
import type { BatchStepFn, BatchStepResult, StepContext } from '../core/integration.js';
import { modelOf } from '../core/model-stamp.js';
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

type PreparedStep = BatchDeps['prepared']['steps'][number];

interface StepFailure {
  stage: string;
  error: PatchbayError;
  attempts: number;
}

/**
 * The step context of one batch without its `sourceKey`: `deps.ctx` plus the
 * run's mode and the drift counter. Built once per batch; each item gets a
 * copy with its own `sourceKey` (one object per item, not per record and step).
 */
function stepContextOf(deps: BatchDeps): StepContext {
  const metrics = deps.services.metrics;
  const id = deps.prepared.id;
  const recordDrift = metrics.recordDrift
    ? (kind: string, n: number) => metrics.recordDrift?.(id, kind, n)
    : undefined;
  return { ...deps.ctx, mode: deps.mode, sourceKey: undefined, recordDrift };
}

/** The step call of one item: which step, on which record, and the attempts it took. */
interface CallState {
  step: PreparedStep;
  input: unknown;
  ctx: StepContext;
  attempts: number;
}

/**
 * The function the guard runs for one step call (retries run it again). Made
 * by a factory, so it is anonymous: tsx's `keepNames` would otherwise name
 * every per-item closure with a `defineProperty` call.
 */
function guardedCall(state: CallState): (attempt: AttemptContext) => Promise<unknown> {
  return (attempt) => {
    state.attempts = attempt.attempt;
    try {
      const result = state.step.run(state.input, state.ctx);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

/**
 * Runs `steps` (per record) on one item's data, each call through the guard
 * (retries, timeout, breaker per record, as before). The records that come
 * out are pushed onto `out`; returns why the item failed, if it did.
 *
 * The common case — one record in, at most one out of every step — uses no
 * arrays and one guarded-call closure for all steps of the item.
 */
async function runSteps(
  deps: BatchDeps,
  base: StepContext,
  item: SourceItem,
  steps: readonly PreparedStep[],
  out: unknown[],
): Promise<StepFailure | undefined> {
  if (steps.length === 0) {
    out.push(item.data);
    return undefined;
  }
  const guard = deps.guard;
  const signal = deps.ctx.signal;
  // What the guarded call runs; set before each call (calls of one item run one at a time).
  const state: CallState = {
    step: steps[0] as PreparedStep,
    input: item.data,
    ctx: { ...base, sourceKey: item.key },
    attempts: 0,
  };
  const call = guardedCall(state);
  // `many` holds the records once a step returned an array; until then `one` is the only record.
  let one: unknown = item.data;
  let many: unknown[] | undefined;
  for (let s = 0; s < steps.length; s++) {
    const step = steps[s] as PreparedStep;
    state.step = step;
    state.attempts = 0;
    try {
      if (many === undefined) {
        state.input = one;
        const result = await guard.execute(call, signal);
        if (result === null || result === undefined) return undefined;
        if (Array.isArray(result)) many = [...(result as unknown[])];
        else one = result;
        continue;
      }
      const next: unknown[] = [];
      for (const record of many) {
        state.input = record;
        const result = await guard.execute(call, signal);
        if (result === null || result === undefined) continue;
        if (Array.isArray(result)) next.push(...(result as unknown[]));
        else next.push(result);
      }
      many = next;
    } catch (err) {
      const attempts = Math.max(state.attempts, 1);
      return { stage: `step:${step.name}`, error: classify(err), attempts };
    }
  }
  if (many === undefined) out.push(one);
  else for (const record of many) out.push(record);
  return undefined;
}

/**
 * Turns the records of one item into what the sink gets, in place: idempotency
 * key (a batch step's own key wins) and model stamp.
 */
function toSinkRecords(
  deps: BatchDeps,
  item: SourceItem,
  out: unknown[],
  emittedKey: string | undefined,
): StepFailure | undefined {
  const keyOf = deps.prepared.keyOf;
  const sourceKey = item.key;
  for (let i = 0; i < out.length; i++) {
    const data = out[i];
    try {
      const idempotencyKey = emittedKey ?? keyOf?.(data);
      const record: SinkRecord = { data, idempotencyKey, sourceKey };
      const model = modelOf(data);
      if (model) record.model = model;
      out[i] = record;
    } catch (err) {
      return { stage: 'idempotency-key', error: classify(err), attempts: 1 };
    }
  }
  return undefined;
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

interface Segment {
  /** Per-record steps, then (unless last) the batch step that ends the segment. */
  steps: PreparedStep[];
  batch: PreparedStep | undefined;
}

/** Splits the steps after each batch step: per-record runs, then one batch call. */
function segmentsOf(steps: readonly PreparedStep[]): Segment[] {
  const out: Segment[] = [{ steps: [], batch: undefined }];
  for (const step of steps) {
    const last = out[out.length - 1] as Segment;
    last.steps.push(step);
    if (step.batch) {
      last.batch = step;
      out.push({ steps: [], batch: undefined });
    }
  }
  return out;
}

async function mapAll(
  deps: BatchDeps,
  base: StepContext,
  items: SourceItem[],
  segment: Segment,
  emitted: boolean,
): Promise<Mapped[]> {
  const mapped: Array<Mapped | undefined> = new Array(items.length);
  let next = 0;
  // Once one item stops the batch, the other workers stop too: the batch will be
  // read again, so dead-lettering its remaining items now would do it twice.
  let stopped: TransientBatchFailure | undefined;
  const worker = async () => {
    while (next < items.length && !stopped) {
      const index = next++;
      const item = items[index] as SourceItem;
      const out: unknown[] = [];
      let failure = await runSteps(deps, base, item, segment.steps, out);
      if (failure === undefined && !segment.batch) {
        failure = toSinkRecords(deps, item, out, emitted ? item.key : undefined);
      }
      if (stopped) return;
      if (failure === undefined) {
        // Before a batch step the records are still plain data (SinkRecord-shaped later).
        if (segment.batch) {
          for (let i = 0; i < out.length; i++) {
            out[i] = { data: out[i], idempotencyKey: undefined, sourceKey: item.key };
          }
        }
        mapped[index] = { item, records: out as SinkRecord[] };
        if (out.length === 0 && !emitted) deps.counts.skipped += 1;
      } else if (isTransient(failure.error)) {
        stopped = new TransientBatchFailure(failure.error);
      } else {
        countError(deps.counts, failure.error);
        await deadLetter(deps, item, failure.stage, failure.error, failure.attempts);
      }
    }
  };
  const workers = Array.from({ length: Math.min(deps.prepared.concurrency, items.length) }, worker);
  await Promise.allSettled(workers);
  if (stopped) throw stopped;
  const result: Mapped[] = [];
  for (const m of mapped) if (m !== undefined && m.records.length > 0) result.push(m);
  return result;
}

/**
 * Calls a batch step with every record that reached it. Its output records
 * become items of their own (keyed by the step), so the steps after it, the
 * sink write and poison isolation treat them like any other item.
 */
async function runBatchStep(
  deps: BatchDeps,
  step: PreparedStep,
  mapped: Mapped[],
  results: BatchStepResult[],
): Promise<SourceItem[]> {
  const batch = step.batch as BatchStepFn;
  const records = mapped.flatMap((m) =>
    m.records.map((r) => ({ data: r.data, sourceKey: m.item.key })),
  );
  try {
    const result = await batch(records, { ...deps.ctx, mode: deps.mode, sourceKey: undefined });
    results.push(result);
    return result.records.map((r) => ({ key: r.key, data: r.data }));
  } catch (err) {
    const error = classify(err);
    if (isTransient(error)) throw new TransientBatchFailure(error);
    // A batch step fails for all its inputs at once: each contributing item is dead-lettered.
    for (const m of mapped) {
      countError(deps.counts, error);
      await deadLetter(deps, m.item, `step:${step.name}`, error, 1);
    }
    return [];
  }
}

/** Steps of a batch: per-record segments separated by batch steps. */
async function mapBatch(
  deps: BatchDeps,
  items: SourceItem[],
  results: BatchStepResult[],
): Promise<Mapped[]> {
  let current = items;
  let emitted = false;
  let mapped: Mapped[] = [];
  const base = stepContextOf(deps);
  for (const segment of segmentsOf(deps.prepared.steps)) {
    mapped = await mapAll(deps, base, current, segment, emitted);
    if (!segment.batch) break;
    current = await runBatchStep(deps, segment.batch, mapped, results);
    emitted = true;
  }
  return mapped;
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
