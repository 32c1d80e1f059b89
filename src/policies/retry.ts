/**
 * Retry with exponential backoff, jitter, a cap and a total budget.
 *
 * Defaults (from the field): 5 attempts, 1 s base, ×2 per retry, 5 min cap,
 * ±20 % jitter, 15 min budget. Only retryable errors of the listed kinds are
 * retried; `Retry-After` (an error's `retryAfterMs`) is honoured exactly when
 * it is within `maxRetryAfter`, and the policy gives up (keeping the error's
 * `retryAfterMs` for the caller's scheduler) when it is longer. A
 * non-idempotent operation is retried only when it carries an idempotency
 * key. Retrying stops when the budget cannot fit the next delay.
 */
import type { ErrorKind, PatchbayError } from '../core/errors.js';
import type { Duration } from '../core/duration.js';
import { backoffDelay, seededRandom, type BackoffKind, type BackoffParams } from './backoff.js';
import type { AttemptContext } from './context.js';
import { runPolicies, type ExecuteOptions, type RetryStage } from './engine.js';
import { EventEmitter, type Event } from './events.js';
import {
  readDuration,
  readEnum,
  readFunction,
  readKinds,
  readNumber,
  readObject,
  type OptionPath,
} from './validate.js';
import { configError } from '../core/errors.js';
import { DeadlineQueue } from './deadlines.js';

/**
 * Kinds retried by default: transient failures only.
 * @example
 * ```ts
 * new RetryPolicy({ retryOn: [...DEFAULT_RETRY_ON, 'parse'] });
 * ```
 */
export const DEFAULT_RETRY_ON: readonly ErrorKind[] = [
  'timeout',
  'connection',
  'http_5xx',
  'rate_limited',
  'overloaded',
];

/**
 * Options of the retry policy. Every field is optional; defaults shown.
 *
 * @example
 * ```ts
 * const retry: RetryOptions = {
 *   maxAttempts: 4,
 *   baseDelay: '500ms',
 *   maxDelay: '30s',
 *   retryOn: [...DEFAULT_RETRY_ON, 'parse'],
 *   onCircuitOpen: 'wait',
 * };
 * createPipeline({ retry }, { name: 'gps-positions' });
 * ```
 */
export interface RetryOptions {
  /** Total attempts, the first included; ≥ 1. Default `5`. */
  maxAttempts?: number;
  /** First delay. Default `"1s"`. */
  baseDelay?: Duration;
  /** Cap on any delay (jitter included); ≥ `baseDelay`. Default `"5m"`. */
  maxDelay?: Duration;
  /** Growth per retry, ≥ 1 (exponential only). Default `2`. */
  factor?: number;
  /** Relative jitter, 0–1. Default `0.2` (±20 %). */
  jitter?: number;
  /** `exponential` (default) or `decorrelated` jitter. */
  backoff?: BackoffKind;
  /** Error kinds to retry. Default {@link DEFAULT_RETRY_ON}. */
  retryOn?: ErrorKind[];
  /** Longest `Retry-After` honoured; a longer one ends retrying. Default: `maxDelay`. */
  maxRetryAfter?: Duration;
  /**
   * When the breaker rejects an attempt: `fail` at once (default, so a
   * last-known-good value or the caller's scheduler can take over) or `wait`
   * until it may probe, within the budget. Neither consumes an attempt.
   */
  onCircuitOpen?: 'fail' | 'wait';
  /** Seed for reproducible jitter (tests). */
  seed?: number;
  /** Random source in [0, 1); overrides `seed`. Default `Math.random`. */
  random?: () => number;
}

/**
 * Why retrying stopped.
 *
 * @example
 * ```ts
 * pipeline.onGiveUp(({ reason }: { reason: GiveUpReason }) => {
 *   if (reason === 'non_idempotent') logger.warn('not retried: pass an idempotencyKey to make the call retryable');
 * });
 * ```
 */
export type GiveUpReason =
  | 'circuit_open'
  | 'not_retryable'
  | 'non_idempotent'
  | 'attempts'
  | 'budget'
  | 'retry_after_too_long'
  | 'cancelled';

/**
 * Emitted before each retry's delay.
 *
 * @example
 * ```ts
 * pipeline.onRetry((e: RetryEvent) =>
 *   logger.info({ attempt: e.attempt, delayMs: e.delayMs, source: e.source, kind: e.error.kind }, 'retrying'),
 * );
 * ```
 */
export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  /** `retry_after` when the delay came from the error's `retryAfterMs`. */
  source: 'backoff' | 'retry_after';
  error: PatchbayError;
}

/**
 * Emitted when the policy stops retrying and the error propagates.
 *
 * @example
 * ```ts
 * pipeline.onGiveUp((e: GiveUpEvent) =>
 *   logger.warn({ attempts: e.attempts, reason: e.reason, kind: e.error.kind }, 'retries exhausted'),
 * );
 * ```
 */
export interface GiveUpEvent {
  attempts: number;
  reason: GiveUpReason;
  error: PatchbayError;
}

/**
 * Validated retry settings.
 *
 * @example
 * ```ts
 * const retry: ResolvedRetry = resolveRetry({ baseDelay: '500ms', maxDelay: '10s' }, { subject: 'gps', prefix: 'policies.retry' });
 * backoffDelays(retry, retry.maxAttempts - 1, seededRandom(1)); // the delays between attempts
 * ```
 */
export interface ResolvedRetry extends BackoffParams {
  maxAttempts: number;
  retryOn: ReadonlySet<ErrorKind>;
  maxRetryAfterMs: number;
  onCircuitOpen: 'fail' | 'wait';
  random: () => number;
}

const RETRY_KEYS = [
  'maxAttempts',
  'baseDelay',
  'maxDelay',
  'factor',
  'jitter',
  'backoff',
  'retryOn',
  'maxRetryAfter',
  'onCircuitOpen',
  'seed',
  'random',
] as const;

/**
 * Validates retry options.
 *
 * @throws a `config` error naming the field, e.g. `policies.retry.maxDelay`
 * @example
 * ```ts
 * resolveRetry({ maxAttempts: 3 }, { subject: 'gps', prefix: 'policies.retry' }).baseMs; // 1000
 * ```
 */
export function resolveRetry(input: unknown, path: OptionPath): ResolvedRetry {
  const o = readObject(input, path, RETRY_KEYS);
  const maxAttempts = readNumber(o, 'maxAttempts', 5, path, { min: 1, integer: true });
  const baseMs = readDuration(o, 'baseDelay', '1s', path);
  const maxMs = readDuration(o, 'maxDelay', '5m', path);
  if (maxMs < baseMs) {
    throw configError(
      path.subject,
      `${path.prefix}.maxDelay`,
      `a duration ≥ ${path.prefix}.baseDelay (${baseMs} ms)`,
    );
  }
  const seed = o['seed'] === undefined ? undefined : readNumber(o, 'seed', 0, path);
  const random =
    readFunction<() => number>(o, 'random', path) ??
    (seed === undefined ? Math.random : seededRandom(seed));
  return {
    kind: readEnum(o, 'backoff', 'exponential', ['exponential', 'decorrelated'], path),
    baseMs,
    maxMs,
    factor: readNumber(o, 'factor', 2, path, { min: 1 }),
    jitter: readNumber(o, 'jitter', 0.2, path, { min: 0, max: 1 }),
    maxAttempts,
    retryOn: readKinds(o, 'retryOn', DEFAULT_RETRY_ON, path),
    maxRetryAfterMs: readDuration(o, 'maxRetryAfter', maxMs, path),
    onCircuitOpen: readEnum(o, 'onCircuitOpen', 'fail', ['fail', 'wait'], path),
    random,
  };
}

/**
 * The retry policy. Use it inside a pipeline (`policies.retry`) or alone.
 *
 * @example
 * ```ts
 * const retry = new RetryPolicy({ maxAttempts: 3, baseDelay: '200ms' }, { budget: '10s' });
 * retry.onRetry((e) => console.log(`attempt ${e.attempt} failed, retrying in ${e.delayMs} ms`));
 * const data = await retry.execute(({ signal }) => fetchJson(url, signal));
 * ```
 */
export class RetryPolicy implements RetryStage {
  /** Validated settings. */
  readonly settings: ResolvedRetry;
  /** Total budget in ms for standalone use (`Infinity` when none). */
  readonly budgetMs: number;
  readonly #onRetry = new EventEmitter<RetryEvent>();
  readonly #onGiveUp = new EventEmitter<GiveUpEvent>();
  readonly #queue = new DeadlineQueue();

  /** Fires before each retry's delay. */
  readonly onRetry: Event<RetryEvent> = this.#onRetry.event;
  /** Fires when retrying stops with an error. */
  readonly onGiveUp: Event<GiveUpEvent> = this.#onGiveUp.event;

  /**
   * @param options - see {@link RetryOptions}
   * @param context.budget - total wall-clock budget for standalone use; default `"15m"`, `false` for none
   */
  constructor(
    options: RetryOptions = {},
    context: { subject?: string; prefix?: string; budget?: Duration | false } = {},
  ) {
    const path = { subject: context.subject ?? 'patchbay', prefix: context.prefix ?? 'retry' };
    this.settings = resolveRetry(options, path);
    this.budgetMs =
      context.budget === false
        ? Infinity
        : readDuration({ budget: context.budget }, 'budget', '15m', { ...path, prefix: '' });
  }

  /**
   * Decides what follows a failed attempt: a delay in ms, or why to stop.
   * @internal used by the pipeline engine
   */
  decide(
    error: PatchbayError,
    attempt: number,
    previousDelayMs: number,
    now: number,
    deadline: number,
    idempotent: boolean,
  ): number | GiveUpReason {
    const s = this.settings;
    if (error.kind === 'cancelled') return 'cancelled';
    if (!error.retryable || !s.retryOn.has(error.kind)) return 'not_retryable';
    if (!idempotent) return 'non_idempotent';
    if (attempt >= s.maxAttempts) return 'attempts';
    let delay: number;
    if (error.retryAfterMs !== undefined && error.retryAfterMs >= 0) {
      if (error.retryAfterMs > s.maxRetryAfterMs) return 'retry_after_too_long';
      delay = Math.ceil(error.retryAfterMs);
    } else {
      delay = backoffDelay(s, attempt, previousDelayMs, s.random);
    }
    if (now + delay >= deadline) return 'budget';
    return delay;
  }

  /** @internal */
  emitRetry(event: RetryEvent): void {
    this.#onRetry.emit(event);
  }

  /** @internal */
  emitGiveUp(event: GiveUpEvent): void {
    this.#onGiveUp.emit(event);
  }

  /**
   * Runs `fn` with retries within the budget. The second argument is a
   * signal, or options with a signal and the call's idempotency.
   */
  execute<T>(
    fn: (ctx: AttemptContext) => Promise<T> | T,
    signal?: AbortSignal | ExecuteOptions,
  ): Promise<T> {
    return runPolicies({ retry: this, budgetMs: this.budgetMs, queue: this.#queue }, fn, signal);
  }
}
