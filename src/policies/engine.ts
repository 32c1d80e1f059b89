/**
 * The one execution loop behind every policy and the pipeline, in the fixed
 * order bulkhead ▸ rate limit ▸ total budget ▸ retry ▸ circuit breaker ▸
 * per-attempt timeout ▸ call.
 *
 * It is a single async function with synchronous fast paths: each stage is
 * consulted through a plain method call that only returns a promise when it
 * must wait (a queue, a throttle, the shared store), so a call through the
 * whole pipeline pays one extra async frame, not one per policy.
 */
import { classify } from '../core/classify.js';
import type { PatchbayError } from '../core/errors.js';
import { Attempt, type AttemptContext, type DeadlineCause } from './context.js';
import { unwatchAbort, watchAbort } from './abort-watch.js';
import { cancelledError, sleep } from './clock.js';
import type { DeadlineQueue } from './deadlines.js';
import type { HeadersLike } from './rate-limit-headers.js';
import type { GiveUpReason, RetryEvent, GiveUpEvent } from './retry.js';

/**
 * Per-call options; pass instead of a bare signal as `execute`'s second argument.
 *
 * @example
 * ```ts
 * const options: ExecuteOptions = { signal: run.signal, idempotent: false, idempotencyKey: `create-order-${order.id}` };
 * await pipeline.execute(({ signal, idempotencyKey }) => erp.createOrder(order, { signal, idempotencyKey }), options);
 * ```
 */
export interface ExecuteOptions {
  /** Cancels the call (every attempt and every wait). */
  signal?: AbortSignal | undefined;
  /**
   * Whether repeating the operation is harmless. A non-idempotent call is
   * retried only when it carries an `idempotencyKey`. Default: the
   * pipeline's `idempotent` option (`true`).
   */
  idempotent?: boolean | undefined;
  /** Sent by `fn` (see `ctx.idempotencyKey`); makes a non-idempotent call retryable. */
  idempotencyKey?: string | undefined;
}

/**
 * Breaker admission: 0 = allowed, 1 = allowed as the half-open probe, or the rejection.
 *
 * @example
 * ```ts
 * const admission: Admission = await breaker.admit();
 * if (admission instanceof PatchbayError) throw admission; // circuit_open
 * const isProbe = admission === 1;
 * ```
 */
export type Admission = 0 | 1 | PatchbayError;

/** @internal */
export interface BulkheadStage {
  tryEnter(): boolean;
  enter(signal: AbortSignal | undefined): Promise<void>;
  leave(): void;
}

/** @internal */
export interface LimiterStage {
  /** Takes a token only if one is free right now, in-process; never waits or reserves. */
  tryTake(now: number): boolean;
  /** `undefined` when a token was taken at once; otherwise a promise that resolves when admitted. */
  acquire(signal: AbortSignal | undefined, now: number): Promise<void> | undefined;
  learnFromError(error: PatchbayError): void;
  readonly learn: (headers: HeadersLike) => void;
}

/** @internal */
export interface RetryStage {
  readonly settings: { readonly onCircuitOpen: 'fail' | 'wait' };
  decide(
    error: PatchbayError,
    attempt: number,
    previousDelayMs: number,
    now: number,
    deadline: number,
    idempotent: boolean,
  ): number | GiveUpReason;
  emitRetry(event: RetryEvent): void;
  emitGiveUp(event: GiveUpEvent): void;
}

/** @internal */
export interface BreakerStage {
  /** True when the breaker is closed in-process and a call may pass with no bookkeeping. */
  readonly passesFast: boolean;
  admit(): Admission | Promise<Admission>;
  succeeded(admission: 0 | 1): void | Promise<void>;
  failed(error: PatchbayError, admission: 0 | 1, now: number): void | Promise<void>;
}

/**
 * One attempt finished. Timing is measured only when someone listens.
 *
 * @example
 * ```ts
 * pipeline.onAttempt((e: AttemptEvent) => {
 *   if (e.outcome === 'failure') logger.debug({ attempt: e.attempt, ms: e.durationMs, probe: e.probe }, e.error?.message);
 * });
 * ```
 */
export interface AttemptEvent {
  attempt: number;
  outcome: 'success' | 'failure';
  durationMs: number;
  /** True when the attempt was the breaker's half-open probe. */
  probe: boolean;
  error?: PatchbayError;
}

/**
 * One call (all its attempts) finished: what the one log line per call is made of.
 *
 * @example
 * ```ts
 * pipeline.onCall((e: CallEvent) =>
 *   logger.info({ outcome: e.outcome, attempts: e.attempts, ms: e.durationMs, kind: e.error?.kind }, 'call finished'),
 * );
 * ```
 */
export interface CallEvent {
  outcome: 'success' | 'failure';
  /** Attempts that reached the call (breaker rejections are not attempts). */
  attempts: number;
  durationMs: number;
  error?: PatchbayError;
  idempotencyKey?: string;
}

/** @internal */
export interface EngineHooks {
  /** True when attempt or call listeners exist (then, and only then, time is measured). */
  readonly timed: boolean;
  attempt(event: AttemptEvent): void;
  call(event: CallEvent): void;
}

/** @internal the stages of one pipeline, absent ones skipped. */
export interface Stages {
  bulkhead?: BulkheadStage | undefined;
  limiter?: LimiterStage | undefined;
  /** Total budget in ms; `Infinity` or absent for none. */
  budgetMs?: number | undefined;
  retry?: RetryStage | undefined;
  breaker?: BreakerStage | undefined;
  /** Per-attempt timeout in ms; `Infinity` or absent for none. */
  timeoutMs?: number | undefined;
  queue: DeadlineQueue;
  hooks?: EngineHooks | undefined;
  /** Default for {@link ExecuteOptions.idempotent}. */
  idempotent?: boolean | undefined;
}

/**
 * Runs `fn` through `stages`. @internal — use a policy's or the pipeline's `execute`.
 */
export function runPolicies<T>(
  stages: Stages,
  fn: (ctx: AttemptContext) => Promise<T> | T,
  arg?: AbortSignal | ExecuteOptions,
): Promise<T> {
  if (arg === undefined)
    return start(stages, fn, undefined, stages.idempotent !== false, undefined);
  if (arg instanceof AbortSignal) {
    return start(stages, fn, arg, stages.idempotent !== false, undefined);
  }
  const key = arg.idempotencyKey;
  const idempotent = (arg.idempotent ?? stages.idempotent !== false) || key !== undefined;
  return start(stages, fn, arg.signal, idempotent, key);
}

/** How far a call got on the fast path before the general loop took over. */
interface Resume {
  /** The bulkhead slot is held. */
  entered: boolean;
  /** The limiter admitted the first attempt. */
  admitted: boolean;
  /** `performance.now()` when the call started (when timed). */
  started?: number | undefined;
  /** The first attempt ran and failed with this. */
  failed?: { error: unknown; deadline: number; t0: number } | undefined;
}

const ENTERED: Resume = { entered: true, admitted: false };
const ADMITTED: Resume = { entered: true, admitted: true };

/**
 * The fast path: when every stage answers synchronously (bulkhead slot
 * free, token free, breaker closed in-process), the first attempt runs
 * without an async frame around it. Anything else — waiting, the shared
 * store, a probe, a failure — continues in {@link runLoop}, from where the
 * fast path stopped.
 */
function start<T>(
  s: Stages,
  fn: (ctx: AttemptContext) => Promise<T> | T,
  signal: AbortSignal | undefined,
  idempotent: boolean,
  key: string | undefined,
): Promise<T> {
  if (signal !== undefined && signal.aborted) return Promise.reject(cancelledError(signal));
  const hooks = s.hooks;
  const timed = hooks !== undefined && hooks.timed;
  const bh = s.bulkhead;
  if (bh !== undefined && !bh.tryEnter()) return runLoop(s, fn, signal, idempotent, key, undefined);
  const rl = s.limiter;
  const budgetMs = s.budgetMs ?? Infinity;
  const timeoutMs = s.timeoutMs ?? Infinity;
  const now = rl !== undefined || budgetMs !== Infinity || timeoutMs !== Infinity ? Date.now() : 0;
  if (rl !== undefined && !rl.tryTake(now)) return runLoop(s, fn, signal, idempotent, key, ENTERED);
  const br = s.breaker;
  if (br !== undefined && !br.passesFast) return runLoop(s, fn, signal, idempotent, key, ADMITTED);

  const deadline = now + budgetMs;
  let at = Infinity;
  let cause: DeadlineCause = 'attempt';
  let limit = timeoutMs;
  if (timeoutMs !== Infinity) at = now + timeoutMs;
  if (deadline < at) {
    at = deadline;
    cause = 'budget';
    limit = budgetMs;
  }
  const ctx = new Attempt(1, at, key, signal, cause, limit, rl?.learn);
  const queue = s.queue;
  const t0 = timed ? performance.now() : 0;
  // No named closures here: tsx/esbuild's keepNames would wrap each in a
  // defineProperty call (~100 ns). The dist build has no such wrapper.
  return new Promise<T>((resolve, reject) => {
    ctx.onFail = (error) =>
      resolve(handOver(s, fn, signal, idempotent, key, ctx, error, deadline, t0));
    if (at !== Infinity) {
      ctx.queue = queue;
      queue.add(ctx);
    }
    if (signal !== undefined) watchAbort(signal, ctx);
    let result: Promise<T> | T;
    try {
      result = fn(ctx);
    } catch (err) {
      ctx.settled = true;
      queue.remove(ctx);
      resolve(handOver(s, fn, signal, idempotent, key, ctx, err, deadline, t0));
      return;
    }
    Promise.resolve(result).then(
      (value) => {
        if (ctx.settled) return;
        ctx.settled = true;
        queue.remove(ctx);
        try {
          if (signal !== undefined) unwatchAbort(signal, ctx);
          if (br !== undefined) br.succeeded(0);
          if (timed) {
            const t1 = performance.now();
            hooks!.attempt({ attempt: 1, outcome: 'success', durationMs: t1 - t0, probe: false });
            callEvent(hooks!, 'success', 1, t0, key, undefined, t1);
          }
        } catch (err) {
          reject(classify(err));
        } finally {
          if (bh !== undefined) bh.leave();
        }
        resolve(value);
      },
      (err: unknown) => {
        if (ctx.settled) return;
        ctx.settled = true;
        queue.remove(ctx);
        resolve(handOver(s, fn, signal, idempotent, key, ctx, err, deadline, t0));
      },
    );
  });
}

/** The fast path's first attempt failed: continue in the general loop, which frees the slot. */
function handOver<T>(
  s: Stages,
  fn: (ctx: AttemptContext) => Promise<T> | T,
  signal: AbortSignal | undefined,
  idempotent: boolean,
  key: string | undefined,
  ctx: Attempt,
  error: unknown,
  deadline: number,
  t0: number,
): Promise<T> {
  if (signal !== undefined) unwatchAbort(signal, ctx);
  return runLoop(s, fn, signal, idempotent, key, {
    ...ADMITTED,
    started: t0,
    failed: { error, deadline, t0 },
  });
}

/** The general loop: every stage, every attempt, waits, the shared store and events. */
async function runLoop<T>(
  s: Stages,
  fn: (ctx: AttemptContext) => Promise<T> | T,
  signal: AbortSignal | undefined,
  idempotent: boolean,
  key: string | undefined,
  resume: Resume | undefined,
): Promise<T> {
  const hooks = s.hooks;
  const timed = hooks !== undefined && hooks.timed;
  const started = resume?.started ?? (timed ? performance.now() : 0);
  let attempt = 0;
  const bh = s.bulkhead;
  if (bh !== undefined && resume === undefined && !bh.tryEnter()) {
    try {
      await bh.enter(signal);
    } catch (err) {
      const error = classify(err);
      if (timed) callEvent(hooks!, 'failure', 0, started, key, error);
      throw error;
    }
  }
  try {
    const rl = s.limiter;
    const budgetMs = s.budgetMs ?? Infinity;
    const timeoutMs = s.timeoutMs ?? Infinity;
    let now = Date.now();
    if (rl !== undefined && resume?.admitted !== true) {
      const wait = rl.acquire(signal, now);
      if (wait !== undefined) {
        await wait;
        now = Date.now();
      }
    }
    const deadline = resume?.failed?.deadline ?? now + budgetMs;
    const { breaker: br, retry, queue } = s;
    const learn = rl?.learn;
    let previousDelay = 0;
    let failure: { error: unknown; admission: 0 | 1 } | undefined;
    if (resume?.failed !== undefined) {
      attempt = 1;
      failure = { error: resume.failed.error, admission: 0 };
      if (timed) {
        const durationMs = performance.now() - resume.failed.t0;
        const error = classify(resume.failed.error);
        hooks!.attempt({ attempt, outcome: 'failure', durationMs, probe: false, error });
      }
    }
    for (;;) {
      if (failure === undefined) {
        let admission: 0 | 1 = 0;
        if (br !== undefined) {
          let a = br.admit();
          if (a instanceof Promise) {
            a = await a;
            now = Date.now();
          }
          if (typeof a !== 'number') {
            // A breaker rejection is not an attempt: wait for the probe window, or fail now.
            if (retry !== undefined && retry.settings.onCircuitOpen === 'wait') {
              const wait = Math.max(1, a.retryAfterMs ?? 1000);
              if (Date.now() + wait < deadline) {
                await sleep(wait, signal);
                now = Date.now();
                continue;
              }
            }
            retry?.emitGiveUp({ attempts: attempt, reason: 'circuit_open', error: a });
            throw a;
          }
          admission = a;
        }
        attempt++;
        let at = Infinity;
        let cause: DeadlineCause = 'attempt';
        let limit = timeoutMs;
        if (timeoutMs !== Infinity) at = now + timeoutMs;
        if (deadline < at) {
          at = deadline;
          cause = 'budget';
          limit = budgetMs;
        }
        const ctx = new Attempt(attempt, at, key, signal, cause, limit, learn);
        if (signal !== undefined) watchAbort(signal, ctx);
        const t0 = timed ? performance.now() : 0;
        try {
          const value = await ctx.run(fn, queue).finally(() => {
            if (signal !== undefined) unwatchAbort(signal, ctx);
          });
          if (br !== undefined) {
            const r = br.succeeded(admission);
            if (r !== undefined) await r;
          }
          if (timed) {
            const t1 = performance.now();
            hooks!.attempt({
              attempt,
              outcome: 'success',
              durationMs: t1 - t0,
              probe: admission === 1,
            });
            callEvent(hooks!, 'success', attempt, started, key, undefined);
          }
          return value;
        } catch (thrown) {
          failure = { error: thrown, admission };
          if (timed) {
            const durationMs = performance.now() - t0;
            hooks!.attempt({
              attempt,
              outcome: 'failure',
              durationMs,
              probe: admission === 1,
              error: classify(thrown),
            });
          }
        }
      }

      const error = classify(failure.error);
      const admission = failure.admission;
      failure = undefined;
      now = Date.now();
      if (br !== undefined) {
        const r = br.failed(error, admission, now);
        if (r !== undefined) await r;
      }
      if (rl !== undefined) rl.learnFromError(error);
      if (retry === undefined) throw error;
      const delay = retry.decide(error, attempt, previousDelay, now, deadline, idempotent);
      if (typeof delay !== 'number') {
        retry.emitGiveUp({ attempts: attempt, reason: delay, error });
        throw error;
      }
      retry.emitRetry({
        attempt,
        delayMs: delay,
        source: error.retryAfterMs === undefined ? 'backoff' : 'retry_after',
        error,
      });
      previousDelay = delay;
      await sleep(delay, signal);
      now = Date.now();
      if (rl !== undefined) {
        const wait = rl.acquire(signal, now);
        if (wait !== undefined) {
          await wait;
          now = Date.now();
        }
      }
    }
  } catch (err) {
    const error = classify(err);
    if (timed) callEvent(hooks!, 'failure', attempt, started, key, error);
    throw error;
  } finally {
    if (bh !== undefined) bh.leave();
  }
}

function callEvent(
  hooks: EngineHooks,
  outcome: 'success' | 'failure',
  attempts: number,
  started: number,
  key: string | undefined,
  error: PatchbayError | undefined,
  now: number = performance.now(),
): void {
  const event: CallEvent = { outcome, attempts, durationMs: now - started };
  if (error !== undefined) event.error = error;
  if (key !== undefined) event.idempotencyKey = key;
  hooks.call(event);
}
