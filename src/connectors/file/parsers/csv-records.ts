/**
 * A streaming RFC 4180 record splitter with per-record errors.
 *
 * Why not csv-parse's stream: with `skip_records_with_error`, csv-parse 7
 * loses every record after the first malformed quote or oversized record
 * (checked with 7.0.3), and it counts a CRLF inside quotes as two lines. A
 * file drop must reject the bad record and keep going, with exact line
 * numbers in the reject ledger, so records are split here in one pass.
 */
import { clip } from './types.js';

/**
 * One CSV record as read: its fields, or why it cannot be used.
 *
 * @example
 * ```ts
 * const rec: CsvRawRecord = { line: 2, fields: ['1', 'Ada'] };
 * ```
 */
export interface CsvRawRecord {
  line: number;
  fields?: string[];
  error?: { rule: string; message: string };
  raw?: string;
}

const enum S {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

/**
 * Splits decoded CSV text into records. Quoted fields may hold delimiters,
 * quotes (`""`) and line breaks (kept as written). A record longer than
 * `maxChars` is rejected while it is read (bounded memory), as is a record
 * with text after a closing quote; blank lines are skipped.
 *
 * @example
 * ```ts
 * for await (const r of csvRecords(chunks, { delimiter: ';', quote: '"', maxChars: 1 << 20 })) console.log(r.fields);
 * ```
 */
export async function* csvRecords(
  text: AsyncIterable<string>,
  opts: { delimiter: string; quote: string; maxChars: number },
): AsyncGenerator<CsvRawRecord> {
  const delim = opts.delimiter;
  const d0 = delim[0]!;
  const q = opts.quote;
  let state = S.FieldStart;
  let fields: string[] = [];
  let field = '';
  let raw = '';
  let size = 0;
  let line = 1;
  let startLine = 1;
  let error: CsvRawRecord['error'];
  let quoted = false;

  const endField = () => {
    if (!error) fields.push(field);
    field = '';
    state = S.FieldStart;
  };
  const finish = (): CsvRawRecord | undefined => {
    endField();
    const blank = fields.length === 1 && fields[0] === '' && !quoted && !error;
    const out: CsvRawRecord | undefined = blank
      ? undefined
      : error
        ? { line: startLine, error, raw: clip(raw) }
        : { line: startLine, fields };
    fields = [];
    raw = '';
    size = 0;
    error = undefined;
    quoted = false;
    startLine = line;
    return out;
  };
  const fail = (rule: string, message: string) => {
    error ??= { rule, message };
  };

  for await (const chunk of text) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === '\n') line++;
      size++;
      if (raw.length < 4097) raw += c;
      if (size > opts.maxChars && !error) {
        fail('record:size', `record longer than ${opts.maxChars} characters`);
      }
      switch (state) {
        case S.Quoted:
          if (c === q) state = S.QuoteInQuoted;
          else if (!error) field += c;
          continue;
        case S.QuoteInQuoted:
          if (c === q) {
            if (!error) field += q;
            state = S.Quoted;
            continue;
          }
          if (c === '\r') continue;
          if (c !== '\n' && c !== d0) {
            fail('csv:quote', `text after a closing quote on line ${line}`);
            state = S.Unquoted;
            continue;
          }
          break;
        default:
          if (state === S.FieldStart && c === q && q !== '') {
            state = S.Quoted;
            quoted = true;
            continue;
          }
      }
      // Unquoted text, or the character right after a closing quote.
      if (c === '\n') {
        if (field.endsWith('\r')) field = field.slice(0, -1);
        const rec = finish();
        if (rec) yield rec;
        continue;
      }
      if (c === d0 && (delim.length === 1 || chunk.startsWith(delim, i))) {
        // Multi-character delimiters split across chunks are not supported: keep delimiters short.
        i += delim.length - 1;
        endField();
        continue;
      }
      state = S.Unquoted;
      if (!error) field += c;
    }
  }
  if (state === S.Quoted) fail('csv:quote', 'quoted field not closed before the end of the file');
  if (size > 0) {
    if (field.endsWith('\r')) field = field.slice(0, -1);
    const rec = finish();
    if (rec) yield rec;
  }
}
