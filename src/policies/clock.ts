/**
 * Time for the policies: `Date.now()` (epoch milliseconds, shared by every
 * process on the machine, and what the store records) and an abortable
 * sleep. Both go through the globals at call time, so vitest's fake timers
 * drive them.
 */
import { PatchbayError } from '../core/errors.js';

/** The error a caller's abort turns into: kind `cancelled`, the abort reason as its cause. */
export function cancelledError(signal: AbortSignal): PatchbayError {
  return new PatchbayError('cancelled', 'the call was cancelled by its caller', {
    code: 'CANCELLED',
    cause: signal.reason,
  });
}

/**
 * Resolves after `ms` milliseconds; rejects with a `cancelled` error as soon
 * as `signal` aborts. Zero or negative `ms` resolves on the next macrotask.
 *
 * @example
 * ```ts
 * await sleep(1000, AbortSignal.timeout(5000));
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledError(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError(signal!));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A process-unique owner id for leases and probe claims:
 * `<pid>-<random>`; distinct for every policy instance.
 */
export function ownerId(label: string): string {
  return `${label}@${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}
