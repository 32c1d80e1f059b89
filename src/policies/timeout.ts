/**
 * Per-attempt timeout policy. Enforced aggressively (the call's promise
 * rejects at the deadline even when `fn` ignores its signal) and
 * cooperatively (the signal aborts with the same `timeout` error, so work in
 * flight stops). No per-call timer: deadlines share one {@link DeadlineQueue}.
 */
import { PatchbayError } from '../core/errors.js';
import type { Duration } from '../core/duration.js';
import { Attempt, type AttemptContext } from './context.js';
import { cancelledError } from './clock.js';
import { DeadlineQueue } from './deadlines.js';
import { EventEmitter, type Event } from './events.js';
import { readDuration, type OptionPath } from './validate.js';

/**
 * Default per-attempt timeout: 30 s.
 * @example
 * ```ts
 * new TimeoutPolicy(DEFAULT_TIMEOUT).timeoutMs; // 30_000
 * ```
 */
export const DEFAULT_TIMEOUT: Duration = '30s';

/**
 * Emitted when an attempt is cut off.
 *
 * @example
 * ```ts
 * new TimeoutPolicy('5s', 'gps').onTimeout((e: TimeoutEvent) =>
 *   logger.warn(`attempt ${e.attempt} cut off after ${e.timeoutMs} ms`),
 * );
 * ```
 */
export interface TimeoutEvent {
  timeoutMs: number;
  attempt: number;
}

/**
 * Parses a timeout option (`number | "30s"`, must be > 0).
 *
 * @throws a `config` error naming `<prefix>` when invalid
 * @example
 * ```ts
 * resolveTimeout('5s', { subject: 'gps', prefix: 'policies' }); // 5000
 * ```
 */
export function resolveTimeout(value: unknown, path: OptionPath): number {
  return readDuration({ timeout: value }, 'timeout', DEFAULT_TIMEOUT, path, { positive: true });
}

/**
 * A standalone per-attempt timeout.
 *
 * @example
 * ```ts
 * const t = new TimeoutPolicy('5s');
 * const body = await t.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()));
 * ```
 */
export class TimeoutPolicy {
  /** The timeout in milliseconds. */
  readonly timeoutMs: number;
  readonly #queue = new DeadlineQueue();
  readonly #onTimeout = new EventEmitter<TimeoutEvent>();

  /** Fires when an attempt times out. */
  readonly onTimeout: Event<TimeoutEvent> = this.#onTimeout.event;

  /** @param timeout - default `"30s"` */
  constructor(timeout: Duration = DEFAULT_TIMEOUT, subject = 'patchbay') {
    this.timeoutMs = resolveTimeout(timeout, { subject, prefix: '' });
  }

  /**
   * Runs `fn`, rejecting with a `timeout` PatchbayError (code
   * `ATTEMPT_TIMEOUT`) after {@link TimeoutPolicy.timeoutMs}, or a
   * `cancelled` one when `signal` aborts first.
   */
  async execute<T>(fn: (ctx: AttemptContext) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw cancelledError(signal);
    const attempt = new Attempt(
      1,
      Date.now() + this.timeoutMs,
      undefined,
      signal,
      'attempt',
      this.timeoutMs,
    );
    const onAbort = signal === undefined ? undefined : () => attempt.cancel();
    if (onAbort !== undefined) signal!.addEventListener('abort', onAbort, { once: true });
    try {
      return await attempt.run(fn, this.#queue);
    } catch (err) {
      if (err instanceof PatchbayError && err.code === 'ATTEMPT_TIMEOUT') {
        this.#onTimeout.emit({ timeoutMs: this.timeoutMs, attempt: 1 });
      }
      throw err;
    } finally {
      if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
    }
  }
}
