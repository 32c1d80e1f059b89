/**
 * A streaming RFC 4180 record splitter with per-record errors.
 *
 * Why not csv-parse's stream: with `skip_records_with_error`, csv-parse 7
 * loses every record after the first malformed quote or oversized record
 * (checked with 7.0.3), and it counts a CRLF inside quotes as two lines. A
 * file drop must reject the bad record and keep going, with exact line
 * numbers in the reject ledger, so records are split here in one pass.
 *
 * The hot path is allocation-lean: a chunk is scanned by character code
 * (`indexOf` inside quoted fields), each field is sliced from the chunk once,
 * and a record's raw text is only materialised when the record is rejected.
 * Only a field or record that continues into the next chunk is carried over
 * as a string. Multi-character delimiters (up to 4 are allowed) use the
 * character-by-character splitter at the end of this file.
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

/** Options of {@link csvRecords} and {@link CsvSplitter}. */
export interface CsvSplitOptions {
  delimiter: string;
  quote: string;
  maxChars: number;
}

const LF = 10;
const CR = 13;
/** `clip` keeps 4096 characters plus an ellipsis, so 4097 tell whether a record was longer. */
const RAW_KEEP = 4097;

/**
 * The single-character-delimiter splitter: push decoded chunks, collect
 * records. Same grammar and errors as the character-by-character splitter:
 * quoted fields may hold delimiters, `""` and line breaks; a record longer
 * than `maxChars` characters (line breaks included) is rejected while it is
 * read; text after a closing quote is rejected; blank lines are skipped; a
 * `\r` before a line break ends no field text.
 *
 * @example
 * ```ts
 * const split = new CsvSplitter({ delimiter: ';', quote: '"', maxChars: 1 << 20 });
 * const out: CsvRawRecord[] = [];
 * split.push('a;b\n1;', out);
 * split.push('2\n', out);
 * split.end(out); // out: [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }]
 * ```
 */
export class CsvSplitter {
  readonly #d: number;
  readonly #q: number;
  readonly #quote: string;
  readonly #max: number;
  #state = S.FieldStart;
  #fields: string[] = [];
  /** The current field's text from earlier chunks (or `""` unescaped so far). */
  #pend = '';
  /** The current record's first characters from earlier chunks (up to RAW_KEEP). */
  #rawHead = '';
  /** Characters of the current record in earlier chunks. */
  #before = 0;
  #line = 1;
  #startLine = 1;
  #error: CsvRawRecord['error'];
  #quoted = false;

  constructor(opts: CsvSplitOptions) {
    if (opts.delimiter.length !== 1) throw new Error('CsvSplitter takes a one-character delimiter');
    this.#d = opts.delimiter.charCodeAt(0);
    this.#quote = opts.quote;
    this.#q = opts.quote === '' ? -1 : opts.quote.charCodeAt(0);
    this.#max = opts.maxChars;
  }

  /** Splits one chunk; complete records are appended to `out`. */
  push(chunk: string, out: CsvRawRecord[]): void {
    const n = chunk.length;
    const d = this.#d;
    const q = this.#q;
    let recStart = 0;
    let seg = 0;
    let i = 0;
    // Where the record grows past maxChars in this chunk (the character that makes it too long).
    let limit = recStart + this.#max - this.#before;
    while (i < n) {
      switch (this.#state) {
        case S.FieldStart: {
          if (chunk.charCodeAt(i) === q) {
            this.#state = S.Quoted;
            this.#quoted = true;
            i++;
            continue;
          }
          this.#state = S.Unquoted;
          seg = i;
        }
        // falls through
        case S.Unquoted: {
          let j = i;
          let c = 0;
          while (j < n && (c = chunk.charCodeAt(j)) !== d && c !== LF) j++;
          if (j === n) {
            if (!this.#error) this.#pend += chunk.slice(seg, n);
            i = n;
            continue;
          }
          const text = this.#error ? '' : this.#pend + chunk.slice(seg, j);
          this.#pend = '';
          i = j + 1;
          if (c === d) {
            this.#endField(text);
          } else {
            this.#line++;
            if (j >= limit) this.#fail('record:size', `record longer than ${this.#max} characters`);
            this.#endRecord(text, chunk, recStart, i, out);
            recStart = i;
            limit = recStart + this.#max;
          }
          continue;
        }
        case S.Quoted: {
          const k = q === -1 ? -1 : chunk.indexOf(this.#quote, i);
          const end = k === -1 ? n : k;
          for (
            let nl = chunk.indexOf('\n', i);
            nl !== -1 && nl < end;
            nl = chunk.indexOf('\n', nl + 1)
          ) {
            this.#line++;
          }
          if (!this.#error) this.#pend += chunk.slice(i, end);
          if (k === -1) {
            i = n;
            continue;
          }
          this.#state = S.QuoteInQuoted;
          i = k + 1;
          continue;
        }
        case S.QuoteInQuoted: {
          const c = chunk.charCodeAt(i);
          if (c === q) {
            if (!this.#error) this.#pend += this.#quote;
            this.#state = S.Quoted;
            i++;
            continue;
          }
          if (c === CR) {
            i++;
            continue;
          }
          if (c !== LF && c !== d) {
            if (i >= limit) this.#fail('record:size', `record longer than ${this.#max} characters`);
            this.#fail('csv:quote', `text after a closing quote on line ${this.#line}`);
            this.#state = S.Unquoted;
            i++;
            seg = i;
            continue;
          }
          const text = this.#error ? '' : this.#pend;
          this.#pend = '';
          i++;
          if (c === d) {
            this.#endField(text);
          } else {
            this.#line++;
            if (i - 1 >= limit) {
              this.#fail('record:size', `record longer than ${this.#max} characters`);
            }
            this.#endRecord(text, chunk, recStart, i, out);
            recStart = i;
            limit = recStart + this.#max;
          }
          continue;
        }
      }
    }
    // The record continues in the next chunk.
    if (n > recStart) {
      if (n - 1 >= limit) this.#fail('record:size', `record longer than ${this.#max} characters`);
      if (this.#error) this.#pend = '';
      if (this.#rawHead.length < RAW_KEEP) {
        this.#rawHead += chunk.slice(recStart, recStart + RAW_KEEP - this.#rawHead.length);
      }
      this.#before += n - recStart;
    }
  }

  /** Ends the input: the last record, if the text did not end with a line break. */
  end(out: CsvRawRecord[]): void {
    if (this.#state === S.Quoted) {
      this.#fail('csv:quote', 'quoted field not closed before the end of the file');
    }
    if (this.#before > 0) this.#endRecord(this.#error ? '' : this.#pend, '', 0, 0, out);
    this.#pend = '';
  }

  #fail(rule: string, message: string): void {
    this.#error ??= { rule, message };
  }

  #endField(text: string): void {
    if (!this.#error) this.#fields.push(text);
    this.#state = S.FieldStart;
  }

  /** Ends the record whose text runs to `chunk[end - 1]` (its line break, if any). */
  #endRecord(
    last: string,
    chunk: string,
    recStart: number,
    end: number,
    out: CsvRawRecord[],
  ): void {
    const text = last.charCodeAt(last.length - 1) === CR ? last.slice(0, -1) : last;
    this.#endField(text);
    const fields = this.#fields;
    const error = this.#error;
    if (error) {
      let raw = this.#rawHead;
      if (raw.length < RAW_KEEP)
        raw += chunk.slice(recStart, Math.min(end, recStart + RAW_KEEP - raw.length));
      out.push({ line: this.#startLine, error, raw: clip(raw) });
    } else if (!(fields.length === 1 && fields[0] === '' && !this.#quoted)) {
      out.push({ line: this.#startLine, fields });
    }
    this.#fields = [];
    this.#rawHead = '';
    this.#before = 0;
    this.#error = undefined;
    this.#quoted = false;
    this.#startLine = this.#line;
  }
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
  opts: CsvSplitOptions,
): AsyncGenerator<CsvRawRecord> {
  if (opts.delimiter.length !== 1) {
    yield* csvRecordsByChar(text, opts);
    return;
  }
  const split = new CsvSplitter(opts);
  const out: CsvRawRecord[] = [];
  for await (const chunk of text) {
    split.push(chunk, out);
    for (const r of out) yield r;
    out.length = 0;
  }
  split.end(out);
  yield* out;
}

/**
 * The character-by-character splitter, kept for multi-character delimiters
 * (rare, and a delimiter may fall across two chunks there).
 */
async function* csvRecordsByChar(
  text: AsyncIterable<string>,
  opts: CsvSplitOptions,
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
