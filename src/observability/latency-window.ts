/**
 * A sliding-window quantile over recent latencies, for the domain metric
 * `integration.<name>.latency_p99_ms`.
 *
 * Why not prom-client's Summary: its t-digest is approximate even on small
 * samples and costs more per observation. Integrations make few calls per
 * second, so keeping the raw samples gives an exact p99 at a tiny cost; a
 * per-slot cap with reservoir sampling bounds memory when a busy integration
 * makes many.
 */

/**
 * Options for {@link LatencyWindow}.
 *
 * @example
 * ```ts
 * // p99 over the last minute, in 6 ten-second steps
 * const window = new LatencyWindow({ windowMs: 60_000, slots: 6 } satisfies LatencyWindowOptions);
 * window.observe(182);
 * window.quantile(0.99);
 * ```
 */
export interface LatencyWindowOptions {
  /** Length of the window. Default 300 000 (5 minutes). */
  windowMs?: number;
  /** The window advances in this many steps. Default 5 (one per minute). */
  slots?: number;
  /** Samples kept exactly per slot; beyond it, a uniform reservoir sample. Default 2048. */
  maxSamplesPerSlot?: number;
  /** Clock, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

interface Slot {
  epoch: number;
  seen: number;
  samples: number[];
}

/**
 * Recent observations in time slots; slots older than the window are reused.
 * The window covers between `windowMs - windowMs / slots` and `windowMs` of
 * history, depending on where in the current slot the clock is.
 *
 * @example
 * ```ts
 * const w = new LatencyWindow({ windowMs: 60_000, slots: 6 });
 * for (let ms = 1; ms <= 100; ms++) w.observe(ms);
 * w.quantile(0.99); // 99
 * ```
 */
export class LatencyWindow {
  readonly #slotMs: number;
  readonly #slots: Slot[];
  readonly #max: number;
  readonly #now: () => number;

  constructor(options: LatencyWindowOptions = {}) {
    const windowMs = options.windowMs ?? 300_000;
    const slots = Math.max(1, Math.floor(options.slots ?? 5));
    this.#slotMs = Math.max(1, windowMs / slots);
    this.#slots = Array.from({ length: slots }, () => ({ epoch: -1, seen: 0, samples: [] }));
    this.#max = Math.max(1, options.maxSamplesPerSlot ?? 2048);
    this.#now = options.now ?? Date.now;
  }

  /** Adds one observation (negative values count as 0; NaN is ignored). */
  observe(value: number): void {
    if (Number.isNaN(value)) return;
    const v = value < 0 ? 0 : value;
    const epoch = Math.floor(this.#now() / this.#slotMs);
    const slot = this.#slots[epoch % this.#slots.length]!;
    if (slot.epoch !== epoch) {
      slot.epoch = epoch;
      slot.seen = 0;
      slot.samples.length = 0;
    }
    slot.seen += 1;
    if (slot.samples.length < this.#max) {
      slot.samples.push(v);
      return;
    }
    // Algorithm R: every observation in the slot is kept with equal probability.
    const j = Math.floor(Math.random() * slot.seen);
    if (j < this.#max) slot.samples[j] = v;
  }

  /** How many observations the current window holds (including those sampled away). */
  count(): number {
    let n = 0;
    for (const slot of this.#live()) n += slot.seen;
    return n;
  }

  /**
   * The `q` quantile (0 < q ≤ 1) of the window by the nearest-rank method
   * (the smallest sample with at least `q` of the samples at or below it),
   * or `undefined` when the window is empty.
   */
  quantile(q: number): number | undefined {
    let total = 0;
    for (const slot of this.#live()) total += slot.samples.length;
    if (total === 0) return undefined;
    const all = new Float64Array(total);
    let i = 0;
    for (const slot of this.#live()) {
      all.set(slot.samples, i);
      i += slot.samples.length;
    }
    all.sort();
    const rank = Math.min(total, Math.max(1, Math.ceil(q * total)));
    return all[rank - 1];
  }

  *#live(): Iterable<Slot> {
    const current = Math.floor(this.#now() / this.#slotMs);
    for (const slot of this.#slots) {
      if (slot.epoch > current - this.#slots.length && slot.epoch <= current) yield slot;
    }
  }
}
