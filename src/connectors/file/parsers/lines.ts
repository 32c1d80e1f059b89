/**
 * A bounded line splitter: lines of any length cannot exhaust memory,
 * because a line longer than the limit is dropped while it is read and
 * reported as oversized.
 */

/**
 * One line of text.
 *
 * @example
 * ```ts
 * const line: TextLine = { line: 3, text: '{"id":1}', oversized: false };
 * ```
 */
export interface TextLine {
  line: number;
  /** Without the line break; empty when oversized. */
  text: string;
  /** The line was longer than the limit; `text` holds its first part only. */
  oversized: boolean;
}

/**
 * Splits decoded text into lines (LF or CRLF), a chunk at a time: push
 * chunks, collect the lines they complete.
 *
 * @example
 * ```ts
 * const split = new LineSplitter(1 << 20);
 * const out: TextLine[] = [];
 * split.push('{"id":1}\r\n{"id"', out);
 * split.push(':2}', out);
 * split.end(out); // lines 1 and 2
 * ```
 */
export class LineSplitter {
  readonly #max: number;
  #line = 1;
  /** The current line's text from earlier chunks. */
  #buf = '';
  #oversized = false;

  constructor(maxChars: number) {
    this.#max = maxChars;
  }

  /** Splits one chunk; the lines it completes are appended to `out`. */
  push(chunk: string, out: TextLine[]): void {
    const max = this.#max;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.#oversized) {
        // Most lines lie within one chunk: sliced once, never concatenated.
        const buf =
          this.#buf === '' ? chunk.slice(start, end) : this.#buf + chunk.slice(start, end);
        if (buf.length > max + 1) {
          this.#oversized = true;
          this.#buf = buf.slice(0, 256);
        } else {
          this.#buf = buf;
        }
      }
      if (nl === -1) return;
      this.#emit(out);
      start = nl + 1;
    }
  }

  /** Ends the input: the last line, if the text did not end with a line break. */
  end(out: TextLine[]): void {
    if (this.#buf.length > 0 || this.#oversized) this.#emit(out);
  }

  #emit(out: TextLine[]): void {
    const buf = this.#buf;
    const body = buf.charCodeAt(buf.length - 1) === 13 ? buf.slice(0, -1) : buf;
    out.push({
      line: this.#line,
      text: body,
      oversized: this.#oversized || body.length > this.#max,
    });
    this.#line++;
    this.#buf = '';
    this.#oversized = false;
  }
}

/**
 * The lines of decoded text, a chunk's worth at a time (LF or CRLF).
 *
 * @example
 * ```ts
 * for await (const lines of lineChunks(chunks, 1 << 20)) for (const l of lines) console.log(l.line, l.text);
 * ```
 */
export async function* lineChunks(
  text: AsyncIterable<string>,
  maxChars: number,
): AsyncGenerator<TextLine[]> {
  const split = new LineSplitter(maxChars);
  for await (const chunk of text) {
    const out: TextLine[] = [];
    split.push(chunk, out);
    if (out.length > 0) yield out;
  }
  const out: TextLine[] = [];
  split.end(out);
  if (out.length > 0) yield out;
}

/**
 * Splits decoded text into lines (LF or CRLF).
 *
 * @example
 * ```ts
 * for await (const l of splitLines(chunks, 1 << 20)) console.log(l.line, l.text);
 * ```
 */
export async function* splitLines(
  text: AsyncIterable<string>,
  maxChars: number,
): AsyncGenerator<TextLine> {
  for await (const lines of lineChunks(text, maxChars)) yield* lines;
}
