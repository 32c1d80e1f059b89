/**
 * Policy events worth a log line: breaker transitions, retries given up,
 * stale values served, limiter waits and bulkhead rejections. The call
 * itself already leaves its one line; these say why it behaved as it did.
 */
import type { Logger } from 'pino';
import type { Disposable } from '../policies/events.js';
import type { Pipeline } from '../policies/pipeline.js';

/**
 * Subscribes a logger to a pipeline's events; dispose to unsubscribe.
 *
 * @example
 * ```ts
 * const subscription = logPolicyEvents(pipeline, logger.child({ integration: 'orders' }));
 * subscription.forEach((s) => s.dispose());
 * ```
 */
export function logPolicyEvents(
  pipeline: Pick<Pipeline, 'onGiveUp' | 'onStaleServed' | 'breaker' | 'rateLimiter' | 'bulkhead'>,
  logger: Logger,
): Disposable[] {
  const subs: Disposable[] = [
    pipeline.onGiveUp((e) =>
      logger.warn(
        {
          attempts: e.attempts,
          reason: e.reason,
          errorKind: e.error.kind,
          errorCode: e.error.code,
        },
        'retries given up',
      ),
    ),
    pipeline.onStaleServed((e) => logger.warn({ ...e }, 'served last-known-good value (stale)')),
  ];
  const { breaker, rateLimiter, bulkhead } = pipeline;
  if (breaker) {
    subs.push(
      breaker.onStateChange((e) =>
        logger.warn(
          { breaker: e.breaker, from: e.from, to: e.to, source: e.source },
          'circuit breaker state changed',
        ),
      ),
    );
  }
  if (rateLimiter) {
    subs.push(rateLimiter.onWait((e) => logger.debug({ ...e }, 'rate limiter wait')));
  }
  if (bulkhead) {
    subs.push(bulkhead.onRejected((e) => logger.warn({ ...e }, 'bulkhead rejected a call')));
  }
  return subs;
}
