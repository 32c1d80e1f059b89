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
 * Where a file's bytes come from: a local path, or a function opening a
 * byte stream (an S3 GetObject body), so remote archives are parsed while
 * they stream, never buffered whole.
 *
 * @example
 * ```ts
 * const fromDisk: ByteSource = '/srv/archive/2026-11-17/a.csv';
 * const fromS3: ByteSource = async () => (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body as Readable;
 * ```
 */
export type ByteSource = string | (() => Promise<AsyncIterable<Uint8Array>>);

/**
 * Reads a file as decoded text chunks (iconv-lite), dropping a UTF-8 byte
 * order mark, 64 KiB at a time (local files; a stream comes in its own chunks).
 *
 * @throws a `config` error early when the encoding is unknown
 * @example
 * ```ts
 * for await (const text of decodedText('/srv/drop/a.csv', 'win1252')) console.log(text.length);
 * ```
 */
export async function* decodedText(source: ByteSource, encoding: string): AsyncGenerator<string> {
  if (!iconv.encodingExists(encoding)) throw new Error(`unknown encoding "${encoding}"`);
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  let first = true;
  const bytes =
    typeof source === 'string'
      ? createReadStream(source, { highWaterMark: 64 * 1024 })
      : await source();
  for await (const chunk of bytes) {
    const u8 = chunk as Uint8Array;
    let text = decoder.write(
      Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength),
    );
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
