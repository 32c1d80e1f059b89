/** Parsers for file drops, chosen by the config's `format`; all streamed, bounded memory. */
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import type { FileFormat } from '../config.js';
import { csvParser } from './csv.js';
import { fixedWidthParser } from './fixed-width.js';
import { jsonArrayParser } from './json-array.js';
import { jsonLinesParser } from './jsonl.js';
import type { FileParser } from './types.js';
import { xmlParser } from './xml.js';

export type { ParsedEntry, FileParser } from './types.js';
export { csvParser } from './csv.js';
export { jsonLinesParser } from './jsonl.js';
export { jsonArrayParser } from './json-array.js';
export { fixedWidthParser } from './fixed-width.js';
export { xmlParser } from './xml.js';

/**
 * The parser for a format.
 *
 * @example
 * ```ts
 * const parse = parserFor({ type: 'jsonl', encoding: 'utf8' }, 1 << 20);
 * ```
 */
export function parserFor(format: FileFormat, maxRecordBytes: number): FileParser {
  switch (format.type) {
    case 'csv':
      return csvParser({
        delimiter: format.delimiter === '\\t' ? '\t' : format.delimiter,
        quote: format.quote,
        header: format.header,
        rename: format.rename,
        maxRecordBytes,
        relaxColumnCount: format.relaxColumnCount,
      });
    case 'jsonl':
      return jsonLinesParser({ maxRecordBytes });
    case 'json-array':
      return jsonArrayParser({ maxRecordBytes });
    case 'xml':
      return xmlParser({ recordPath: format.recordPath, maxRecordBytes });
    case 'fixed-width':
      return fixedWidthParser({ ...format, maxRecordBytes });
  }
}

/**
 * Reads a file as decoded text chunks (iconv-lite), dropping a UTF-8 byte
 * order mark, 64 KiB at a time.
 *
 * @throws a `config` error early when the encoding is unknown
 * @example
 * ```ts
 * for await (const text of decodedText('/srv/drop/a.csv', 'win1252')) console.log(text.length);
 * ```
 */
export async function* decodedText(path: string, encoding: string): AsyncGenerator<string> {
  if (!iconv.encodingExists(encoding)) throw new Error(`unknown encoding "${encoding}"`);
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 64 * 1024 })) {
    let text = decoder.write(chunk as Buffer);
    // iconv strips the BOM for UTF encodings; a BOM declared in another encoding is still junk.
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}
