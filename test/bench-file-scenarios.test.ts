/**
 * Smoke tests of the file-drop benchmark scenarios (`filedrop.csv.e2e`,
 * `memory.stream.1gb`): each runs end to end at a tiny size and produces a
 * well-formed result. No timing assertions: the numbers come from
 * `npx tsx bench/run.ts <scenario>`. Scratch files go to one temporary
 * folder (`BENCH_TMPDIR`), removed after the tests.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../bench/harness.js';
import { filedropCsvE2e } from '../bench/scenarios/filedrop-csv.js';
import { memoryStream } from '../bench/scenarios/memory-stream.js';

const saved = { ...process.env };
let scratch = '';
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'patchbay-bench-test-'));
});
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('bench scenarios for file drops', () => {
  it('filedrop.csv.e2e loads every generated row through the runtime and reports ratios', async () => {
    process.env['BENCH_TMPDIR'] = scratch;
    process.env['BENCH_FILEDROP_ROWS'] = '150';
    // Several batches per run, so checkpoints are saved between batches.
    process.env['BENCH_FILEDROP_BATCH'] = '40';
    const result = await runScenario(filedropCsvE2e(), { repeats: 1 });
    expect(result.scenario).toBe('filedrop.csv.e2e');
    expect(result.params['rows']).toBe(150);
    expect(result.params['batchSize']).toBe(40);
    expect(result.params['fileBytes']).toBeGreaterThan(150 * 100);
    expect(result.results.map((r) => r.baseline)).toEqual([true, false, false, false]);
    for (const r of result.results) {
      expect(r.samples).toHaveLength(1);
      expect(r.samples[0]!.ops).toBe(150);
      expect(r.medianOpsPerSec).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratio)).toBe(true);
    }
    // Each end-to-end run removes its drop, archive and databases.
    const left = readdirSync(scratch).filter((d) => d.startsWith('patchbay-bench-filedrop-'));
    for (const d of left) expect(readdirSync(join(scratch, d))).toEqual(['BILLING_20261117.csv']);
  }, 60_000);

  it('memory.stream.1gb measures a bare read stream and each parser in its own process', async () => {
    process.env['BENCH_TMPDIR'] = scratch;
    process.env['BENCH_MEMORY_SIZES_MIB'] = '0.25';
    process.env['BENCH_MEMORY_FORMATS'] = 'csv,jsonl,xml';
    const result = await runScenario(memoryStream(), { repeats: 1 });
    expect(result.scenario).toBe('memory.stream.1gb');
    expect(result.results.map((r) => r.variant)).toEqual([
      'bare fs read stream (64 KiB chunks)',
      'file-drop csv parser (readFile)',
      'file-drop jsonl parser (readFile)',
      'file-drop xml parser (readFile)',
    ]);
    const files = result.params['files'] as Record<string, { bytes: number; records: number }>;
    expect(Object.keys(files).sort()).toEqual(['0.25MiB.csv', '0.25MiB.jsonl', '0.25MiB.xml']);
    for (const f of Object.values(files)) expect(f.records).toBeGreaterThan(500);
    const memory = result.params['memory'] as Record<string, Array<{ maxRssMiB: number }>>;
    expect(Object.keys(memory)).toHaveLength(4);
    for (const peaks of Object.values(memory)) expect(peaks[0]!.maxRssMiB).toBeGreaterThan(10);
    const verdict = JSON.parse(JSON.stringify(result.params['verdict'])) as Record<
      string,
      { overBaselineMiB: number; bounded: boolean }
    >;
    expect(Object.keys(verdict)).toHaveLength(3);
    for (const v of Object.values(verdict)) expect(typeof v.bounded).toBe('boolean');
  }, 60_000);
});
