/**
 * One measurement of `memory.stream.1gb`, in a fresh process so that every
 * peak starts from the same empty heap (RSS never shrinks back within one
 * process, so variants sharing a process would inherit each other's peaks).
 *
 *   tsx bench/scenarios/memory-stream-child.ts <bare|csv|jsonl|xml> <file>
 *
 * Prints one JSON line: bytes and records read, wall time, the peak RSS
 * sampled every 10 ms while reading, and the kernel's high-water mark
 * (`resourceUsage().maxRSS`), both in bytes.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ReadContext } from '../../src/core/connector.js';
import { fileDropConfig } from '../../src/connectors/file/config.js';
import { readFile } from '../../src/connectors/file/read-file.js';

const FORMATS = {
  csv: { type: 'csv', delimiter: ';' },
  jsonl: { type: 'jsonl' },
  xml: { type: 'xml', recordPath: 'Billing/Item' },
} as const;

async function bare(file: string): Promise<number> {
  let bytes = 0;
  // The same chunk size as the file-drop parsers read with.
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    bytes += (chunk as Buffer).length;
  }
  return bytes;
}

async function parsed(format: keyof typeof FORMATS, file: string): Promise<number> {
  const cfg = fileDropConfig.parse({
    path: '/unused',
    archive: '/unused',
    format: FORMATS[format],
  });
  const ctx = {
    integrationId: 'bench-memory',
    store: {
      rejects: {
        add: (r: unknown) => Promise.reject(new Error(`unexpected reject ${JSON.stringify(r)}`)),
      },
    },
  } as unknown as ReadContext;
  const job = {
    key: `2026-11-17/${basename(file)}`,
    name: basename(file),
    hash: '',
    path: file,
    after: 0,
  };
  let records = 0;
  for await (const batch of readFile(cfg, job, ctx, false)) records += batch.items.length;
  return records;
}

const [mode = '', file] = process.argv.slice(2);
if (!file || !(mode === 'bare' || mode in FORMATS)) {
  console.error('usage: memory-stream-child.ts <bare|csv|jsonl|xml> <file>');
  process.exit(2);
}
let peak = process.memoryUsage.rss();
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 10);
const start = performance.now();
const count = mode === 'bare' ? await bare(file) : await parsed(mode as keyof typeof FORMATS, file);
const elapsedMs = performance.now() - start;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage.rss());
console.log(
  JSON.stringify({
    mode,
    bytes: statSync(file).size,
    records: mode === 'bare' ? undefined : count,
    elapsedMs,
    peakRssSampled: peak,
    maxRss: process.resourceUsage().maxRSS * 1024,
  }),
);
