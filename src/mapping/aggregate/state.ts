/**
 * The window state of an aggregation and how one batch changes it. Pure:
 * the step decides where the state lives (the store for live runs, memory
 * for replays) and when a change becomes final (after the batch is written).
 *
 * A window `[start, start + size)` closes when the watermark (the newest
 * event time of any earlier batch) reaches `end + lateness`. The watermark
 * moves once per batch, after the batch's records are placed, so the order
 * of records within a batch never matters. Records a window already counted
 * are recognised by id and skipped, so a batch read again after a crash
 * counts once; a closed window keeps its ids for `keepClosed` batches.
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '../../core/json-safe.js';
import type { Accumulator } from './reducers.js';
import type { CompiledAggregation } from './spec.js';

interface Group {
  key: JsonValue[];
  acc: Accumulator[];
}

interface OpenWindow {
  seen: string[];
  seq: number;
  groups: Record<string, Group>;
}

/**
 * The stored state of a windowed aggregation (JSON).
 *
 * @example
 * ```ts
 * const empty: AggregateState = emptyState();
 * Object.keys(empty.open).length; // 0
 * ```
 */
export interface AggregateState {
  v: 1;
  /** Newest event time placed by an earlier batch; null before the first. */
  watermark: number | null;
  /** Batches applied so far (ages closed windows). */
  batches: number;
  /** Open windows by start (epoch ms as text). */
  open: Record<string, OpenWindow>;
  /** Recently closed windows: their record ids and the batch that closed them. */
  closed: Record<string, { seen: string[]; batch: number }>;
  /** Wall-clock time the last record was placed in a window (for `closeIdle`). */
  lastArrivalAt?: number | undefined;
}

/**
 * A record entering an aggregation, with its identity (if known).
 *
 * @example
 * ```ts
 * const input: AggregateInput = { data: { sku: 'A-1', qty: 2 }, id: 'order-7#0' };
 * ```
 */
export interface AggregateInput {
  data: unknown;
  id: string | undefined;
}

/**
 * A record the aggregation refused, with the reason for the reject ledger.
 *
 * @example
 * ```ts
 * const r: AggregateRefusal = { input, fieldPath: 'scanned_at', rule: 'late', message: '...', value: '2026-11-23T10:01:00Z' };
 * ```
 */
export interface AggregateRefusal {
  input: AggregateInput;
  fieldPath: string;
  rule: string;
  message: string;
  value: JsonValue;
}

/**
 * What one batch produced: records to emit (with their deterministic keys) and refusals.
 *
 * @example
 * ```ts
 * const { emitted, refused } = applyWindowed(agg, state, inputs);
 * ```
 */
export interface AggregateOutcome {
  emitted: Array<{ key: string; data: Record<string, unknown> }>;
  refused: AggregateRefusal[];
}

/**
 * A state with no windows.
 *
 * @example
 * ```ts
 * const state = emptyState();
 * ```
 */
export function emptyState(): AggregateState {
  return { v: 1, watermark: null, batches: 0, open: {}, closed: {} };
}

function jsonKey(values: readonly unknown[]): JsonValue[] {
  return values.map((v) =>
    v === undefined ? null : typeof v === 'bigint' ? v.toString() : (v as JsonValue),
  );
}

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.getTime() : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

function checkReducers(
  agg: CompiledAggregation,
  input: AggregateInput,
): AggregateRefusal | undefined {
  for (const r of agg.reducers) {
    const message = r.check(input.data);
    if (message) {
      return {
        input,
        fieldPath: r.spec.field ?? '',
        rule: `reduce:${r.spec.op}`,
        message,
        value: null,
      };
    }
  }
  return undefined;
}

function output(
  agg: CompiledAggregation,
  group: Group,
  window?: { start: number; end: number },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  agg.writeKey(out, group.key);
  if (window) {
    out['window_start'] = new Date(window.start).toISOString();
    out['window_end'] = new Date(window.end).toISOString();
  }
  agg.reducers.forEach((r, i) => (out[r.name] = r.result(group.acc[i] as Accumulator)));
  return out;
}

function addTo(
  agg: CompiledAggregation,
  groups: Record<string, Group>,
  data: unknown,
  time: number,
  seq: number,
): void {
  const key = jsonKey(agg.keyOf(data));
  const gk = JSON.stringify(key);
  let group = groups[gk];
  if (!group) {
    group = { key, acc: agg.reducers.map((r) => r.init()) };
    groups[gk] = group;
  }
  agg.reducers.forEach((r, i) => r.add(group.acc[i] as Accumulator, data, time, seq));
}

/**
 * Aggregates one batch on its own (`within: 'batch'`). Each output's key
 * is derived from the ids of the batch's records, so the same batch read
 * again emits the same keys and an idempotent sink writes it once.
 *
 * @example
 * ```ts
 * const { emitted } = applyBatch(agg, [{ data: { sku: 'A', qty: '1.5' }, id: 'o1#0' }]);
 * ```
 */
export function applyBatch(
  agg: CompiledAggregation,
  inputs: readonly AggregateInput[],
): AggregateOutcome {
  const refused: AggregateRefusal[] = [];
  const groups: Record<string, Group> = {};
  const seen = new Set<string>();
  const ids: string[] = [];
  inputs.forEach((input, seq) => {
    const refusal = checkReducers(agg, input);
    if (refusal) return void refused.push(refusal);
    if (input.id !== undefined) {
      if (seen.has(input.id)) return;
      seen.add(input.id);
      ids.push(input.id);
    }
    addTo(agg, groups, input.data, 0, seq);
  });
  const digest = createHash('sha256').update(JSON.stringify(ids.sort())).digest('hex').slice(0, 16);
  const emitted = Object.entries(groups)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([gk, group]) => ({ key: `${agg.name}:batch:${digest}:${gk}`, data: output(agg, group) }));
  return { emitted, refused };
}

/**
 * Places one batch's records in their windows (changing `state`), moves
 * the watermark, and closes and emits every window it passed. Output keys
 * are `<name>:<window start>:<group key>`: a window emitted again after a
 * crash carries the same key.
 *
 * @example
 * ```ts
 * const state = emptyState();
 * const { emitted, refused } = applyWindowed(agg, state, inputs, Date.now());
 * ```
 */
export function applyWindowed(
  agg: CompiledAggregation,
  state: AggregateState,
  inputs: readonly AggregateInput[],
  now: number = Date.now(),
): AggregateOutcome {
  const w = agg.window;
  if (!w) throw new TypeError('applyWindowed needs a windowed aggregation');
  const refused: AggregateRefusal[] = [];
  const before = state.watermark ?? Number.NEGATIVE_INFINITY;
  const seenSets = new Map<string, Set<string>>();
  const seenIn = (start: string, list: string[]) => {
    let set = seenSets.get(start);
    if (!set) seenSets.set(start, (set = new Set(list)));
    return set;
  };
  let newest = before;
  const batch = state.batches + 1;
  for (const input of inputs) {
    const raw = w.timeOf(input.data);
    const time = timeOf(raw);
    const value = (
      raw === undefined ? null : raw instanceof Date ? raw.toISOString() : raw
    ) as JsonValue;
    if (time === undefined) {
      refused.push({
        input,
        fieldPath: w.field,
        rule: 'event-time',
        message: `event time ${JSON.stringify(value)} is not a date-time or epoch milliseconds`,
        value,
      });
      continue;
    }
    const refusal = checkReducers(agg, input);
    if (refusal) {
      refused.push(refusal);
      continue;
    }
    const start = Math.floor(time / w.sizeMs) * w.sizeMs;
    const sk = String(start);
    const closed = state.closed[sk];
    if (closed && input.id !== undefined && seenIn(sk, closed.seen).has(input.id)) continue;
    if (closed || start + w.sizeMs + w.latenessMs <= before) {
      refused.push({
        input,
        fieldPath: w.field,
        rule: 'late',
        message: `event time ${new Date(time).toISOString()} is beyond the allowed lateness of ${w.latenessMs} ms: its window [${new Date(start).toISOString()}, ${new Date(start + w.sizeMs).toISOString()}) closed when event time reached ${new Date(before).toISOString()}`,
        value,
      });
      continue;
    }
    let open = state.open[sk];
    if (!open) state.open[sk] = open = { seen: [], seq: 0, groups: {} };
    if (input.id !== undefined) {
      const seen = seenIn(sk, open.seen);
      if (seen.has(input.id)) continue;
      seen.add(input.id);
      open.seen.push(input.id);
    }
    addTo(agg, open.groups, input.data, time, open.seq++);
    state.lastArrivalAt = now;
    if (time > newest) newest = time;
  }
  // Quiet for closeIdle: every open window closes, and event time moves past them all,
  // so a record for one of them that comes later is late like any other.
  const idle =
    w.idleMs !== undefined &&
    state.lastArrivalAt !== undefined &&
    now - state.lastArrivalAt >= w.idleMs;
  if (idle) {
    for (const sk of Object.keys(state.open)) {
      newest = Math.max(newest, Number(sk) + w.sizeMs + w.latenessMs);
    }
  }
  if (Number.isFinite(newest)) state.watermark = newest;
  state.batches = batch;
  const emitted: AggregateOutcome['emitted'] = [];
  const due = Object.keys(state.open)
    .map(Number)
    .filter((start) => start + w.sizeMs + w.latenessMs <= newest)
    .sort((a, b) => a - b);
  for (const start of due) {
    const sk = String(start);
    const open = state.open[sk] as OpenWindow;
    const window = { start, end: start + w.sizeMs };
    for (const gk of Object.keys(open.groups).sort()) {
      const data = output(agg, open.groups[gk] as Group, window);
      emitted.push({ key: `${agg.name}:${new Date(start).toISOString()}:${gk}`, data });
    }
    state.closed[sk] = { seen: open.seen, batch };
    delete state.open[sk];
  }
  for (const [sk, c] of Object.entries(state.closed)) {
    if (c.batch <= batch - agg.keepClosed) delete state.closed[sk];
  }
  return { emitted, refused };
}
