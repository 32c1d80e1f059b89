/**
 * Incremental loading in the style of dlt: a cursor field in each record,
 * an initial value, an optional end value, a lag window for late data and
 * de-duplication at the boundary by primary key (or a hash of the record).
 *
 * A run with an end value, and every replay, is stateless: it reads a
 * closed range and produces no checkpoint, so the live cursor never moves.
 */
import { z } from 'zod';
import type { JsonValue } from '../../core/json-safe.js';
import { PatchbayError } from '../../core/errors.js';
import type { ReplayRange } from '../../core/connector.js';
import { fingerprint } from '../../idempotency/key.js';
import { getPath } from './pagination/json-path.js';

const cursorValue = z.union([z.string(), z.number()]);

/**
 * Config of an incremental cursor.
 * @example
 * ```ts
 * incrementalSchema.parse({ cursorPath: 'updated_at', initialValue: '2026-01-01T00:00:00Z', param: 'since', lag: 300, primaryKey: 'id' });
 * ```
 */
export const incrementalSchema = z
  .object({
    cursorPath: z
      .string()
      .meta({ description: 'Path to the cursor field in each record', examples: ['updated_at'] }),
    initialValue: cursorValue.meta({
      description: 'Where the first run starts (inclusive)',
      examples: ['2026-01-01T00:00:00Z'],
    }),
    endValue: cursorValue.optional().meta({
      description: 'Stop before this value (exclusive); makes the run stateless',
      advanced: true,
    }),
    param: z
      .string()
      .optional()
      .meta({
        description: 'Query parameter receiving the start value',
        examples: ['updated_since'],
      }),
    endParam: z
      .string()
      .optional()
      .meta({ description: 'Query parameter receiving the end value', advanced: true }),
    lag: z.number().min(0).default(0).meta({
      description:
        'Re-read this far back for late data: seconds for date cursors, units for numbers',
    }),
    primaryKey: z.string().optional().meta({
      description:
        'Path to the record id, for boundary de-duplication (default: hash of the record)',
    }),
    ordered: z.boolean().default(true).meta({
      description: 'Pages arrive in ascending cursor order, so each page may checkpoint',
      advanced: true,
    }),
  })
  .strict();

/**
 * Parsed incremental config.
 *
 * @example
 * ```ts
 * const config: IncrementalConfig = incrementalSchema.parse({
 *   cursorPath: 'updated_at',
 *   initialValue: '2026-01-01T00:00:00Z',
 *   param: 'updated_since',
 *   lag: 300, // re-read the last 5 minutes for late writes
 *   primaryKey: 'id',
 * });
 * const cursor = new IncrementalCursor(config, { checkpoint: saved });
 * ```
 */
export type IncrementalConfig = z.output<typeof incrementalSchema>;

/**
 * The checkpoint value: the highest cursor seen and the keys inside the lag window.
 *
 * @example
 * ```ts
 * // saved after a page of loads: the highest `updated_at` and the ids seen inside the lag window
 * const state: IncrementalState = {
 *   last: '2026-03-02T08:15:00Z',
 *   keys: ['load_881', 'load_882'],
 * };
 * const cursor = new IncrementalCursor(config, { checkpoint: state }); // skips those two if re-read
 * ```
 */
export interface IncrementalState {
  last: string | number;
  keys: string[];
}

/** Boundary keys are capped so a checkpoint stays small. */
const MAX_KEYS = 10_000;

/**
 * Tracks one run's position.
 *
 * @example
 * ```ts
 * const cursor = new IncrementalCursor(incrementalSchema.parse({ cursorPath: 'updated_at', initialValue: 0, primaryKey: 'id' }));
 * const fresh = cursor.accept(page.items);
 * const checkpoint = cursor.stateless ? undefined : cursor.state();
 * ```
 */
export class IncrementalCursor {
  /** True for end-valued runs and replays: they never produce a checkpoint. */
  readonly stateless: boolean;
  /** Start of the range this run requests (inclusive), lag applied. */
  readonly from: string | number;
  /** End of the range (exclusive), if any. */
  readonly to: string | number | undefined;
  #last: string | number | undefined;
  readonly #prevLast: string | number | undefined;
  readonly #keys = new Map<string, string | number>();

  constructor(
    private readonly config: IncrementalConfig,
    options: { checkpoint?: JsonValue | undefined; range?: ReplayRange | undefined } = {},
  ) {
    const numeric = typeof config.initialValue === 'number';
    const asCursor = (v: string) => (numeric ? Number(v) : v);
    if (options.range) {
      this.stateless = true;
      this.from = asCursor(options.range.from);
      this.to = options.range.to === undefined ? config.endValue : asCursor(options.range.to);
      return;
    }
    this.to = config.endValue;
    this.stateless = config.endValue !== undefined;
    const saved = this.stateless ? undefined : readState(options.checkpoint);
    if (saved) {
      this.#last = this.#prevLast = saved.last;
      for (const k of saved.keys) this.#keys.set(k, saved.last);
      this.from = minusLag(saved.last, config.lag);
    } else {
      this.from = config.initialValue;
    }
  }

  /** Keeps the records this run has not delivered before, and advances the position. */
  accept(records: readonly unknown[]): unknown[] {
    const kept: unknown[] = [];
    for (const record of records) {
      const value = getPath(record, this.config.cursorPath);
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new PatchbayError('parse', `record has no cursor at ${this.config.cursorPath}`, {
          code: 'CURSOR_MISSING',
          retryable: false,
        });
      }
      if (compare(value, this.from) < 0) continue;
      if (this.to !== undefined && compare(value, this.to) >= 0) continue;
      const key = this.#keyOf(record);
      if (
        this.#prevLast !== undefined &&
        compare(value, this.#prevLast) <= 0 &&
        this.#keys.has(key)
      )
        continue;
      if (this.#keys.has(key) && this.#keys.get(key) === value) continue;
      kept.push(record);
      this.#keys.set(key, value);
      if (this.#last === undefined || compare(value, this.#last) > 0) this.#last = value;
    }
    this.#prune();
    return kept;
  }

  /** The checkpoint value after everything accepted so far; `undefined` before any record. */
  state(): IncrementalState | undefined {
    if (this.stateless || this.#last === undefined) return undefined;
    return { last: this.#last, keys: [...this.#keys.keys()] };
  }

  #keyOf(record: unknown): string {
    if (this.config.primaryKey !== undefined)
      return String(getPath(record, this.config.primaryKey));
    return fingerprint(record);
  }

  #prune(): void {
    if (this.#last === undefined) return;
    const floor = minusLag(this.#last, this.config.lag);
    for (const [k, v] of this.#keys) if (compare(v, floor) < 0) this.#keys.delete(k);
    // Oldest first (insertion order) when the window holds more than we keep.
    for (const k of this.#keys.keys()) {
      if (this.#keys.size <= MAX_KEYS) break;
      this.#keys.delete(k);
    }
  }
}

function readState(value: JsonValue | undefined): IncrementalState | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const last = value['last'];
  if (typeof last !== 'string' && typeof last !== 'number') return undefined;
  const keys = Array.isArray(value['keys']) ? value['keys'].map(String) : [];
  return { last, keys };
}

/**
 * Orders two cursor values: numbers numerically, date strings by time,
 * other strings lexicographically.
 *
 * @example
 * ```ts
 * compare('2026-01-02T00:00:00Z', '2026-01-01T23:00:00+00:00'); // 1
 * ```
 */
export function compare(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const da = typeof a === 'string' ? dateOf(a) : undefined;
  const db = typeof b === 'string' ? dateOf(b) : undefined;
  if (da !== undefined && db !== undefined) return da - db;
  if (typeof a === 'number' || typeof b === 'number') return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function dateOf(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

function minusLag(value: string | number, lag: number): string | number {
  if (lag === 0) return value;
  if (typeof value === 'number') return value - lag;
  const t = dateOf(value);
  return t === undefined ? value : new Date(t - lag * 1000).toISOString();
}
