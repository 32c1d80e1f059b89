/**
 * The reducers of an aggregation and their accumulators. Accumulators are
 * plain JSON (sums as BigInt digits in a string), so open windows can be
 * stored as they are and a restart continues exactly where it stopped.
 */
import type { JsonValue } from '../../core/json-safe.js';
import { addDecimals, formatDecimal, parseDecimal, type Decimal } from '../decimal.js';
import { compileGetter, parsePath, type Getter } from '../path.js';

/**
 * The reducer operations.
 *
 * @example
 * ```ts
 * const op: ReduceOp = 'sum';
 * ```
 */
export type ReduceOp = 'count' | 'sum' | 'min' | 'max' | 'first' | 'last' | 'collect';

const OPS: readonly ReduceOp[] = ['count', 'sum', 'min', 'max', 'first', 'last', 'collect'];

/**
 * One output field of an aggregation: `count`, or an operation on a field
 * path. `sum` is exact (decimal strings, never floating point) and emits a
 * decimal string; `min`/`max` compare numbers and numeric strings as
 * decimals and anything else (ISO dates) as text; `first`/`last`/`collect`
 * follow event time (arrival order within one batch).
 *
 * @example
 * ```ts
 * const total: ReducerSpec = { op: 'sum', field: 'amount' };
 * const parsed: ReducerSpec = parseReducer('sum(amount)') as ReducerSpec;
 * ```
 */
export interface ReducerSpec {
  op: ReduceOp;
  /** Field path of the value (not for `count`). */
  field?: string | undefined;
}

/**
 * Parses the short form `count`, `sum(amount)`, `max(lines[0].qty)`; returns
 * a message when it is not one.
 *
 * @example
 * ```ts
 * parseReducer('sum(amount)'); // { op: 'sum', field: 'amount' }
 * parseReducer('avg(x)'); // 'unknown reducer "avg"; allowed: count, sum, ...'
 * ```
 */
export function parseReducer(text: string): ReducerSpec | string {
  const m = /^\s*([a-z]+)\s*(?:\(\s*([^()]*?)\s*\))?\s*$/.exec(text);
  if (!m) return `expected count or op(field), e.g. sum(amount); got "${text}"`;
  const op = m[1] as ReduceOp;
  if (!OPS.includes(op)) return `unknown reducer "${m[1]}"; allowed: ${OPS.join(', ')}`;
  const field = m[2] || undefined;
  if (op !== 'count' && field === undefined) return `${op} needs a field: ${op}(field)`;
  if (field !== undefined && typeof parsePath(field) === 'string') {
    return `${field}: ${parsePath(field) as string}`;
  }
  return { op, field };
}

/** A value with its event time and arrival order. */
type Stamped = [value: JsonValue, time: number, seq: number];

/**
 * An accumulator as stored: count, exact sum (`[units, scale]`), or stamped values.
 *
 * @example
 * ```ts
 * const acc: Accumulator = { n: 3 };
 * ```
 */
export type Accumulator =
  { n: number } | { u: string; s: number } | { v: Stamped | null } | { all: Stamped[] };

/**
 * A compiled reducer: makes, updates and finishes an accumulator, or says
 * why a value cannot be reduced (the record is rejected with that reason).
 *
 * @example
 * ```ts
 * const r = compileReducer('total', { op: 'sum', field: 'amount' });
 * const acc = r.init();
 * r.add(acc, { amount: '0.1' }, 0, 0);
 * r.result(acc); // '0.1'
 * ```
 */
export interface Reducer {
  name: string;
  spec: ReducerSpec;
  init(): Accumulator;
  /** Checks the value of a record; a message when it cannot be reduced. */
  check(record: unknown): string | undefined;
  add(acc: Accumulator, record: unknown, time: number, seq: number): void;
  result(acc: Accumulator): JsonValue;
}

function decimalOf(v: unknown): Decimal | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? parseDecimal(String(v)) : undefined;
  if (typeof v === 'bigint') return { units: v, scale: 0 };
  if (typeof v === 'string') return parseDecimal(v);
  return undefined;
}

function compare(a: JsonValue, b: JsonValue): number {
  const da = decimalOf(a);
  const db = decimalOf(b);
  if (da && db) {
    const scale = Math.max(da.scale, db.scale);
    const ua = da.units * 10n ** BigInt(scale - da.scale);
    const ub = db.units * 10n ** BigInt(scale - db.scale);
    return ua < ub ? -1 : ua > ub ? 1 : 0;
  }
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

const byTime = (a: Stamped, b: Stamped) => a[1] - b[1] || a[2] - b[2];

function jsonOf(v: unknown): JsonValue {
  if (v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  return v as JsonValue;
}

/**
 * Compiles one reducer of an aggregation.
 *
 * @example
 * ```ts
 * const count = compileReducer('orders', { op: 'count' });
 * ```
 */
export function compileReducer(name: string, spec: ReducerSpec): Reducer {
  const get: Getter = spec.field
    ? compileGetter(parsePath(spec.field) as (string | number)[])
    : () => undefined;
  const pick = (better: (candidate: Stamped, current: Stamped) => boolean) => ({
    init: (): Accumulator => ({ v: null }),
    add(acc: Accumulator, record: unknown, time: number, seq: number) {
      const a = acc as { v: Stamped | null };
      const value = get(record);
      if (value === undefined || value === null) return;
      const candidate: Stamped = [jsonOf(value), time, seq];
      if (a.v === null || better(candidate, a.v)) a.v = candidate;
    },
    result: (acc: Accumulator) => (acc as { v: Stamped | null }).v?.[0] ?? null,
  });
  const base = { name, spec, check: (_record: unknown): string | undefined => undefined };
  switch (spec.op) {
    case 'count':
      return {
        ...base,
        init: () => ({ n: 0 }),
        add: (acc) => void ((acc as { n: number }).n += 1),
        result: (acc) => (acc as { n: number }).n,
      };
    case 'sum':
      return {
        ...base,
        check(record) {
          const v = get(record);
          if (v === undefined || v === null || decimalOf(v)) return undefined;
          return `${spec.field} is not a number: ${JSON.stringify(jsonOf(v))}`;
        },
        init: () => ({ u: '0', s: 0 }),
        add(acc, record) {
          const d = decimalOf(get(record));
          if (!d) return;
          const a = acc as { u: string; s: number };
          const sum = addDecimals([{ units: BigInt(a.u), scale: a.s }, d]);
          a.u = sum.units.toString();
          a.s = sum.scale;
        },
        result(acc) {
          const a = acc as { u: string; s: number };
          return formatDecimal({ units: BigInt(a.u), scale: a.s });
        },
      };
    case 'min':
      return { ...base, ...pick((c, cur) => compare(c[0], cur[0]) < 0) };
    case 'max':
      return { ...base, ...pick((c, cur) => compare(c[0], cur[0]) > 0) };
    case 'first':
      return { ...base, ...pick((c, cur) => byTime(c, cur) < 0) };
    case 'last':
      return { ...base, ...pick((c, cur) => byTime(c, cur) > 0) };
    case 'collect':
      return {
        ...base,
        init: () => ({ all: [] }),
        add(acc, record, time, seq) {
          const value = get(record);
          if (value !== undefined) (acc as { all: Stamped[] }).all.push([jsonOf(value), time, seq]);
        },
        result: (acc) => [...(acc as { all: Stamped[] }).all].sort(byTime).map((s) => s[0]),
      };
  }
}
