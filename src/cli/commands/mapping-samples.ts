/**
 * Sample records for `patchbay mapping test`: JSON, JSON Lines, CSV/TSV and
 * XML. CSV and XML go through the file connector's own parsers, so a sample
 * is read exactly as a file drop would read the real file (header mapping,
 * ERP trailing delimiters, XML attributes as `@name`). Records that cannot be
 * parsed are returned as errors with their line; a file that cannot be parsed
 * at all is a usage error naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { SaxesParser } from 'saxes';
import { csvParser, xmlParser, type ParsedEntry } from '../../connectors/file/parsers/index.js';
import { usageError } from '../exit-codes.js';

/**
 * One sample: a record, or why the line could not become one.
 *
 * @example
 * ```ts
 * const s: Sample = { line: 3, record: { id: '7' } };
 * const bad: Sample = { line: 4, error: { rule: 'csv:columns', message: 'expected 3 fields, got 2' } };
 * ```
 */
export interface Sample {
  /** 1-based line the record starts on (JSON arrays: the element's line). */
  line: number;
  record?: unknown;
  error?: { rule: string; message: string };
}

/**
 * How to read a sample file; everything is optional and inferred.
 *
 * @example
 * ```ts
 * const options: SampleOptions = { delimiter: ';', recordPath: 'Orders/Order' };
 * ```
 */
export interface SampleOptions {
  /** CSV delimiter. Default: tab for .tsv; for .csv `;` when the header has `;` and no `,`, else `,`. */
  delimiter?: string | undefined;
  /** XML element path of one record (`Orders/Order`). Default: the root's first child element. */
  recordPath?: string | undefined;
}

const MAX_RECORD = 16 * 1024 * 1024;

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function readJson(file: string, text: string): Sample[] {
  try {
    const data = JSON.parse(text) as unknown;
    // One line per element would need a second parser; element order is enough to find it.
    return (Array.isArray(data) ? data : [data]).map((record, i) => ({ line: i + 1, record }));
  } catch (err) {
    const message = (err as Error).message;
    const pos = /position (\d+)/.exec(message);
    const line = pos ? lineAt(text, Number(pos[1])) : 1;
    throw usageError(`${file}:${line}: not valid JSON: ${message}`);
  }
}

function readJsonLines(file: string, text: string): Sample[] {
  const out: Sample[] = [];
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (l === '') return;
    try {
      out.push({ line: i + 1, record: JSON.parse(l) as unknown });
    } catch (err) {
      // A bad line is one bad record, as in a JSON Lines file drop: the rest still map.
      out.push({ line: i + 1, error: { rule: 'json', message: (err as Error).message } });
    }
  });
  return out;
}

function sniffDelimiter(text: string): string {
  const header = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  return header.includes(';') && !header.includes(',') ? ';' : ',';
}

/** The first element below the root, as `root/child`: the usual shape of an export. */
function inferRecordPath(file: string, text: string): string {
  const parser = new SaxesParser();
  const names: string[] = [];
  let found: string | undefined;
  parser.on('opentag', (tag) => {
    names.push(tag.name);
    if (names.length === 2 && found === undefined) found = names.join('/');
  });
  parser.on('closetag', () => void names.pop());
  parser.on('error', () => undefined);
  try {
    parser.write(text).close();
  } catch {
    // Malformed XML is reported with its line by the real parser below.
  }
  if (found === undefined) {
    throw usageError(
      `${file}: no record elements below the root element`,
      'name the records with --record-path Root/Record',
    );
  }
  return found;
}

async function collect(
  file: string,
  entries: AsyncIterable<ParsedEntry>,
  kind: string,
): Promise<Sample[]> {
  const out: Sample[] = [];
  try {
    for await (const e of entries) {
      out.push(e.error ? { line: e.line, error: e.error } : { line: e.line, record: e.record });
    }
  } catch (err) {
    const message = (err as Error).message;
    // saxes prefixes its messages with "line:column: ".
    const at = /^(\d+):\d+: /.exec(message);
    const where = at ? `${file}:${at[1]}` : file;
    throw usageError(`${where}: cannot read ${kind} sample: ${message.replace(/^\d+:\d+: /, '')}`);
  }
  return out;
}

async function* once(text: string): AsyncGenerator<string> {
  yield text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Reads sample records by file extension: `.json` (an array or one object),
 * `.jsonl`/`.ndjson`, `.csv`/`.tsv` (first line is the header) and `.xml`.
 *
 * @example
 * ```ts
 * const samples = await readSamples('samples/employees.csv', { delimiter: ';' });
 * samples.filter((s) => s.error).forEach((s) => console.log(s.line, s.error?.message));
 * ```
 */
export async function readSamples(file: string, options: SampleOptions = {}): Promise<Sample[]> {
  const ext = extname(file).toLowerCase();
  const known = ['.json', '.jsonl', '.ndjson', '.csv', '.tsv', '.xml'];
  if (!known.includes(ext)) {
    throw usageError(`mapping test: cannot tell the format of ${file}`, `use ${known.join(', ')}`);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read sample ${file}: ${(err as Error).message}`);
  }
  if (ext === '.json') return readJson(file, text);
  if (ext === '.jsonl' || ext === '.ndjson') return readJsonLines(file, text);
  if (ext === '.xml') {
    const recordPath = options.recordPath ?? inferRecordPath(file, text);
    return collect(file, xmlParser({ recordPath, maxRecordBytes: MAX_RECORD })(once(text)), 'XML');
  }
  const delimiter = options.delimiter ?? (ext === '.tsv' ? '\t' : sniffDelimiter(text));
  const parse = csvParser({
    delimiter: delimiter === '\\t' ? '\t' : delimiter,
    quote: '"',
    header: true,
    maxRecordBytes: MAX_RECORD,
    relaxColumnCount: false,
  });
  return collect(file, parse(once(text)), 'CSV');
}
