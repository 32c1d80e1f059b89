/**
 * Large JSON arrays, streamed: `[ {...}, {...}, ... ]` is split into its
 * elements without holding the array, each element parsed on its own. A bad
 * element is rejected; a file that is not a JSON array fails as a whole.
 */
import { clip, type FileParser, type ParsedEntry } from './types.js';

/**
 * Builds a JSON array parser. Elements must be objects; an element longer
 * than `maxRecordBytes` is rejected while it is read (bounded memory).
 *
 * @example
 * ```ts
 * const parse = jsonArrayParser({ maxRecordBytes: 1_048_576 });
 * ```
 */
export function jsonArrayParser(opts: { maxRecordBytes: number }): FileParser {
  return async function* (text): AsyncGenerator<ParsedEntry> {
    let started = false;
    let ended = false;
    let depth = 0;
    let inString = false;
    let escaped = false;
    let buf = '';
    let size = 0;
    let line = 1;
    let startLine = 0;
    const out: ParsedEntry[] = [];

    const emit = () => {
      const raw = buf.trim();
      if (size > opts.maxRecordBytes) {
        out.push({
          line: startLine,
          error: {
            rule: 'record:size',
            message: `element longer than ${opts.maxRecordBytes} characters`,
          },
          raw: clip(raw),
        });
      } else if (raw !== '') {
        try {
          const value: unknown = JSON.parse(raw);
          if (value === null || typeof value !== 'object' || Array.isArray(value)) {
            out.push({
              line: startLine,
              error: { rule: 'json:object', message: 'each element must be a JSON object' },
              raw: clip(raw),
            });
          } else out.push({ line: startLine, record: value as Record<string, unknown> });
        } catch (err) {
          out.push({
            line: startLine,
            error: { rule: 'json:syntax', message: (err as Error).message },
            raw: clip(raw),
          });
        }
      }
      buf = '';
      size = 0;
      startLine = 0;
    };

    for await (const chunk of text) {
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (c === '\n') line++;
        if (ended) continue;
        if (!started) {
          if (c === '[') started = true;
          else if (!/\s/.test(c)) throw new Error('the file is not a JSON array');
          continue;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (c === '\\') escaped = true;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          if (depth === 0) {
            // The closing bracket of the array itself.
            emit();
            ended = true;
            continue;
          }
          depth--;
        } else if (c === ',' && depth === 0) {
          emit();
          continue;
        }
        if (startLine === 0 && !/\s/.test(c)) startLine = line;
        size++;
        if (size <= opts.maxRecordBytes) buf += c;
      }
      yield* out.splice(0);
    }
    if (!started) throw new Error('the file is empty: not a JSON array');
    if (!ended) throw new Error('the JSON array is not closed before the end of the file');
    yield* out.splice(0);
  };
}
