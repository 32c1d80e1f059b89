/**
 * Keyset pagination: each page starts strictly after the last row of the
 * previous one on (watermark, primary key) and ends at LIMIT. Never OFFSET:
 * rows inserted or deleted between pages cannot shift a page, so none is
 * skipped or read twice.
 */
import type { Dialect, Statement } from './types.js';

/**
 * What a page query reads from. All names are validated and quoted by the caller.
 *
 * @example
 * ```ts
 * const src: KeysetSource = { dialect: postgres, from: '"t"', select: '*', order: ['"w"', '"id"'], watermark: '"w"' };
 * ```
 */
export interface KeysetSource {
  dialect: Dialect;
  /** Quoted table name, or `(query) AS src`. */
  from: string;
  /** Quoted select list, or `*`. */
  select: string;
  /** Quoted ordering columns: the watermark (when there is one) first, then the key columns. */
  order: readonly string[];
  /** Quoted watermark column, when there is one. */
  watermark: string | undefined;
}

/**
 * The bounds of one page.
 *
 * @example
 * ```ts
 * const bounds: PageBounds = { after: ['2026-11-23 12:00:00', 41], limit: 500 };
 * ```
 */
export interface PageBounds {
  /** Position of the last row already read: values for `order`, compared strictly. */
  after?: readonly unknown[] | undefined;
  /** Watermark lower bound, inclusive (lookback start, replay `from`). */
  from?: unknown;
  /** Watermark upper bound, exclusive (replay `to`). */
  to?: unknown;
  /** Watermark upper bound, inclusive (the maximum when a live run started). */
  upTo?: unknown;
  limit: number;
}

/**
 * Builds one page query.
 *
 * @example
 * ```ts
 * pageQuery({ dialect: postgres, from: '"t"', select: '*', order: ['"updated_at"', '"id"'], watermark: '"updated_at"' },
 *   { after: ['2026-11-23 12:00:00', 41], limit: 500 });
 * // SELECT * FROM "t" WHERE ("updated_at" >= $1 AND ("updated_at" > $2 OR ("updated_at" = $3 AND ("id" > $4)))) ORDER BY ... LIMIT 500
 * ```
 */
export function pageQuery(src: KeysetSource, bounds: PageBounds): Statement {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return src.dialect.param(params.length);
  };
  const where: string[] = [];
  if (bounds.from !== undefined && src.watermark)
    where.push(`${src.watermark} >= ${p(bounds.from)}`);
  if (bounds.to !== undefined && src.watermark) where.push(`${src.watermark} < ${p(bounds.to)}`);
  if (bounds.upTo !== undefined && src.watermark) {
    where.push(`${src.watermark} <= ${p(bounds.upTo)}`);
  }
  if (bounds.after) {
    const first = src.order[0]!;
    // The leading `>=` lets the planner use an index range on the first column.
    where.push(`(${first} >= ${p(bounds.after[0])} AND ${after(src.order, bounds.after, 0, p)})`);
  }
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  const limit = Math.max(1, Math.floor(bounds.limit));
  return {
    sql: `SELECT ${src.select} FROM ${src.from}${filter} ORDER BY ${src.order.map((c) => `${c} ASC`).join(', ')} LIMIT ${limit}`,
    params,
  };
}

function after(
  cols: readonly string[],
  values: readonly unknown[],
  i: number,
  p: (v: unknown) => string,
): string {
  const col = cols[i]!;
  const gt = `${col} > ${p(values[i])}`;
  if (i === cols.length - 1) return `(${gt})`;
  return `(${gt} OR (${col} = ${p(values[i])} AND ${after(cols, values, i + 1, p)}))`;
}
