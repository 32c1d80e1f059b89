/**
 * `resilience.overhead`: what wrapping a call in resilience policies costs,
 * in nanoseconds per call, for a call that does nothing (`async () => 1`),
 * so the policies are all that is measured. Same run, interleaved:
 *
 * - bare async call (baseline);
 * - Patchbay, full pipeline (bulkhead ▸ rate limit ▸ 15 min budget ▸ retry ▸
 *   breaker), without and with a 30 s per-attempt timeout; also with a caller
 *   signal, and with an `onCall` listener (the general, timed path);
 * - Patchbay retry + breaker, and retry + breaker + timeout: the same
 *   protection as the cockatiel variants;
 * - cockatiel 3.2.1 retry + breaker, and retry + breaker + timeout (aggressive);
 * - opossum 9 (breaker with its default 10 s timer per call, and without a timeout).
 *
 * Two cases: one caller issuing calls back to back, and 32 concurrent
 * callers. `params.nsPerCall` and `params.overheadNs` (over the bare call of
 * the same case) are filled in as the repeats run.
 *
 *   npx tsx bench/run.ts resilience.overhead
 *   npx tsx bench/scenarios/resilience-overhead.ts   # same, standalone
 */
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker,
  handleAll,
  retry,
  timeout,
  wrap,
} from 'cockatiel';
import OpossumBreaker from 'opossum';
import { createPipeline } from '../../src/policies/index.js';
import { median, type BenchCase, type Sample, type Scenario, type Variant } from '../harness.js';

function durationMs(): number {
  return Number(process.env['BENCH_DURATION_MS'] ?? 800);
}

type Op = () => Promise<unknown>;

/** `concurrency` callers issue `op` back to back for the run's duration. */
async function loop(concurrency: number, op: Op): Promise<Sample> {
  for (let i = 0; i < 20_000; i++) await op(); // warm up this variant's code paths
  let ops = 0;
  const start = performance.now();
  const deadline = start + durationMs();
  const caller = async () => {
    for (;;) {
      for (let i = 0; i < 1000; i++) await op();
      ops += 1000;
      if (performance.now() >= deadline) return;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  return { ops, elapsedMs: performance.now() - start };
}

const call = async () => 1;

function variants(): Array<{ name: string; baseline?: boolean; op: () => Op }> {
  return [
    { name: 'bare async call', baseline: true, op: () => call },
    {
      name: 'patchbay full pipeline, no timeout',
      op: () => {
        const p = createPipeline(
          {
            timeout: false,
            rateLimit: { rate: 1e12, burst: 1e12 },
            bulkhead: { maxConcurrent: 1000, maxQueued: 0 },
          },
          { name: 'bench-full' },
        );
        return () => p.execute(call);
      },
    },
    {
      name: 'patchbay full pipeline + timeout',
      op: () => {
        const p = createPipeline(
          {
            timeout: '30s',
            rateLimit: { rate: 1e12, burst: 1e12 },
            bulkhead: { maxConcurrent: 1000, maxQueued: 0 },
          },
          { name: 'bench-full-timeout' },
        );
        return () => p.execute(call);
      },
    },
    {
      name: 'patchbay full pipeline + timeout + caller signal',
      op: () => {
        const p = createPipeline(
          {
            timeout: '30s',
            rateLimit: { rate: 1e12, burst: 1e12 },
            bulkhead: { maxConcurrent: 1000, maxQueued: 0 },
          },
          { name: 'bench-full-signal' },
        );
        const signal = new AbortController().signal;
        return () => p.execute(call, signal);
      },
    },
    {
      name: 'patchbay full pipeline + timeout, timed (onCall listener)',
      op: () => {
        const p = createPipeline(
          {
            timeout: '30s',
            rateLimit: { rate: 1e12, burst: 1e12 },
            bulkhead: { maxConcurrent: 1000, maxQueued: 0 },
          },
          { name: 'bench-full-timed' },
        );
        let sink = 0;
        p.onCall((e) => (sink += e.durationMs));
        return () => p.execute(call);
      },
    },
    {
      name: 'patchbay retry + breaker',
      op: () => {
        const p = createPipeline({ timeout: false, budget: false }, { name: 'bench-rb' });
        return () => p.execute(call);
      },
    },
    {
      name: 'patchbay retry + breaker + timeout',
      op: () => {
        const p = createPipeline({ timeout: '30s', budget: false }, { name: 'bench-rbt' });
        return () => p.execute(call);
      },
    },
    {
      name: 'cockatiel retry + breaker',
      op: () => {
        const policy = wrap(
          retry(handleAll, { maxAttempts: 4, backoff: new ExponentialBackoff() }),
          circuitBreaker(handleAll, {
            halfOpenAfter: 30_000,
            breaker: new ConsecutiveBreaker(5),
          }),
        );
        return () => policy.execute(call);
      },
    },
    {
      name: 'cockatiel retry + breaker + timeout',
      op: () => {
        const policy = wrap(
          retry(handleAll, { maxAttempts: 4, backoff: new ExponentialBackoff() }),
          circuitBreaker(handleAll, {
            halfOpenAfter: 30_000,
            breaker: new ConsecutiveBreaker(5),
          }),
          timeout(30_000, TimeoutStrategy.Aggressive),
        );
        return () => policy.execute(call);
      },
    },
    {
      name: 'opossum (10 s timeout)',
      op: () => {
        const breaker = new OpossumBreaker(call, { timeout: 10_000, resetTimeout: 30_000 });
        return () => breaker.fire();
      },
    },
    {
      name: 'opossum (no timeout)',
      op: () => {
        const breaker = new OpossumBreaker(call, { timeout: false, resetTimeout: 30_000 });
        return () => breaker.fire();
      },
    },
  ];
}

/**
 * The scenario, for `bench/run.ts`.
 *
 * @example
 * ```ts
 * const result = await runScenario(resilienceOverhead(), { log: console.log });
 * ```
 */
export function resilienceOverhead(): Scenario {
  const nsPerCall: Record<string, Record<string, number>> = {};
  const overheadNs: Record<string, Record<string, number>> = {};
  const params = {
    call: 'async () => 1',
    durationMsPerRun: durationMs(),
    nsPerCall,
    overheadNs,
    note: 'nsPerCall = median over repeats of elapsed / calls; overheadNs = nsPerCall − bare call of the same case',
  };
  const cases: BenchCase[] = [1, 32].map((concurrency) => {
    const caseName = concurrency === 1 ? 'sequential' : `${concurrency} concurrent callers`;
    const seen = new Map<string, number[]>();
    const record = (name: string, sample: Sample) => {
      const list = seen.get(name) ?? [];
      list.push((sample.elapsedMs * 1e6) / sample.ops);
      seen.set(name, list);
      const byVariant = (nsPerCall[caseName] ??= {});
      byVariant[name] = Math.round(median(list));
      const bare = byVariant['bare async call'];
      if (bare !== undefined) {
        overheadNs[caseName] = Object.fromEntries(
          Object.entries(byVariant).map(([v, ns]) => [v, ns - bare]),
        );
      }
    };
    const list: Variant[] = variants().map((v) => {
      const op = v.op();
      return {
        name: v.name,
        ...(v.baseline ? { baseline: true } : {}),
        run: async () => {
          const sample = await loop(concurrency, op);
          record(v.name, sample);
          return sample;
        },
      };
    });
    return { name: caseName, variants: list };
  });
  return {
    name: 'resilience.overhead',
    description: 'ns per call of resilience policies around a no-op async call',
    repeats: 5,
    cases,
    params,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runScenario, formatTable, writeResult } = await import('../harness.js');
  const result = await runScenario(resilienceOverhead(), { log: (l) => console.log(l) });
  writeResult(new URL('../results/resilience.overhead.json', import.meta.url).pathname, result);
  console.log(formatTable(result));
  console.log(JSON.stringify(result.params, null, 2));
}
