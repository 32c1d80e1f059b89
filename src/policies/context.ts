/**
 * The context every attempt receives. Its `signal` is created lazily, on
 * first read: a call that never looks at it never pays for an
 * `AbortController`. Timeouts are enforced either way: the attempt's promise
 * is raced against its deadline in a shared {@link DeadlineQueue}, and the
 * signal (when it exists) is aborted with the same `timeout` error, so
 * `fetch`, undici, pg and friends stop work in flight.
 */
import { PatchbayError } from '../core/errors.js';
import { cancelledError } from './clock.js';
import type { DeadlineEntry, DeadlineQueue } from './deadlines.js';
import type { HeadersLike } from './rate-limit-headers.js';

/**
 * What `fn` receives on every attempt.
 *
 * @example
 * ```ts
 * await pipeline.execute(async ({ signal, attempt, idempotencyKey, learn }) => {
 *   const res = await fetch(url, { signal, headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} });
 *   learn(res.headers); // lets the rate limiter slow down before a 429
 *   if (!res.ok) throw httpError(res.status, `GET ${url}`);
 *   return res.json();
 * });
 * ```
 */
export interface AttemptContext {
  /** Aborts when the attempt times out, the budget runs out or the caller cancels. */
  readonly signal: AbortSignal;
  /** 1 for the first try, 2 for the first retry, ... */
  readonly attempt: number;
  /** Epoch ms at which this attempt is cut off; `Infinity` when never. */
  readonly deadline: number;
  /** The idempotency key the call carries, to send in a header; `undefined` when none. */
  readonly idempotencyKey: string | undefined;
  /** Feeds response headers (`Retry-After`, `X-RateLimit-*`, `RateLimit*`) to the rate limiter. */
  learn(headers: HeadersLike): void;
}

/** Why an attempt's deadline is what it is: its own timeout, or the call's budget. */
export type DeadlineCause = 'attempt' | 'budget';

const noLearn = (): void => {};

/** The implementation of {@link AttemptContext}; one per attempt. @internal */
export class Attempt implements AttemptContext, DeadlineEntry {
  heapIndex = -1;
  watchIndex = -1;
  /** Set once the attempt has an outcome (value, error, timeout or cancel). */
  settled = false;
  /** Called once when the deadline passes or the caller cancels before `fn` settles. */
  onFail: ((err: PatchbayError) => void) | undefined = undefined;
  /** The queue holding this attempt's deadline, if any. */
  queue: DeadlineQueue | undefined = undefined;
  #controller: AbortController | undefined = undefined;
  #error: PatchbayError | undefined = undefined;

  constructor(
    readonly attempt: number,
    /** Deadline (epoch ms) or Infinity. */
    public at: number,
    readonly idempotencyKey: string | undefined,
    private readonly parent: AbortSignal | undefined,
    private readonly cause: DeadlineCause,
    private readonly limitMs: number,
    readonly learn: (headers: HeadersLike) => void = noLearn,
  ) {}

  get deadline(): number {
    return this.at;
  }

  get signal(): AbortSignal {
    let c = this.#controller;
    if (c === undefined) {
      c = this.#controller = new AbortController();
      if (this.#error !== undefined) c.abort(this.#error);
      else if (this.parent?.aborted) c.abort(cancelledError(this.parent));
    }
    return c.signal;
  }

  /** Deadline reached: fail the attempt with a `timeout` error and abort its signal. */
  expire(): void {
    const err =
      this.cause === 'budget'
        ? new PatchbayError('timeout', `the retry budget of ${this.limitMs} ms is spent`, {
            code: 'BUDGET_EXHAUSTED',
            details: { budgetMs: this.limitMs, attempt: this.attempt },
          })
        : new PatchbayError(
            'timeout',
            `attempt ${this.attempt} timed out after ${this.limitMs} ms`,
            {
              code: 'ATTEMPT_TIMEOUT',
              details: { timeoutMs: this.limitMs, attempt: this.attempt },
            },
          );
    this.fail(err);
  }

  /** The caller aborted: fail with a `cancelled` error. */
  cancel(): void {
    if (this.parent !== undefined) this.fail(cancelledError(this.parent));
  }

  /** Ends the attempt with `err` unless it already has an outcome. */
  fail(err: PatchbayError): void {
    if (this.settled) return;
    this.settled = true;
    this.#error = err;
    this.queue?.remove(this);
    this.onFail?.(err);
    this.#controller?.abort(err);
  }

  /**
   * Runs `fn` with this context, raced against the deadline (when finite,
   * through `queue`) and against {@link Attempt.cancel}.
   */
  run<T>(fn: (ctx: AttemptContext) => Promise<T> | T, queue: DeadlineQueue): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.onFail = reject;
      if (this.at !== Infinity) {
        this.queue = queue;
        queue.add(this);
      }
      let result: Promise<T> | T;
      try {
        result = fn(this);
      } catch (err) {
        this.settled = true;
        queue.remove(this);
        reject(err);
        return;
      }
      Promise.resolve(result).then(
        (value) => {
          if (this.settled) return;
          this.settled = true;
          queue.remove(this);
          resolve(value);
        },
        (err: unknown) => {
          if (this.settled) return;
          this.settled = true;
          queue.remove(this);
          reject(err);
        },
      );
    });
  }
}
