/**
 * `memory.stream.1gb`: peak RSS while the file-drop parsers stream a large
 * generated file, against a bare `fs` read stream of a file of the same size.
 * The issue's bar: the parser's peak stays within the bare read stream's
 * peak plus 64 MiB, for 100 MiB and 1 GiB files alike (memory that does not
 * grow with the file).
 *
 * Files (generated once per run into BENCH_TMPDIR, removed at exit): the ERP
 * billing export of `filedrop.csv.e2e` as CSV (`;`, CRLF, quoted texts), as
 * JSON Lines (one object per line) and as XML (`Billing/Item` records of 17
 * child elements). Each measurement runs in a fresh process
 * (`memory-stream-child.ts`), because RSS never shrinks back within a
 * process: the bare read stream reads the CSV file with 64 KiB chunks; a
 * parser variant runs the file-drop read loop (`readFile`: iconv decode,
 * parse, reject handling, batches of 500 records) and drops each batch.
 * Both processes pay the same fixed cost (node, tsx, the modules imported).
 *
 * Recorded per run: the peak RSS sampled every 10 ms and the kernel's
 * high-water mark (`resourceUsage().maxRSS`); the verdict uses the kernel
 * peak (it cannot miss a spike), medians over repeats. `ops` are MiB read,
 * so the table's ops/s column is MiB/s.
 *
 *   npx tsx bench/run.ts memory.stream.1gb
 *   BENCH_MEMORY_SIZES_MIB=16,64 BENCH_REPEATS=1 npx tsx bench/run.ts memory.stream.1gb   # quick
 *
 * Environment: BENCH_MEMORY_SIZES_MIB (default `100,1024`), BENCH_MEMORY_FORMATS
 * (default `csv,jsonl,xml`), BENCH_MEMORY_NODE_FLAGS (comma-separated node flags for every
 * measured process, for diagnosis: `--max-semi-space-size=2`; recorded runs leave it unset),
 * BENCH_TMPDIR, BENCH_REPEATS.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, type Sample, type Scenario, type Variant } from '../harness.js';
import { BILLING_COLUMNS, billingFields, billingLine } from './filedrop-csv.js';

const run = promisify(execFile);
const MiB = 2 ** 20;
/** The issue's allowance over the bare read stream's peak. */
export const ALLOWANCE_MIB = 64;

/** The formats this scenario can generate and parse. */
export type StreamFormat = 'csv' | 'jsonl' | 'xml';
const ALL_FORMATS: StreamFormat[] = ['csv', 'jsonl', 'xml'];

const xmlEscape = (v: string) =>
  v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function line(format: StreamFormat, i: number): string {
  if (format === 'csv') return `${billingLine(i)}\r\n`;
  const values = billingFields(i);
  if (format === 'jsonl') {
    const record: Record<string, string> = {};
    BILLING_COLUMNS.forEach((c, k) => (record[c] = values[k] as string));
    return `${JSON.stringify(record)}\n`;
  }
  return `  <Item>${BILLING_COLUMNS.map((c, k) => `<${c}>${xmlEscape(values[k] as string)}</${c}>`).join('')}</Item>\n`;
}

/**
 * Writes a generated file of at least `targetBytes` bytes; returns its size
 * and the number of records in it.
 *
 * @example
 * ```ts
 * const { bytes, records } = await writeGenerated('/tmp/big.jsonl', 'jsonl', 100 * 2 ** 20);
 * ```
 */
export async function writeGenerated(
  path: string,
  format: StreamFormat,
  targetBytes: number,
): Promise<{ bytes: number; records: number }> {
  const out = createWriteStream(path);
  const head =
    format === 'csv'
      ? `${BILLING_COLUMNS.join(';')};\r\n`
      : format === 'xml'
        ? '<?xml version="1.0" encoding="UTF-8"?>\n<Billing>\n'
        : '';
  const tail = format === 'xml' ? '</Billing>\n' : '';
  const tailBytes = Buffer.byteLength(tail);
  let bytes = 0;
  let records = 0;
  let chunk = head;
  let chunkBytes = Buffer.byteLength(head);
  while (bytes + chunkBytes + tailBytes < targetBytes) {
    const next = line(format, records++);
    chunk += next;
    chunkBytes += Buffer.byteLength(next);
    if (chunkBytes > 1 << 20) {
      bytes += chunkBytes;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
      chunkBytes = 0;
    }
  }
  chunk += tail;
  bytes += Buffer.byteLength(chunk);
  out.write(chunk);
  out.end();
  await once(out, 'finish');
  return { bytes, records };
}

/** What one child process measured. */
export interface ChildResult {
  mode: string;
  bytes: number;
  records?: number;
  elapsedMs: number;
  peakRssSampled: number;
  maxRss: number;
}

const CHILD = fileURLToPath(new URL('./memory-stream-child.ts', import.meta.url));
// tsx as a loader in the measured process itself (its CLI would start a second node process).
const TSX_LOADER = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/**
 * Runs one measurement in a fresh `node` process.
 *
 * @example
 * ```ts
 * const r = await measure('csv', '/tmp/big.csv'); console.log(r.maxRss / 2 ** 20);
 * ```
 */
export async function measure(mode: 'bare' | StreamFormat, file: string): Promise<ChildResult> {
  // For diagnosis only (every child, bare included): e.g. `--max-semi-space-size=2`.
  const flags = listEnv('BENCH_MEMORY_NODE_FLAGS', '');
  const args = [...flags, '--import', TSX_LOADER, CHILD, mode, file];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 << 20 });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as ChildResult;
}

function listEnv(name: string, fallback: string): string[] {
  return (process.env[name] ?? fallback)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const mib = (n: number) => Math.round((n / MiB) * 10) / 10;

/**
 * The `memory.stream.1gb` scenario.
 *
 * @example
 * ```ts
 * const result = await runScenario(memoryStream(), { log: console.log });
 * ```
 */
export function memoryStream(): Scenario {
  const sizes = listEnv('BENCH_MEMORY_SIZES_MIB', '100,1024').map(Number);
  const formats = listEnv('BENCH_MEMORY_FORMATS', 'csv,jsonl,xml') as StreamFormat[];
  for (const f of formats) {
    if (!ALL_FORMATS.includes(f)) throw new Error(`memory.stream.1gb: unknown format ${f}`);
  }
  const root = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'patchbay-bench-memory-'));
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));

  type Peaks = { peakRssMiB: number; maxRssMiB: number };
  const memory: Record<string, Peaks[]> = {};
  const files: Record<string, { bytes: number; records: number }> = {};
  const generated = new Map<string, Promise<string>>();
  const fileFor = (format: StreamFormat, sizeMiB: number) => {
    const key = `${sizeMiB}MiB.${format}`;
    let p = generated.get(key);
    if (!p) {
      const path = join(root, `billing-${key}`);
      p = writeGenerated(path, format, sizeMiB * MiB).then((info) => {
        files[key] = info;
        return path;
      });
      generated.set(key, p);
    }
    return p;
  };

  const variant = (
    caseName: string,
    sizeMiB: number,
    mode: 'bare' | StreamFormat,
    name: string,
  ): Variant => ({
    name,
    ...(mode === 'bare' ? { baseline: true } : {}),
    run: async (): Promise<Sample> => {
      const format = mode === 'bare' ? 'csv' : mode;
      const file = await fileFor(format, sizeMiB);
      const r = await measure(mode, file);
      const expected = files[`${sizeMiB}MiB.${format}`]!;
      if (mode !== 'bare' && r.records !== expected.records) {
        throw new Error(`memory.stream.1gb / ${name}: ${r.records} of ${expected.records} records`);
      }
      (memory[`${caseName} · ${name}`] ??= []).push({
        peakRssMiB: mib(r.peakRssSampled),
        maxRssMiB: mib(r.maxRss),
      });
      // Peaks are the point of this scenario; the harness's log line shows only MiB/s.
      console.log(
        `    ${caseName} · ${name}: peak RSS ${mib(r.maxRss)} MiB (sampled ${mib(r.peakRssSampled)} MiB)`,
      );
      return { ops: r.bytes / MiB, elapsedMs: r.elapsedMs };
    },
  });

  const cases = sizes.map((sizeMiB) => {
    const caseName = `${sizeMiB} MiB`;
    return {
      name: caseName,
      variants: [
        variant(caseName, sizeMiB, 'bare', 'bare fs read stream (64 KiB chunks)'),
        ...formats.map((f) => variant(caseName, sizeMiB, f, `file-drop ${f} parser (readFile)`)),
      ],
    };
  });

  /** Medians and the verdict per case and parser, computed when the results are written. */
  const verdict = () => {
    const out: Record<string, unknown> = {};
    for (const c of cases) {
      const peaks = (v: Variant) =>
        median((memory[`${c.name} · ${v.name}`] ?? []).map((m) => m.maxRssMiB));
      const base = peaks(c.variants[0]!);
      for (const v of c.variants.slice(1)) {
        const peak = peaks(v);
        out[`${c.name} · ${v.name}`] = {
          medianMaxRssMiB: peak,
          baselineMaxRssMiB: base,
          overBaselineMiB: Math.round((peak - base) * 10) / 10,
          bounded: peak - base <= ALLOWANCE_MIB,
        };
      }
    }
    return out;
  };
  const params: Record<string, unknown> = {
    sizesMiB: sizes,
    formats,
    allowanceMiB: ALLOWANCE_MIB,
    batchSize: 500,
    nodeFlags: listEnv('BENCH_MEMORY_NODE_FLAGS', ''),
    files,
    memory,
    get verdict() {
      return verdict();
    },
    note: 'ops are MiB read (ops/s = MiB/s). memory, per repeat: peakRssMiB sampled every 10 ms, maxRssMiB the kernel high-water mark; each run in a fresh process. verdict: median maxRss of each parser − median maxRss of the bare read stream of the same size; bounded when ≤ allowanceMiB.',
  };
  return {
    name: 'memory.stream.1gb',
    description: `peak RSS streaming generated ${sizes.map((s) => `${s} MiB`).join(' / ')} files (${formats.join(', ')}) through the file-drop parsers vs. a bare read stream`,
    params,
    cases,
  };
}
