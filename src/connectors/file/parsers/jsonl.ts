/** JSON Lines: one JSON object per line; blank lines are skipped. */
import { parseFlatObject } from './flat-json.js';
import { lineChunks } from './lines.js';
import { clip, type FileParser, type ParsedEntry } from './types.js';

/**
 * Builds a JSON Lines parser. A line that is not a JSON object, or is longer
 * than `maxRecordBytes`, is rejected; the file continues.
 *
 * @example
 * ```ts
 * const parse = jsonLinesParser({ maxRecordBytes: 1_048_576 });
 * ```
 */
export function jsonLinesParser(opts: { maxRecordBytes: number }): FileParser {
  return async function* (text): AsyncGenerator<ParsedEntry> {
    // JSON.parse only when the flat fast path declines: see flat-json.ts for the memory cost it avoids.
    const keys: string[] = [];
    // A chunk's lines at a time: no async step per line before the one per entry.
    for await (const lines of lineChunks(text, opts.maxRecordBytes)) {
      for (const l of lines) {
        if (l.oversized) {
          yield {
            line: l.line,
            error: {
              rule: 'record:size',
              message: `line longer than ${opts.maxRecordBytes} characters`,
            },
            raw: clip(l.text),
          };
          continue;
        }
        if (l.text.trim() === '') continue;
        let value: unknown;
        try {
          value = parseFlatObject(l.text, keys) ?? JSON.parse(l.text);
        } catch (err) {
          yield {
            line: l.line,
            error: { rule: 'jsonl:syntax', message: (err as Error).message },
            raw: clip(l.text),
          };
          continue;
        }
        if (value === null || typeof value !== 'object' || Array.isArray(value)) {
          yield {
            line: l.line,
            error: { rule: 'jsonl:object', message: 'each line must be a JSON object' },
            raw: clip(l.text),
          };
          continue;
        }
        yield { line: l.line, record: value as Record<string, unknown> };
      }
    }
  };
}
