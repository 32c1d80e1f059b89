/** CSV/TSV records with header mapping, trailing delimiters and ragged-row rejects. */
import { csvRecords } from './csv-records.js';
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

/** SAP and many ERP exports end every line with the delimiter: an empty last field that is not data. */
function dropTrailingEmpty(fields: string[], width: number): string[] {
  return fields.length === width + 1 && fields[width] === '' ? fields.slice(0, width) : fields;
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
    const records = csvRecords(text, {
      delimiter: opts.delimiter,
      quote: opts.quote,
      maxChars: opts.maxRecordBytes,
    });
    for await (const r of records) {
      if (!names) {
        if (!r.fields) {
          throw new Error(`the header on line ${r.line} cannot be read: ${r.error?.message ?? ''}`);
        }
        names = r.fields.map((n) => n.trim());
        if (names.length > 1 && names.at(-1) === '') names.pop();
        if (names.some((n) => n === '') || new Set(names).size !== names.length) {
          throw new Error(`the header on line ${r.line} has empty or repeated column names`);
        }
        names = names.map((n) => opts.rename?.[n] ?? n);
        continue;
      }
      if (!r.fields) {
        yield { line: r.line, error: r.error!, raw: r.raw };
        continue;
      }
      const fields = dropTrailingEmpty(r.fields, names.length);
      if (fields.length !== names.length && !opts.relaxColumnCount) {
        yield {
          line: r.line,
          error: {
            rule: 'csv:columns',
            message: `expected ${names.length} fields, got ${fields.length}`,
          },
          raw: clip(fields.join(opts.delimiter)),
        };
        continue;
      }
      const record: Record<string, unknown> = {};
      const n = Math.min(names.length, fields.length);
      for (let i = 0; i < n; i++) record[names[i]!] = fields[i];
      yield { line: r.line, record };
    }
    if (!names) throw new Error('the file is empty: no header');
  };
}
