/**
 * A tiny benchmark harness. A scenario has cases (e.g. concurrency levels);
 * each case has variants, one of them the baseline it is compared with.
 * Variants of a case run interleaved, the order reversed every repeat
 * (A B C, C B A, ...), so drift in the machine (page cache, thermal, other
 * tenants) spreads over all variants instead of biasing the last one.
 * Ratios against a baseline measured in the same run are steadier than
 * absolute numbers, which is what the results are meant to be read for.
 */
import { cpus, freemem, platform, release, arch, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * What one timed run of a variant measured.
 *
 * @example
 * ```ts
 * const sample: Sample = { ops: 5000, elapsedMs: 1000, latenciesMs };
 * ```
 */
export interface Sample {
  /** Operations completed inside the timed window. */
  ops: number;
  /** Length of the timed window. */
  elapsedMs: number;
  /** Per-operation latencies, when the variant records them. */
  latenciesMs?: number[];
  /**
   * CPU time (user + system, µs) the measured server process spent per
   * operation in the window, when the variant measures it: steadier than
   * ops/s on a shared, overloaded machine.
   */
  serverCpuUsPerOp?: number;
  /** CPU time the load-generating process spent per operation, when measured. */
  clientCpuUsPerOp?: number;
}

/**
 * One contender in a case. `run` sets up, measures one window, tears down.
 *
 * @example
 * ```ts
 * const v: Variant = { name: 'group commit', run: () => closedLoop(16, 800, () => store.inbox.append(item())) };
 * ```
 */
export interface Variant {
  name: string;
  /** Exactly one variant per case is the baseline; ratios are against it. */
  baseline?: boolean;
  run(): Promise<Sample>;
}

/**
 * A set of variants measured under the same conditions.
 *
 * @example
 * ```ts
 * const c: BenchCase = { name: '16 writers', variants: [baseline, contender] };
 * ```
 */
export interface BenchCase {
  name: string;
  variants: Variant[];
}

/**
 * A named benchmark: its cases and how often to repeat each variant.
 *
 * @example
 * ```ts
 * const s: Scenario = { name: 'store.durable-write', description: 'durable appends/s', cases: [c] };
 * ```
 */
export interface Scenario {
  name: string;
  description: string;
  /** Timed runs per variant. Default 3 (env `BENCH_REPEATS`). */
  repeats?: number;
  cases: BenchCase[];
  /** Extra facts recorded with the results (durations, payload sizes...). */
  params?: Record<string, unknown>;
}

/**
 * One timed run, as written to the results file.
 *
 * @example
 * ```ts
 * const s: SampleSummary = { repeat: 0, ops: 4000, elapsedMs: 800, opsPerSec: 5000, p99Ms: 1.2 };
 * ```
 */
export interface SampleSummary {
  repeat: number;
  ops: number;
  elapsedMs: number;
  opsPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
  maxMs?: number;
  serverCpuUsPerOp?: number;
  clientCpuUsPerOp?: number;
}

/**
 * A variant's result: medians over its repeats and its ratio to the baseline.
 *
 * @example
 * ```ts
 * const best = result.results.reduce((a, b) => (b.ratio > a.ratio ? b : a));
 * ```
 */
export interface VariantResult {
  case: string;
  variant: string;
  baseline: boolean;
  medianOpsPerSec: number;
  /** Median over repeats of each repeat's p50 / p99 latency. */
  p50Ms?: number;
  p99Ms?: number;
  /** medianOpsPerSec / the baseline's medianOpsPerSec. */
  ratio: number;
  /** Median server CPU µs per operation, when measured. */
  medianServerCpuUsPerOp?: number;
  /** The baseline's median server CPU per operation / this variant's (CPU-bound throughput ratio). */
  cpuRatio?: number;
  samples: SampleSummary[];
}

/**
 * Everything written to `bench/results/<scenario>.json`.
 *
 * @example
 * ```ts
 * const result: ScenarioResult = JSON.parse(readFileSync('bench/results/store.durable-write.json', 'utf8'));
 * ```
 */
export interface ScenarioResult {
  scenario: string;
  description: string;
  date: string;
  repeats: number;
  params: Record<string, unknown>;
  machine: Record<string, unknown>;
  results: VariantResult[];
}

/**
 * The median of a list (mean of the middle two for even lengths).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The nearest-rank percentile `p` (0..100) of an ascending list.
 *
 * @example
 * ```ts
 * percentile([1, 2, 3, 4], 50); // 2
 * ```
 */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  const rank = Math.min(sortedAsc.length, Math.max(1, Math.ceil((p / 100) * sortedAsc.length)));
  return sortedAsc[rank - 1] as number;
}

/**
 * Facts about the machine and runtime, recorded with every result.
 *
 * @example
 * ```ts
 * machineInfo().node; // 'v20.20.2'
 * ```
 */
export function machineInfo(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    release: release(),
    arch: arch(),
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    totalMemMiB: Math.round(totalmem() / 2 ** 20),
    freeMemMiB: Math.round(freemem() / 2 ** 20),
  };
}

function summarise(repeat: number, sample: Sample): SampleSummary {
  const summary: SampleSummary = {
    repeat,
    ops: sample.ops,
    elapsedMs: round(sample.elapsedMs),
    opsPerSec: round((sample.ops * 1000) / sample.elapsedMs),
  };
  if (sample.latenciesMs && sample.latenciesMs.length > 0) {
    const sorted = [...sample.latenciesMs].sort((a, b) => a - b);
    summary.p50Ms = round(percentile(sorted, 50), 3);
    summary.p99Ms = round(percentile(sorted, 99), 3);
    summary.maxMs = round(sorted[sorted.length - 1] as number, 3);
  }
  if (sample.serverCpuUsPerOp !== undefined) {
    summary.serverCpuUsPerOp = round(sample.serverCpuUsPerOp, 2);
  }
  if (sample.clientCpuUsPerOp !== undefined) {
    summary.clientCpuUsPerOp = round(sample.clientCpuUsPerOp, 2);
  }
  return summary;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * Runs every case of a scenario, variants interleaved, and computes medians
 * and ratios. `log` receives one line per timed run.
 *
 * @example
 * ```ts
 * const result = await runScenario(scenario, { repeats: 3, log: console.log });
 * console.log(formatTable(result));
 * ```
 */
export async function runScenario(
  scenario: Scenario,
  options: { repeats?: number; log?: (line: string) => void } = {},
): Promise<ScenarioResult> {
  const repeats = options.repeats ?? scenario.repeats ?? 3;
  const results: VariantResult[] = [];
  for (const benchCase of scenario.cases) {
    const baselines = benchCase.variants.filter((v) => v.baseline);
    if (baselines.length !== 1) {
      throw new Error(`${scenario.name} / ${benchCase.name}: needs exactly one baseline variant`);
    }
    const samples = new Map<Variant, SampleSummary[]>(benchCase.variants.map((v) => [v, []]));
    for (let repeat = 0; repeat < repeats; repeat++) {
      const order = repeat % 2 === 0 ? benchCase.variants : [...benchCase.variants].reverse();
      for (const variant of order) {
        const summary = summarise(repeat, await variant.run());
        samples.get(variant)?.push(summary);
        options.log?.(
          `  ${benchCase.name} · ${variant.name} · #${repeat + 1}: ${summary.opsPerSec} ops/s` +
            (summary.p99Ms === undefined ? '' : `, p99 ${summary.p99Ms} ms`) +
            (summary.serverCpuUsPerOp === undefined
              ? ''
              : `, server CPU ${summary.serverCpuUsPerOp} µs/op`) +
            (summary.clientCpuUsPerOp === undefined
              ? ''
              : `, client CPU ${summary.clientCpuUsPerOp} µs/op`),
        );
      }
    }
    const medianOf = (v: Variant) => median((samples.get(v) ?? []).map((s) => s.opsPerSec));
    const base = medianOf(baselines[0] as Variant);
    const cpuOf = (v: Variant) => {
      const cpu = (samples.get(v) ?? []).flatMap((s) =>
        s.serverCpuUsPerOp === undefined ? [] : [s.serverCpuUsPerOp],
      );
      return cpu.length > 0 ? median(cpu) : undefined;
    };
    const baseCpu = cpuOf(baselines[0] as Variant);
    for (const variant of benchCase.variants) {
      const list = samples.get(variant) ?? [];
      const p50s = list.flatMap((s) => (s.p50Ms === undefined ? [] : [s.p50Ms]));
      const p99s = list.flatMap((s) => (s.p99Ms === undefined ? [] : [s.p99Ms]));
      results.push({
        case: benchCase.name,
        variant: variant.name,
        baseline: variant.baseline === true,
        medianOpsPerSec: round(medianOf(variant)),
        ...(p50s.length ? { p50Ms: round(median(p50s), 3) } : {}),
        ...(p99s.length ? { p99Ms: round(median(p99s), 3) } : {}),
        ratio: round(medianOf(variant) / base, 2),
        ...(cpuOf(variant) === undefined
          ? {}
          : { medianServerCpuUsPerOp: round(cpuOf(variant) as number, 2) }),
        ...(cpuOf(variant) === undefined || baseCpu === undefined
          ? {}
          : { cpuRatio: round(baseCpu / (cpuOf(variant) as number), 2) }),
        samples: list,
      });
    }
  }
  return {
    scenario: scenario.name,
    description: scenario.description,
    date: new Date().toISOString(),
    repeats,
    params: scenario.params ?? {},
    machine: machineInfo(),
    results,
  };
}

/**
 * A readable, aligned table of a scenario's results.
 *
 * @example
 * ```ts
 * console.log(formatTable(result));
 * ```
 */
export function formatTable(result: ScenarioResult): string {
  const header = ['case', 'variant', 'ops/s (median)', 'p50 ms', 'p99 ms', 'vs baseline'];
  const rows = result.results.map((r) => [
    r.case,
    r.baseline ? `${r.variant} (baseline)` : r.variant,
    Math.round(r.medianOpsPerSec).toLocaleString('en-US'),
    r.p50Ms === undefined ? '-' : r.p50Ms.toFixed(2),
    r.p99Ms === undefined ? '-' : r.p99Ms.toFixed(2),
    `${r.ratio.toFixed(2)}×`,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ');
  return [
    `${result.scenario}: ${result.description}`,
    `(${result.repeats} interleaved repeats per variant; node ${String(result.machine['node'])}, ` +
      `${String(result.machine['cpuCount'])} × ${String(result.machine['cpuModel'])})`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
  ].join('\n');
}

/**
 * Writes a scenario's results as pretty JSON, creating folders as needed.
 *
 * @example
 * ```ts
 * writeResult('bench/results/store.durable-write.json', result);
 * ```
 */
export function writeResult(path: string, result: ScenarioResult): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}

/**
 * Runs `op` from `concurrency` closed-loop writers for `durationMs` and
 * records each operation's latency (from issue to completion, so queueing
 * behind other writers counts).
 *
 * @example
 * ```ts
 * const sample = await closedLoop(16, 1000, () => store.inbox.append(item()));
 * ```
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  op: () => Promise<unknown>,
): Promise<Sample> {
  const latenciesMs: number[] = [];
  const start = performance.now();
  const deadline = start + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await op();
      latenciesMs.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { ops: latenciesMs.length, elapsedMs: performance.now() - start, latenciesMs };
}
