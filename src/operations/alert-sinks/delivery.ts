/**
 * The alert delivery worker: claims due alert deliveries from the outbox,
 * hands each to its sink, and marks it delivered, or reschedules it with
 * exponential backoff, or (after the attempt budget, or on a permanent
 * error) marks it dead. Because the alert is in the outbox before anyone
 * tries to send it, a sink that is down only delays it.
 */
import { randomUUID } from 'node:crypto';
import { classify } from '../../core/classify.js';
import { isPatchbayError } from '../../core/errors.js';
import { backoffDelay, type BackoffParams } from '../../policies/backoff.js';
import type { Store } from '../../store/types.js';
import { ALERT_OUTBOX } from '../alerts/engine.js';
import type { AlertNotification } from '../alerts/types.js';
import type { AlertSink } from './types.js';

const REFS = 'patchbay.alert-refs';

/**
 * Records a delivery's outcome; false when the store refused because the
 * lease ran out and another worker claimed the delivery since: the outcome
 * is that worker's to record, so this one lets it go.
 */
function recorded(write: Promise<void>): Promise<boolean> {
  return write.then(
    () => true,
    (err: unknown) => {
      if (isPatchbayError(err) && err.code === 'LEASE_LOST') return false;
      throw err;
    },
  );
}

/**
 * Options of {@link AlertDeliveryWorker}. Defaults in brackets.
 *
 * @example
 * ```ts
 * const options: AlertDeliveryOptions = {
 *   store,
 *   sinks: [serviceNowSink({ name: 'tickets', url: 'https://acme.service-now.com', token: 'env:SN_TOKEN' })],
 *   maxAttempts: 10,
 *   backoff: { baseMs: 10_000, maxMs: 3_600_000 },
 *   timeoutMs: 20_000,
 *   onError: (err, destination, dead) => logger.warn({ err, destination, dead }, 'alert delivery failed'),
 * };
 * const worker = new AlertDeliveryWorker(options);
 * worker.start(5_000);
 * ```
 */
export interface AlertDeliveryOptions {
  store: Store;
  sinks: readonly AlertSink[];
  /** Attempts before a delivery is dead [20: about a day with the default backoff]. */
  maxAttempts?: number;
  /** Backoff between attempts [5 s base, doubling, 2 h cap, ±20 % jitter]; a longer Retry-After from the peer wins, up to the cap. */
  backoff?: Partial<BackoffParams>;
  /** Per-attempt timeout [15 s]. */
  timeoutMs?: number;
  /** Lease on a claimed delivery; a worker that dies frees it after this [60 s]. */
  leaseMs?: number;
  /** Claim size per tick [20]. */
  batch?: number;
  /** Claim owner [`alerts-<pid>-<random>`: one per worker, so fencing tells two apart]. */
  owner?: string;
  random?: () => number;
  /** Called for every failed attempt (log it). */
  onError?: (err: unknown, destination: string, dead: boolean) => void;
}

/**
 * What one {@link AlertDeliveryWorker.tick} did.
 *
 * @example
 * ```ts
 * const { delivered, retried, dead }: DeliveryTick = await worker.tick(Date.now());
 * expect({ delivered, retried, dead }).toEqual({ delivered: 1, retried: 0, dead: 0 });
 * ```
 */
export interface DeliveryTick {
  delivered: number;
  retried: number;
  dead: number;
}

/**
 * Delivers queued alerts. Call `tick(now)` in tests; `start()` in the runtime.
 *
 * @example
 * ```ts
 * const worker = new AlertDeliveryWorker({ store, sinks: [ticketSink] });
 * worker.start(5_000);
 * // ... on shutdown
 * await worker.stop();
 * ```
 */
export class AlertDeliveryWorker {
  readonly #o: AlertDeliveryOptions;
  readonly #sinks: Map<string, AlertSink>;
  readonly #backoff: BackoffParams;
  /** One per worker, not per process: claims are fenced by owner, and two workers must differ. */
  readonly #owner: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: AlertDeliveryOptions) {
    this.#o = options;
    this.#sinks = new Map(options.sinks.map((s) => [s.name, s]));
    this.#owner = options.owner ?? `alerts-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.#backoff = {
      kind: 'exponential',
      baseMs: 5_000,
      maxMs: 2 * 3_600_000,
      factor: 2,
      jitter: 0.2,
      ...options.backoff,
    };
  }

  /** Delivers every due alert once; returns counts. */
  async tick(now = Date.now()): Promise<DeliveryTick> {
    const { store } = this.#o;
    const result: DeliveryTick = { delivered: 0, retried: 0, dead: 0 };
    const owner = this.#owner;
    const items = await store.outbox.claimDue({
      limit: this.#o.batch ?? 20,
      leaseMs: this.#o.leaseMs ?? 60_000,
      owner,
      integrationId: ALERT_OUTBOX,
      now,
    });
    for (const item of items) {
      const name = item.destination.replace(/^alert:/, '');
      const sink = this.#sinks.get(name);
      try {
        if (!sink) throw new Error(`no alert sink named "${name}" is configured`);
        await sink.deliver(item.payload as unknown as AlertNotification, {
          signal: AbortSignal.timeout(this.#o.timeoutMs ?? 15_000),
          remember: (k, v) => store.cache.set(REFS, `${name}:${k}`, v),
          recall: async (k) => {
            const e = await store.cache.get(REFS, `${name}:${k}`);
            return typeof e?.value === 'string' ? e.value : undefined;
          },
        });
        if (await recorded(store.outbox.markDelivered(item.id, owner))) result.delivered += 1;
      } catch (err) {
        const error = classify(err);
        const dead = !error.retryable || item.attempts >= (this.#o.maxAttempts ?? 20);
        // A peer's Retry-After (a 503 during maintenance) outranks our backoff, up to its cap.
        const delay = Math.max(
          backoffDelay(this.#backoff, item.attempts, 0, this.#o.random ?? Math.random),
          Math.min(error.retryAfterMs ?? 0, this.#backoff.maxMs),
        );
        const next = dead ? null : now + delay;
        if (!(await recorded(store.outbox.markFailed(item.id, owner, error.toJSON(), next)))) {
          continue;
        }
        if (dead) result.dead += 1;
        else result.retried += 1;
        this.#o.onError?.(error, item.destination, dead);
      }
    }
    return result;
  }

  /** Ticks every `intervalMs` (default 5 s) until {@link AlertDeliveryWorker.stop}. */
  start(intervalMs = 5_000): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      // One tick at a time: a slow sink must not pile up overlapping claims.
      this.#running ??= this.tick()
        .catch((err: unknown) => this.#o.onError?.(err, ALERT_OUTBOX, false))
        .finally(() => (this.#running = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops ticking and waits for the tick in progress. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
