/**
 * Periodic full reconciliation, for sources whose deletes are hard: a
 * deleted row leaves no trace a watermark could see. The extract pages
 * through the source's primary keys (keyset, LIMIT, never OFFSET, in the same
 * read-only session) and emits one range tombstone per page: "between these
 * two keys, exactly these keys exist". The sink compares that with the keys
 * it loaded in the same range and deletes (or soft-deletes) the rest by key.
 * Each tombstone is self-contained, so an interrupted reconcile deletes
 * nothing wrongly; it is simply done again on the next run.
 *
 * Databases order keys differently (collations, numeric text), so both sides
 * compare keys with one rule, {@link compareKeys}: the source refuses to
 * reconcile when its order disagrees, and the sink deletes only keys that the
 * rule places inside the range.
 */
import type { Dialect, Statement } from './types.js';

/**
 * The payload of a range tombstone, under the configured field (default `_reconcile`).
 * `after` is exclusive and `through` inclusive; `null` means unbounded.
 *
 * @example
 * ```ts
 * const t: RangeTombstone = { after: [100], through: [200], keys: [[101], [150], [200]] };
 * ```
 */
export interface RangeTombstone {
  after: unknown[] | null;
  through: unknown[] | null;
  /** Every key present in the source inside the range, in order. */
  keys: unknown[][];
}

const INTEGER = /^-?\d+$/;

function compareValue(a: unknown, b: unknown): number {
  const ia =
    typeof a === 'number' ? Number.isInteger(a) : typeof a === 'bigint' || INTEGER.test(String(a));
  const ib =
    typeof b === 'number' ? Number.isInteger(b) : typeof b === 'bigint' || INTEGER.test(String(b));
  if (ia && ib) {
    // BigInt, because bigint keys arrive as text and exceed 2^53.
    const x = BigInt(a as string | number | bigint);
    const y = BigInt(b as string | number | bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Orders two keys: integers by value, everything else by UTF-16 code units.
 *
 * @example
 * ```ts
 * compareKeys(['10'], [9]); // 1
 * compareKeys(['B'], ['a']); // -1
 * ```
 */
export function compareKeys(a: readonly unknown[], b: readonly unknown[]): number {
  for (let i = 0; i < a.length; i++) {
    const c = compareValue(a[i], b[i]);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * True when `key` lies in the tombstone's range (`after` exclusive, `through` inclusive).
 *
 * @example
 * ```ts
 * inRange([150], { after: [100], through: [200], keys: [] }); // true
 * ```
 */
export function inRange(key: readonly unknown[], t: RangeTombstone): boolean {
  if (t.after && compareKeys(key, t.after) <= 0) return false;
  if (t.through && compareKeys(key, t.through) > 0) return false;
  return true;
}

/**
 * The tombstone carried by a record, if it is one.
 *
 * @example
 * ```ts
 * const t = tombstoneOf(record.data, '_reconcile');
 * ```
 */
export function tombstoneOf(data: unknown, field: string): RangeTombstone | undefined {
  if (data === null || typeof data !== 'object') return undefined;
  const t = (data as Record<string, unknown>)[field];
  if (t === null || typeof t !== 'object' || !Array.isArray((t as RangeTombstone).keys)) {
    return undefined;
  }
  return t as RangeTombstone;
}

/**
 * `WHERE` text for keys strictly after `after` (or through `through`, inclusive),
 * expanded column by column so every dialect and index understands it.
 *
 * @example
 * ```ts
 * keyBound(postgres, ['"a"', '"b"'], [1, 2], '>', params); // ("a" > $1 OR ("a" = $2 AND ("b" > $3)))
 * ```
 */
export function keyBound(
  dialect: Dialect,
  cols: readonly string[],
  values: readonly unknown[],
  op: '>' | '<=',
  params: unknown[],
): string {
  const p = (v: unknown) => {
    params.push(v);
    return dialect.param(params.length);
  };
  const strict = op === '>' ? '>' : '<';
  const expand = (i: number): string => {
    const col = cols[i]!;
    const last = i === cols.length - 1;
    const cmp = `${col} ${last ? op : strict} ${p(values[i])}`;
    if (last) return `(${cmp})`;
    return `(${cmp} OR (${col} = ${p(values[i])} AND ${expand(i + 1)}))`;
  };
  return expand(0);
}

/**
 * The page query of a reconcile: the next `limit` keys after `after`, keys only.
 *
 * @example
 * ```ts
 * keyPageQuery(postgres, '"hr"."employees"', ['"id"'], [500], 1000);
 * ```
 */
export function keyPageQuery(
  dialect: Dialect,
  from: string,
  cols: readonly string[],
  after: readonly unknown[] | undefined,
  limit: number,
): Statement {
  const params: unknown[] = [];
  const where = after ? ` WHERE ${keyBound(dialect, cols, after, '>', params)}` : '';
  return {
    sql: `SELECT ${cols.join(', ')} FROM ${from}${where} ORDER BY ${cols.map((c) => `${c} ASC`).join(', ')} LIMIT ${Math.max(1, Math.floor(limit))}`,
    params,
  };
}
