/** What every file parser yields: records or per-record rejects, in file order. */

/**
 * One entry of a parsed file. `line` is the 1-based line the record starts
 * on; it only grows, so it doubles as the resume position after a crash.
 *
 * @example
 * ```ts
 * const entry: ParsedEntry = { line: 7, record: { id: '42' } };
 * const bad: ParsedEntry = { line: 9, error: { rule: 'csv:columns', message: 'expected 3 fields, got 2' }, raw: '1;2' };
 * ```
 */
export interface ParsedEntry {
  line: number;
  record?: Record<string, unknown>;
  /** Set for a record that cannot be used; the rest of the file continues. */
  error?: { rule: string; message: string };
  /** The raw text of a rejected record (cut to a few KiB). */
  raw?: string;
}

/**
 * A parser: decoded text chunks in, entries out. Throwing means the file as
 * a whole cannot be parsed (it goes to `.failed`).
 *
 * @example
 * ```ts
 * const parse: FileParser = jsonLinesParser({ maxRecordBytes: 1 << 20 });
 * for await (const entry of parse(textChunks)) console.log(entry.line);
 * ```
 */
export type FileParser = (text: AsyncIterable<string>) => AsyncIterable<ParsedEntry>;

/** Raw text kept in a reject: enough to see the problem, never a whole oversized record. */
export const RAW_LIMIT = 4096;

/**
 * Cuts raw text for a reject.
 *
 * @example
 * ```ts
 * clip('x'.repeat(10_000)).length; // 4097 (with the ellipsis)
 * ```
 */
export function clip(raw: string): string {
  return raw.length > RAW_LIMIT ? `${raw.slice(0, RAW_LIMIT)}…` : raw;
}
