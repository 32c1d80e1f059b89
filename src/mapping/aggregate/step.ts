/**
 * `aggregateStep`: groups records by a key and reduces them, per batch or
 * per tumbling event-time window. A batch step (see `Step.batch`): the
 * runtime hands it every record of a source batch, writes what it emits,
 * and only then lets it make its window state final.
 *
 * Crash safety, live runs: open windows are kept in the store's cache
 * (namespace `patchbay.aggregate`, key `<integration>:<name>`, no
 * migration). The new state is saved after the batch's records are written
 * and before its checkpoint. A crash before that save reads the batch again
 * from the old state and emits the same windows with the same idempotency
 * keys (an idempotent sink overwrites them); a crash after it reads the
 * batch again into a state that already counted it, and the record ids
 * make those records count once. Batches of one integration pass this step
 * one at a time (the next waits until the previous one is written).
 * Replays aggregate in memory and never touch the live state.
 */
import type { BatchRecord, Step, StepContext } from '../../core/integration.js';
import { toJsonSafe, type JsonValue } from '../../core/json-safe.js';
import type { RejectAdd } from '../../store/types.js';
import { NOT_REDRIVABLE, REJECT_SINK } from '../step.js';
import { loadAggregation } from './load.js';
import { compileAggregation, type AggregateOptions, type CompiledAggregation } from './spec.js';
import {
  applyBatch,
  applyWindowed,
  emptyState,
  type AggregateInput,
  type AggregateOutcome,
  type AggregateState,
} from './state.js';

/**
 * The cache namespace of stored window state; the key is `<integration>:<name>`.
 *
 * @example
 * ```ts
 * const entry = await store.cache.get(AGGREGATE_STATE, 'parcel-scans:parcels-per-depot');
 * ```
 */
export const AGGREGATE_STATE = 'patchbay.aggregate';

/** One holder at a time; `acquire` resolves with the release function. */
class Lock {
  #tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return ready;
  }
}

function idsOf(agg: CompiledAggregation, records: readonly BatchRecord[]): AggregateInput[] {
  const positions = new Map<string, number>();
  return records.map((r) => {
    if (agg.idOf) {
      const v = agg.idOf(r.data);
      return { data: r.data, id: v === undefined || v === null ? undefined : String(v) };
    }
    if (r.sourceKey === undefined) return { data: r.data, id: undefined };
    const n = positions.get(r.sourceKey) ?? 0;
    positions.set(r.sourceKey, n + 1);
    return { data: r.data, id: `${r.sourceKey}#${n}` };
  });
}

type RejectSink = (reject: RejectAdd) => void | Promise<void>;
const sinkOf = (ctx: StepContext) =>
  (ctx as StepContext & { [REJECT_SINK]?: RejectSink })[REJECT_SINK];

async function reject(ctx: StepContext, agg: CompiledAggregation, outcome: AggregateOutcome) {
  const sink = sinkOf(ctx);
  for (const r of outcome.refused) {
    const entry: RejectAdd = {
      integrationId: ctx.integrationId,
      mapping: `aggregate:${agg.name}`,
      recordKey: r.input.id,
      fieldPath: r.fieldPath,
      rule: r.rule,
      message: r.message,
      value: r.value,
      raw: toJsonSafe(r.input.data),
      at: Date.now(),
    };
    if (sink) await sink(entry);
    else await ctx.store.rejects.add(entry);
    ctx.logger.warn(
      { aggregate: agg.name, id: r.input.id, rule: r.rule, field: r.fieldPath },
      'record rejected',
    );
  }
}

/**
 * A step that aggregates records by key. `within: 'batch'` emits one
 * record per key at the end of every batch; a window emits one record per
 * key and window once the window has closed. Records that cannot be
 * reduced, have no event time, or arrive after their window closed go to
 * the reject ledger (rule `reduce:<op>`, `event-time` or `late`). Emitted
 * records carry deterministic idempotency keys: give the integration an
 * idempotent sink and nothing is written twice. Accepts options or the
 * path of a YAML aggregation document (see `loadAggregation`).
 *
 * @example
 * ```ts
 * import { aggregateStep, mappingStep } from 'patchbay/mapping';
 * steps: [
 *   mappingStep('mappings/scan.yaml'),
 *   aggregateStep({
 *     name: 'parcels-per-depot',
 *     key: 'depot',
 *     reduce: { parcels: 'count', weight_kg: 'sum(weight_kg)' },
 *     within: { window: '5m', eventTime: 'scanned_at', lateness: '1m' },
 *   }),
 * ],
 * ```
 */
export function aggregateStep(options: AggregateOptions | string): Step {
  const agg = compileAggregation(typeof options === 'string' ? loadAggregation(options) : options);
  const locks = new Map<string, Lock>();
  const live = new Map<string, AggregateState>();
  const replay = new Map<string, AggregateState>();

  async function batch(records: BatchRecord[], ctx: StepContext) {
    const inputs = idsOf(agg, records);
    if (!agg.window) {
      const outcome = applyBatch(agg, inputs);
      await reject(ctx, agg, outcome);
      return { records: outcome.emitted };
    }
    if (sinkOf(ctx)) {
      // `patchbay rejects retry`: a window is event-time state, not something one
      // record can be re-driven into; the record stays in the ledger.
      const refused = inputs.map((input) => ({
        input,
        fieldPath: agg.window?.field ?? '',
        rule: NOT_REDRIVABLE,
        message: `a record cannot be re-driven into the windows of aggregate ${agg.name}; replay the source range instead (patchbay replay)`,
        value: null,
      }));
      await reject(ctx, agg, { emitted: [], refused });
      return { records: [] };
    }
    const id = ctx.integrationId;
    let lock = locks.get(id);
    if (!lock) locks.set(id, (lock = new Lock()));
    const release = await lock.acquire();
    try {
      const isReplay = ctx.mode === 'replay';
      const states = isReplay ? replay : live;
      let current = states.get(id);
      if (!current && !isReplay) {
        const stored = await ctx.store.cache.get(AGGREGATE_STATE, `${id}:${agg.name}`);
        current = stored ? (stored.value as unknown as AggregateState) : undefined;
      }
      const next = structuredClone(current ?? emptyState());
      const outcome = applyWindowed(agg, next, inputs, ctx.now?.() ?? Date.now());
      await reject(ctx, agg, outcome);
      return {
        records: outcome.emitted,
        async commit() {
          try {
            if (!isReplay) {
              const value = next as unknown as JsonValue;
              await ctx.store.cache.set(AGGREGATE_STATE, `${id}:${agg.name}`, value);
            }
            states.set(id, next);
          } finally {
            release();
          }
        },
        abort: release,
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  return { name: `aggregate:${agg.name}`, run: (record) => record, batch };
}
