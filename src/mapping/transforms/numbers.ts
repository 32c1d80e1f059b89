/**
 * Number transforms: int (safe range, SAP trailing minus), decimal (exact,
 * kept as a string) and sum (exact addition of several sources).
 */
import { addDecimals, formatDecimal, parseDecimal, rescale, type Decimal } from '../decimal.js';
import { FieldFailure, OptionError, show, type OptionReader, type TransformDef } from './types.js';

function separatorOf(opts: OptionReader): '.' | ',' {
  const sep = opts.string('separator') ?? '.';
  if (sep !== '.' && sep !== ',')
    throw new OptionError('separator', 'separator must be "." or ","');
  return sep;
}

function toDecimal(rule: string, v: unknown, sep: '.' | ','): Decimal {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new FieldFailure(rule, `${v} is not a number`);
    // The shortest text that round-trips: 0.1 stays "0.1", never 0.1000000000000000055...
    return parseDecimal(String(v)) as Decimal;
  }
  if (typeof v === 'bigint') return { units: v, scale: 0 };
  const d = typeof v === 'string' ? parseDecimal(v, sep) : undefined;
  if (!d) throw new FieldFailure(rule, `${show(v)} is not a decimal number`);
  return d;
}

const INT = /^([+-])?(\d+)(-)?$/;

/**
 * The number transforms by name: int, decimal, sum.
 *
 * @example
 * ```ts
 * NUMBER_TRANSFORMS.decimal.output; // 'string': decimals stay exact text
 * ```
 */
export const NUMBER_TRANSFORMS: Record<string, TransformDef> = {
  int: {
    accepts: 'any',
    output: 'number',
    create: () => (v) => {
      if (typeof v === 'number') {
        if (Number.isSafeInteger(v)) return v;
        throw new FieldFailure('int', `${v} is not a whole number in the safe range`);
      }
      const m = typeof v === 'string' ? INT.exec(v.trim()) : null;
      if (!m || (m[1] && m[3])) throw new FieldFailure('int', `${show(v)} is not a whole number`);
      const n = Number(m[2]) * (m[1] === '-' || m[3] ? -1 : 1);
      if (!Number.isSafeInteger(n)) {
        throw new FieldFailure('int', `${show(v)} overflows a safe integer (use decimal or id)`);
      }
      return n === 0 ? 0 : n;
    },
  },
  decimal: {
    accepts: 'any',
    output: 'string',
    create(opts) {
      const scale = opts.integer('scale', 0, 30);
      const sep = separatorOf(opts);
      return (v) => {
        const d = toDecimal('decimal', v, sep);
        return formatDecimal(scale === undefined ? d : rescale(d, scale));
      };
    },
  },
  sum: {
    accepts: 'any',
    output: 'string',
    multi: true,
    handlesNull: true,
    create(opts) {
      const scale = opts.integer('scale', 0, 30);
      const sep = separatorOf(opts);
      return (v) => {
        const present = (v as unknown[]).filter((x) => x !== null && x !== undefined && x !== '');
        if (present.length === 0) return null;
        const d = addDecimals(present.map((x) => toDecimal('sum', x, sep)));
        return formatDecimal(scale === undefined ? d : rescale(d, scale));
      };
    },
  },
};
