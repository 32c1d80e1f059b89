/**
 * Bulkhead: at most `maxConcurrent` calls run at once, at most `maxQueued`
 * wait (first in, first out); beyond that a call is rejected at once with an
 * `overloaded` error, so one slow system cannot take every connection,
 * worker or socket. Share one instance between integrations to make a named
 * pool.
 */
import { PatchbayError } from '../core/errors.js';
import { cancelledError } from './clock.js';
import type { AttemptContext } from './context.js';
import { DeadlineQueue } from './deadlines.js';
import { runPolicies, type BulkheadStage, type ExecuteOptions } from './engine.js';
import { EventEmitter, type Event } from './events.js';
import { readNumber, readObject, type OptionPath } from './validate.js';

/**
 * Options of the bulkhead; defaults shown.
 *
 * @example
 * ```ts
 * // at most 4 concurrent calls to the ERP, 50 waiting; the rest are rejected as `overloaded`
 * const erpPool = new Bulkhead({ maxConcurrent: 4, maxQueued: 50 } satisfies BulkheadOptions, { name: 'erp' });
 * ```
 */
export interface BulkheadOptions {
  /** Calls running at once; ≥ 1. Default `10`. */
  maxConcurrent?: number;
  /** Calls waiting for a slot; ≥ 0. Default `100`. */
  maxQueued?: number;
}

/**
 * A call turned away because the bulkhead was full.
 *
 * @example
 * ```ts
 * erpPool.onRejected(({ bulkhead, running, queued }: BulkheadRejection) =>
 *   logger.warn({ bulkhead, running, queued }, 'bulkhead full, call rejected'),
 * );
 * ```
 */
export interface BulkheadRejection {
  bulkhead: string;
  running: number;
  queued: number;
  error: PatchbayError;
}

/** Validated bulkhead settings. */
export interface ResolvedBulkhead {
  maxConcurrent: number;
  maxQueued: number;
}

/**
 * Validates bulkhead options.
 *
 * @throws a `config` error naming the field, e.g. `policies.bulkhead.maxConcurrent`
 * @example
 * ```ts
 * resolveBulkhead({ maxConcurrent: 4 }, { subject: 'erp', prefix: 'policies.bulkhead' }); // { maxConcurrent: 4, maxQueued: 100 }
 * ```
 */
export function resolveBulkhead(input: unknown, path: OptionPath): ResolvedBulkhead {
  const o = readObject(input, path, ['maxConcurrent', 'maxQueued']);
  return {
    maxConcurrent: readNumber(o, 'maxConcurrent', 10, path, { min: 1, integer: true }),
    maxQueued: readNumber(o, 'maxQueued', 100, path, { min: 0, integer: true }),
  };
}

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  done: boolean;
}

/**
 * A bulkhead, usable alone or as a pipeline stage (pass the same instance to
 * several pipelines to share it as a pool).
 *
 * @example
 * ```ts
 * const erpPool = new Bulkhead({ maxConcurrent: 4, maxQueued: 20 }, { name: 'erp' });
 * erpPool.onRejected((e) => logger.warn(e, 'bulkhead full'));
 * await erpPool.execute(() => erp.call('GetLoads'));
 * const p = createPipeline({ bulkhead: erpPool }, { name: 'sap-loads' });
 * ```
 */
export class Bulkhead implements BulkheadStage {
  readonly name: string;
  readonly settings: ResolvedBulkhead;
  #running = 0;
  #queue: Waiter[] = [];
  #head = 0;
  #waiting = 0;
  readonly #deadlines = new DeadlineQueue();
  readonly #onRejected = new EventEmitter<BulkheadRejection>();
  readonly #onQueued = new EventEmitter<{ bulkhead: string; queued: number }>();

  /** Fires when a call is rejected. */
  readonly onRejected: Event<BulkheadRejection> = this.#onRejected.event;
  /** Fires when a call has to wait for a slot. */
  readonly onQueued: Event<{ bulkhead: string; queued: number }> = this.#onQueued.event;

  constructor(options: BulkheadOptions = {}, context: { name?: string; prefix?: string } = {}) {
    this.name = context.name ?? 'bulkhead';
    this.settings = resolveBulkhead(options, {
      subject: this.name,
      prefix: context.prefix ?? 'bulkhead',
    });
  }

  /** Calls running now. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting now. */
  get queued(): number {
    return this.#waiting;
  }

  /** Runs `fn` in a slot. */
  execute<T>(
    fn: (ctx: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal | ExecuteOptions,
  ): Promise<T> {
    return runPolicies({ bulkhead: this, queue: this.#deadlines }, fn, signal);
  }

  /** @internal takes a slot if one is free. */
  tryEnter(): boolean {
    if (this.#running < this.settings.maxConcurrent && this.queued === 0) {
      this.#running++;
      return true;
    }
    return false;
  }

  /** @internal waits for a slot, or rejects with `overloaded` / `cancelled`. */
  enter(signal: AbortSignal | undefined): Promise<void> {
    if (this.tryEnter()) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(cancelledError(signal));
    if (this.queued >= this.settings.maxQueued) {
      const error = new PatchbayError(
        'overloaded',
        `bulkhead "${this.name}" is full: ${this.#running} running, ${this.queued} queued`,
        {
          code: 'BULKHEAD_FULL',
          details: { bulkhead: this.name, running: this.#running, queued: this.queued },
        },
      );
      this.#onRejected.emit({
        bulkhead: this.name,
        running: this.#running,
        queued: this.queued,
        error,
      });
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined, done: false };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          if (waiter.done) return;
          waiter.done = true; // left in the array; skipped when its turn comes
          this.#waiting--;
          reject(cancelledError(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#waiting++;
      this.#onQueued.emit({ bulkhead: this.name, queued: this.queued });
    });
  }

  /** @internal gives the slot to the next waiter, or frees it. */
  leave(): void {
    while (this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined as unknown as Waiter;
      this.#compact();
      if (waiter.done) continue;
      waiter.done = true;
      this.#waiting--;
      if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(); // the slot passes on; #running is unchanged
      return;
    }
    this.#running--;
  }

  #compact(): void {
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
