/**
 * The step half of a batch: every item through the integration's steps, each
 * call through the guard, poison items dead-lettered, batch steps (aggregations)
 * called once with every record that reached them.
 */
import type { AttemptContext, SinkRecord, SourceItem } from '../core/connector.js';
import { classify } from '../core/classify.js';
import type { PatchbayError } from '../core/errors.js';
import type { BatchStepFn, BatchStepResult, StepContext } from '../core/integration.js';
import { modelOf } from '../core/model-stamp.js';
import {
  countError,
  isTransient,
  TransientBatchFailure,
  type BatchDeps,
  type Mapped,
} from './batch-types.js';
import { deadLetter } from './dead-letter.js';

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

/**
 * Runs a batch's items through the integration's steps: per-record segments
 * separated by batch steps. Items that fail permanently are dead-lettered;
 * returns the items with their sink records.
 *
 * @throws TransientBatchFailure when the run must stop without acknowledging the batch
 */
export async function mapBatch(
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
