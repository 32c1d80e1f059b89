/** Fixed-width records from a column layout (name, start, length, type, implied decimals, trim). */
import { splitLines } from './lines.js';
import { clip, type FileParser, type ParsedEntry } from './types.js';

/**
 * One column of a fixed-width layout; `start` is 1-based.
 *
 * @example
 * ```ts
 * const amount: FixedColumn = { name: 'amount', start: 11, length: 9, type: 'decimal', impliedDecimals: 2, trim: true };
 * ```
 */
export interface FixedColumn {
  name: string;
  start: number;
  length: number;
  type: 'string' | 'integer' | 'decimal' | 'date';
  impliedDecimals: number;
  trim: boolean;
}

function convert(col: FixedColumn, text: string): string | number | null {
  const v = col.trim ? text.trim() : text;
  if (col.type === 'string') return v;
  if (v === '') return null;
  if (col.type === 'date') {
    // YYYYMMDD, the usual mainframe/SAP layout date; kept as text (ISO), not a JS Date.
    if (!/^\d{8}$/.test(v)) throw new Error(`${col.name}: "${v}" is not a YYYYMMDD date`);
    if (v === '00000000') return null;
    return `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}`;
  }
  const m = /^([+-]?)(\d+)([+-]?)$/.exec(v);
  if (!m) throw new Error(`${col.name}: "${v}" is not a number`);
  const sign = m[1] === '-' || m[3] === '-' ? '-' : '';
  if (col.type === 'integer') return Number(`${sign}${m[2]}`);
  // Decimals stay text so no digit is lost to binary floating point.
  const digits = m[2]!.padStart(col.impliedDecimals + 1, '0');
  const cut = digits.length - col.impliedDecimals;
  const whole = digits.slice(0, cut).replace(/^0+(?=\d)/, '');
  return col.impliedDecimals === 0 ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(cut)}`;
}

/**
 * Builds a fixed-width parser. A line shorter than the layout, or a value
 * that does not fit its type, is rejected with the column named.
 *
 * @example
 * ```ts
 * const parse = fixedWidthParser({ columns: [{ name: 'id', start: 1, length: 6, type: 'integer', impliedDecimals: 0, trim: true }], allowShortLines: false, maxRecordBytes: 4096 });
 * ```
 */
export function fixedWidthParser(opts: {
  columns: FixedColumn[];
  allowShortLines: boolean;
  maxRecordBytes: number;
}): FileParser {
  const width = Math.max(...opts.columns.map((c) => c.start - 1 + c.length));
  return async function* (text): AsyncGenerator<ParsedEntry> {
    for await (const l of splitLines(text, opts.maxRecordBytes)) {
      if (l.text === '' && !l.oversized) continue;
      if (l.oversized) {
        yield {
          line: l.line,
          error: { rule: 'record:size', message: 'line too long' },
          raw: clip(l.text),
        };
        continue;
      }
      if (l.text.length < width && !opts.allowShortLines) {
        yield {
          line: l.line,
          error: {
            rule: 'fixed:length',
            message: `line has ${l.text.length} characters, the layout needs ${width}`,
          },
          raw: clip(l.text),
        };
        continue;
      }
      try {
        const record: Record<string, unknown> = {};
        for (const c of opts.columns) {
          record[c.name] = convert(c, l.text.slice(c.start - 1, c.start - 1 + c.length));
        }
        yield { line: l.line, record };
      } catch (err) {
        yield {
          line: l.line,
          error: { rule: 'fixed:type', message: (err as Error).message },
          raw: clip(l.text),
        };
      }
    }
  };
}
