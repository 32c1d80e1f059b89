/**
 * One remote call of a drop (SFTP, S3) through the integration's policy
 * pipeline, with its call log line and metrics, so every drop reports its
 * calls the same way.
 */
import type { ConnectorContext } from '../../core/connector.js';
import { classify } from '../../core/classify.js';

/**
 * Runs remote calls through `ctx.guard` and records each one. `mapError`
 * classifies a library error inside the attempt, so the retry policy sees the
 * real kind (an S3 403 is `auth` and not retried); without it, errors are
 * classified after the pipeline.
 *
 * @example
 * ```ts
 * const call = guardedCall(ctx);
 * const names = await call('sftp.list', where, () => client.list('/out'));
 * ```
 */
export function guardedCall(ctx: ConnectorContext, mapError?: (err: unknown) => unknown) {
  return async <T>(operation: string, target: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    let attempt = 0;
    try {
      const out = await ctx.guard.execute(async (a) => {
        attempt = a.attempt;
        if (!mapError) return fn();
        try {
          return await fn();
        } catch (err) {
          throw mapError(err);
        }
      }, ctx.signal);
      ctx.recordCall({
        operation,
        target,
        outcome: 'success',
        latencyMs: Date.now() - started,
        attempt,
      });
      return out;
    } catch (err) {
      const e = classify(err);
      ctx.recordCall({
        operation,
        target,
        outcome: 'failure',
        errorKind: e.kind,
        errorCode: e.code,
        latencyMs: Date.now() - started,
        attempt,
      });
      throw e;
    }
  };
}
