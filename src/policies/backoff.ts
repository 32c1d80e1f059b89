/**
 * Backoff delays: exponential with ±jitter (the default), or AWS-style
 * decorrelated jitter. Delays are whole milliseconds, so tests with a seeded
 * random source can assert the exact sequence.
 */

/**
 * How delays grow.
 *
 * @example
 * ```ts
 * // decorrelated jitter spreads retries of many clients hitting the same API
 * createPipeline({ retry: { backoff: 'decorrelated' satisfies BackoffKind, baseDelay: '500ms' } }, { name: 'gps' });
 * ```
 */
export type BackoffKind = 'exponential' | 'decorrelated';

/**
 * Resolved backoff parameters (milliseconds).
 *
 * @example
 * ```ts
 * const params: BackoffParams = { kind: 'exponential', baseMs: 1000, maxMs: 30_000, factor: 2, jitter: 0 };
 * backoffDelays(params, 4); // [1000, 2000, 4000, 8000]
 * ```
 */
export interface BackoffParams {
  kind: BackoffKind;
  /** First delay. */
  baseMs: number;
  /** No delay exceeds this (jitter included). */
  maxMs: number;
  /** Growth per retry (exponential only). */
  factor: number;
  /** Relative jitter, 0–1: 0.2 means each delay is drawn from ±20 % around its nominal value (exponential only). */
  jitter: number;
}

/**
 * A deterministic random source (mulberry32) for reproducible jitter in tests.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // always the same first number for seed 42
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The delay before retry number `retry` (1 = before the second attempt).
 *
 * - exponential: `min(max, base · factor^(retry-1) · (1 ± jitter))`
 * - decorrelated: `min(max, uniform(base, previous · 3))`, with `previous` = base at first
 *
 * @example
 * ```ts
 * const p = { kind: 'exponential', baseMs: 1000, maxMs: 300_000, factor: 2, jitter: 0 } as const;
 * backoffDelay(p, 3, 0, Math.random); // 4000
 * ```
 */
export function backoffDelay(
  params: BackoffParams,
  retry: number,
  previousMs: number,
  random: () => number,
): number {
  const { baseMs, maxMs } = params;
  let delay: number;
  if (params.kind === 'decorrelated') {
    const prev = previousMs > 0 ? previousMs : baseMs;
    const high = Math.max(baseMs, prev * 3);
    delay = baseMs + random() * (high - baseMs);
  } else {
    const nominal = Math.min(maxMs, baseMs * Math.pow(params.factor, retry - 1));
    delay = nominal * (1 + params.jitter * (2 * random() - 1));
  }
  return Math.max(0, Math.min(maxMs, Math.round(delay)));
}

/**
 * The first `count` delays a policy would use, for docs, `patchbay check` and tests.
 *
 * @example
 * ```ts
 * backoffDelays({ kind: 'exponential', baseMs: 1000, maxMs: 300_000, factor: 2, jitter: 0 }, 4);
 * // [1000, 2000, 4000, 8000]
 * ```
 */
export function backoffDelays(
  params: BackoffParams,
  count: number,
  random: () => number = Math.random,
): number[] {
  const out: number[] = [];
  let prev = 0;
  for (let i = 1; i <= count; i++) {
    prev = backoffDelay(params, i, prev, random);
    out.push(prev);
  }
  return out;
}
