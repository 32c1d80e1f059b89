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
  let line = 1;
  let buf = '';
  let oversized = false;
  for await (const chunk of text) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      const part = chunk.slice(start, nl === -1 ? chunk.length : nl);
      if (!oversized) {
        buf += part;
        if (buf.length > maxChars + 1) {
          oversized = true;
          buf = buf.slice(0, 256);
        }
      }
      if (nl === -1) break;
      const body = buf.endsWith('\r') ? buf.slice(0, -1) : buf;
      yield { line, text: body, oversized: oversized || body.length > maxChars };
      line++;
      buf = '';
      oversized = false;
      start = nl + 1;
    }
  }
  if (buf.length > 0 || oversized) {
    const body = buf.endsWith('\r') ? buf.slice(0, -1) : buf;
    yield { line, text: body, oversized: oversized || body.length > maxChars };
  }
}
