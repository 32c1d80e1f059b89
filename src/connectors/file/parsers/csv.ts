/** CSV/TSV records with header mapping, trailing delimiters and ragged-row rejects. */
import { csvRecords, CsvSplitter, type CsvRawRecord } from './csv-records.js';
import { clip, type FileParser, type ParsedEntry } from './types.js';

/**
 * Options of {@link csvParser}.
 *
 * @example
 * ```ts
 * const opts: CsvParserOptions = { delimiter: ';', quote: '"', header: true, maxRecordBytes: 1 << 20, relaxColumnCount: false };
 * ```
 */
export interface CsvParserOptions {
  delimiter: string;
  quote: string;
  /** `true`: the first record names the columns; or the names themselves. */
  header: true | string[];
  /** File column → record field. */
  rename?: Record<string, string> | undefined;
  maxRecordBytes: number;
  relaxColumnCount: boolean;
}

/**
 * The record's field count without the empty last field SAP and many ERP
 * exports end every line with (the delimiter at the end of the line is not data).
 */
function widthOf(fields: string[], width: number): number {
  return fields.length === width + 1 && fields[width] === '' ? width : fields.length;
}

/**
 * A function building a record from a row of exactly `names.length` fields as
 * one object literal (its properties allocated at once, one shape for every
 * record), compiled once per header; `undefined` for headers it cannot take.
 */
function recordBuilder(
  names: string[],
): ((fields: string[]) => Record<string, unknown>) | undefined {
  // A literal `"__proto__": v` would set the prototype; very wide rows stay dictionaries anyway.
  if (names.length > 128 || names.includes('__proto__')) return undefined;
  const entries = names.map((n, i) => `${JSON.stringify(n)}: f[${i}]`);
  return new Function('f', `return { ${entries.join(', ')} };`) as (
    fields: string[],
  ) => Record<string, unknown>;
}

/**
 * The records of decoded text, a chunk's worth at a time: one-character
 * delimiters go through {@link CsvSplitter} without an async step per record.
 */
async function* recordChunks(
  text: AsyncIterable<string>,
  opts: { delimiter: string; quote: string; maxChars: number },
): AsyncGenerator<CsvRawRecord[]> {
  if (opts.delimiter.length !== 1) {
    for await (const r of csvRecords(text, opts)) yield [r];
    return;
  }
  const split = new CsvSplitter(opts);
  for await (const chunk of text) {
    const out: CsvRawRecord[] = [];
    split.push(chunk, out);
    if (out.length > 0) yield out;
  }
  const out: CsvRawRecord[] = [];
  split.end(out);
  if (out.length > 0) yield out;
}

/**
 * Builds a CSV/TSV parser. Records become objects keyed by the (renamed)
 * header; a row with a different number of fields than the header is
 * rejected (unless `relaxColumnCount`), as are malformed quotes and
 * oversized records. A file without a usable header cannot be parsed.
 *
 * @example
 * ```ts
 * const parse = csvParser({ delimiter: '\t', quote: '"', header: true, maxRecordBytes: 1 << 20, relaxColumnCount: false });
 * ```
 */
export function csvParser(opts: CsvParserOptions): FileParser {
  return async function* (text): AsyncGenerator<ParsedEntry> {
    let names: string[] | undefined = opts.header === true ? undefined : [...opts.header];
    let build = names && recordBuilder(names);
    const chunks = recordChunks(text, {
      delimiter: opts.delimiter,
      quote: opts.quote,
      maxChars: opts.maxRecordBytes,
    });
    for await (const records of chunks) {
      for (const r of records) {
        if (!names) {
          if (!r.fields) {
            throw new Error(
              `the header on line ${r.line} cannot be read: ${r.error?.message ?? ''}`,
            );
          }
          names = r.fields.map((n) => n.trim());
          if (names.length > 1 && names.at(-1) === '') names.pop();
          if (names.some((n) => n === '') || new Set(names).size !== names.length) {
            throw new Error(`the header on line ${r.line} has empty or repeated column names`);
          }
          names = names.map((n) => opts.rename?.[n] ?? n);
          build = recordBuilder(names);
          continue;
        }
        const fields = r.fields;
        if (!fields) {
          yield { line: r.line, error: r.error!, raw: r.raw };
          continue;
        }
        const width = widthOf(fields, names.length);
        if (width !== names.length && !opts.relaxColumnCount) {
          yield {
            line: r.line,
            error: {
              rule: 'csv:columns',
              message: `expected ${names.length} fields, got ${width}`,
            },
            raw: clip(fields.slice(0, width).join(opts.delimiter)),
          };
          continue;
        }
        if (build && width === names.length) {
          yield { line: r.line, record: build(fields) };
          continue;
        }
        const record: Record<string, unknown> = {};
        const n = Math.min(names.length, width);
        for (let i = 0; i < n; i++) record[names[i]!] = fields[i];
        yield { line: r.line, record };
      }
    }
    if (!names) throw new Error('the file is empty: no header');
  };
}
