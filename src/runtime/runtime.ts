/**
 * The runtime: validates every integration before starting anything, owns
 * the schedules and streams, keeps runs of one integration from overlapping
 * (in this process and, through a lease, across processes sharing a store),
 * and shuts down gracefully: stop taking work, drain, save, close.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import pino from 'pino';
import type { CallGuard } from '../core/connector.js';
import { isPatchbayError, PatchbayError } from '../core/errors.js';
import type { Integration, IntegrationOptions } from '../core/integration.js';
import { defaultSecrets, type SecretResolverChain } from '../core/secrets/resolver.js';
import { readPause } from '../store/pause-state.js';
import type { DeadLetter, Store } from '../store/types.js';
import { retryDeadLetters, type DeadLetterRetryResult } from './dead-letter-retry.js';
import { executeRun, type RunOptions, type RunResult } from './execute-run.js';
import { prepareAll, type PreparedIntegration } from './prepare.js';
import { Scheduler, type FireReason } from './scheduler.js';
import { disposeAll, type Disposable } from '../policies/events.js';
import { integrationGuards } from './guards.js';
import { type RuntimeMetrics, type RuntimeServices } from './services.js';
import { statusReport, type IntegrationStatus } from './status.js';

const DEFAULT_DRAIN_MS = 30_000;
const STREAM_RESTART_MS = 5_000;
const KILL_GRACE_MS = 2_000;

function sleepUnref(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Options of {@link createRuntime}.
 *
 * @example
 * ```ts
 * const options: RuntimeOptions = {
 *   integrations: [ordersToWarehouse, gpsPositions],
 *   store: await openSqliteStore({ path: '.patchbay/state.db' }),
 *   logger: pino({ level: 'info' }),
 *   metrics: new PatchbayMetrics(),
 *   secrets: defaultSecrets,
 *   instanceId: `${hostname()}:worker-1`,
 * };
 * const runtime = await createRuntime(options);
 * await runtime.start();
 * ```
 */
export interface RuntimeOptions {
  integrations: ReadonlyArray<Integration | IntegrationOptions>;
  store: Store;
  logger?: Logger;
  /** Metric hooks; defaults to none. */
  metrics?: RuntimeMetrics;
  secrets?: SecretResolverChain;
  /**
   * Builds the policy pipeline of an integration. Default: `createPipeline`
   * from `patchbay/policies` with the integration's `policies` (defaults for
   * whatever is left out), its state in the store, its events feeding the
   * metrics; one pipeline for the source (breaker `<id>`) and one for steps
   * and sink writes (breaker `<id>:sink`, see `guards.ts`). A function given
   * here builds both sides. Pass `() => singleAttempt` to switch policies off (tests).
   */
  guardFor?: (integration: PreparedIntegration) => CallGuard;
  /** Identifies this process in leases. Default `<hostname>:<pid>:<random>`. */
  instanceId?: string;
  now?: () => number;
}

const noMetrics: RuntimeMetrics = { recordCall() {}, recordItems() {} };

/**
 * A running (or runnable) set of integrations.
 *
 * @example
 * ```ts
 * const runtime = await createRuntime({ integrations: [orders], store });
 * await runtime.start();
 * process.once('SIGTERM', () => runtime.stop());
 * ```
 */
export class Runtime {
  readonly integrations: ReadonlyMap<string, PreparedIntegration>;
  readonly services: RuntimeServices;
  readonly instanceId: string;
  readonly #scheduler: Scheduler;
  readonly #inFlight = new Map<
    string,
    { promise: Promise<RunResult>; controller: AbortController }
  >();
  readonly #streams = new Set<Promise<void>>();
  readonly #disposables: Disposable[] = [];
  #stopping = false;
  #started = false;
  /** Aborted when shutdown begins: stop reading. */
  readonly #stop = new AbortController();
  /** Aborted when the drain deadline passes: cancel writes too. */
  readonly #kill = new AbortController();

  constructor(prepared: PreparedIntegration[], options: RuntimeOptions) {
    this.integrations = new Map(prepared.map((p) => [p.id, p]));
    this.instanceId =
      options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const guards = integrationGuards({
      integrations: this.integrations,
      store: options.store,
      metrics: options.metrics,
      logger: () => this.services.logger,
      disposables: this.#disposables,
      guardFor: options.guardFor,
    });
    this.services = {
      store: options.store,
      logger: options.logger ?? pino({ level: 'silent' }),
      metrics: options.metrics ?? noMetrics,
      secrets: options.secrets ?? defaultSecrets,
      now: options.now ?? Date.now,
      ...guards,
    };
    this.#scheduler = new Scheduler({
      fire: (id, reason) => this.#onFire(id, reason),
      lastRunStartedAt: async (id) => (await this.services.store.runs.latest(id)).last?.startedAt,
      skipped: (id, why) =>
        this.services.logger.info({ integration: id, why }, 'scheduled run skipped'),
      now: this.services.now,
    });
  }

  /** True once {@link start} has completed and until {@link stop} begins. */
  get ready(): boolean {
    return this.#started && !this.#stopping;
  }

  /** Starts schedules and streams. Runs left `running` by a crashed process are marked cancelled first. */
  async start(): Promise<void> {
    if (this.#started) return;
    // A run left `running` whose lease has lapsed belongs to a crashed process.
    for (const p of this.integrations.values()) {
      const now = this.services.now();
      if (await this.services.store.leases.holder(`run:${p.id}`, now)) continue;
      await this.services.store.runs.abandonRunning(now, p.id);
    }
    for (const p of this.integrations.values()) {
      const trigger = p.definition.trigger;
      if (trigger.type === 'schedule') this.#scheduler.add(p.id, trigger);
      else if (trigger.type === 'stream') this.#startStream(p);
    }
    await this.#scheduler.start();
    this.#started = true;
    this.services.logger.info(
      { integrations: [...this.integrations.keys()], instance: this.instanceId },
      'runtime started',
    );
  }

  /**
   * Runs one integration now and waits for the result. Throws an `overloaded`
   * error when a run of it is already in progress here or in another process.
   */
  async run(
    id: string,
    options: Omit<RunOptions, 'trigger'> & { trigger?: string } = {},
  ): Promise<RunResult> {
    const prepared = this.#require(id);
    if (this.#stopping)
      throw new PatchbayError('cancelled', 'runtime is shutting down', { code: 'SHUTTING_DOWN' });
    if (this.#inFlight.has(id)) {
      throw new PatchbayError('overloaded', `${id} is already running in this process`, {
        code: 'RUN_IN_PROGRESS',
      });
    }
    // Reserve the slot before any await, so a second call, or a stop(), sees this run at once.
    const controller = new AbortController();
    // The code tells executeRun the stop was a graceful shutdown, not a cancellation.
    const onStop = () =>
      controller.abort(
        new PatchbayError('cancelled', 'runtime is shutting down', { code: 'SHUTTING_DOWN' }),
      );
    this.#stop.signal.addEventListener('abort', onStop, { once: true });
    options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), {
      once: true,
    });
    const promise = this.#leasedRun(prepared, options, controller).finally(() => {
      this.#stop.signal.removeEventListener('abort', onStop);
      this.#inFlight.delete(id);
    });
    this.#inFlight.set(id, { promise, controller });
    return promise;
  }

  async #leasedRun(
    prepared: PreparedIntegration,
    options: Omit<RunOptions, 'trigger'> & { trigger?: string },
    controller: AbortController,
  ): Promise<RunResult> {
    const id = prepared.id;
    const store = this.services.store;
    const lease = `run:${id}`;
    // Replays and dry runs never move the live checkpoint, so they need no lease.
    const needsLease = options.mode !== 'replay' && !options.dryRun;
    // A pause (drift policy or operator) holds live runs only: a dry run
    // writes nothing, and a replay is itself an operator's decision.
    if (needsLease) {
      const paused = await readPause(store.cache, id);
      if (paused) {
        throw new PatchbayError(
          'config',
          `${id} is paused since ${new Date(paused.at).toISOString()} (${paused.reason}); resume it with: patchbay resume ${id}`,
          { code: 'INTEGRATION_PAUSED', details: { pause: paused } },
        );
      }
    }
    const ttl = prepared.maxRunMs + 60_000;
    let renewal: NodeJS.Timeout | undefined;
    if (needsLease) {
      if (!(await store.leases.acquire(lease, this.instanceId, ttl, this.services.now()))) {
        const holder = await store.leases.holder(lease, this.services.now());
        throw new PatchbayError(
          'overloaded',
          `${id} is already running in ${holder?.owner ?? 'another process'}`,
          { code: 'RUN_IN_PROGRESS' },
        );
      }
      // A run may outlive its planned length (a blocked read, a slow write): keep the lease alive.
      renewal = setInterval(
        () => {
          store.leases.acquire(lease, this.instanceId, ttl, this.services.now()).then(
            (held) => {
              if (held) return;
              this.services.logger.error({ integration: id }, 'run lease lost; stopping the run');
              controller.abort(new PatchbayError('cancelled', 'run lease lost'));
            },
            (err: unknown) =>
              this.services.logger.warn({ integration: id, err }, 'run lease renewal failed'),
          );
        },
        Math.max(1000, Math.floor(ttl / 3)),
      );
      renewal.unref();
    }
    try {
      return await executeRun(this.services, prepared, {
        ...options,
        trigger: options.trigger ?? 'manual',
        signal: controller.signal,
        hardSignal: this.#kill.signal,
      });
    } finally {
      clearInterval(renewal);
      if (needsLease) {
        await store.leases
          .release(lease, this.instanceId)
          .catch((err: unknown) =>
            this.services.logger.warn({ integration: id, err }, 'run lease release failed'),
          );
      }
    }
  }

  /**
   * Retries dead letters of an integration: the given ids, or all of them
   * (oldest first, `limit` at a time until none are left or one fails transiently).
   */
  async retryDeadLetters(
    id: string,
    which: readonly string[] | 'all',
    options: { onProgress?: (done: number) => void } = {},
  ): Promise<DeadLetterRetryResult> {
    const prepared = this.#require(id);
    const store = this.services.store;
    if (which !== 'all') {
      const letters = await Promise.all(which.map((letterId) => store.deadLetters.get(letterId)));
      const missing = which.filter((_, i) => !letters[i]);
      if (missing.length > 0) {
        throw new PatchbayError('config', `no dead letter with id ${missing.join(', ')}`, {
          code: 'UNKNOWN_DEAD_LETTER',
        });
      }
      return retryDeadLetters(this.services, prepared, letters as DeadLetter[], {
        ...options,
        signal: this.#stop.signal,
      });
    }
    const total: DeadLetterRetryResult = { retried: 0, succeeded: [], failed: [] };
    const failedIds = new Set<string>();
    let afterId: string | undefined;
    for (;;) {
      const page = await store.deadLetters.list(id, {
        limit: 100,
        ...(afterId ? { afterId } : {}),
      });
      if (page.length === 0) break;
      afterId = page[page.length - 1]?.id;
      const todo = page.filter((l) => !failedIds.has(l.id));
      const r = await retryDeadLetters(this.services, prepared, todo, {
        signal: this.#stop.signal,
        onProgress: (n) => options.onProgress?.(total.retried + n),
      });
      total.retried += r.retried;
      total.succeeded.push(...r.succeeded);
      total.failed.push(...r.failed);
      for (const f of r.failed) failedIds.add(f.id);
      if (r.stoppedBy) {
        total.stoppedBy = r.stoppedBy;
        break;
      }
    }
    return total;
  }

  /** The status of every integration. */
  status(): Promise<IntegrationStatus[]> {
    return statusReport(this.services.store, [...this.integrations.values()], this.services.now());
  }

  /** When each scheduled integration runs next. */
  nextRuns(): Record<string, number | undefined> {
    return this.#scheduler.nextRuns();
  }

  /**
   * Graceful shutdown: stop firing schedules, stop reading, let in-flight
   * batches finish and their checkpoints save, up to `drainMs`. Does not
   * close the store (the caller owns it). Idempotent.
   */
  async stop(options: { drainMs?: number } = {}): Promise<{ drained: boolean }> {
    if (this.#stopping) return { drained: true };
    this.#stopping = true;
    this.#scheduler.stop();
    this.#stop.abort();
    const pending = [...[...this.#inFlight.values()].map((r) => r.promise), ...this.#streams];
    const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      Promise.allSettled(pending).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), drainMs);
      }),
    ]);
    clearTimeout(timer);
    if (!drained) {
      this.#kill.abort(new PatchbayError('cancelled', 'drain deadline passed'));
      // Cancelled runs still record their end and release their lease; give them a moment
      // before the caller closes the store underneath them.
      await Promise.race([Promise.allSettled(pending), sleepUnref(KILL_GRACE_MS)]);
    }
    disposeAll(this.#disposables);
    this.services.logger.info({ drained, instance: this.instanceId }, 'runtime stopped');
    return { drained };
  }

  #require(id: string): PreparedIntegration {
    const p = this.integrations.get(id);
    if (!p) {
      throw new PatchbayError(
        'config',
        `no integration "${id}"; known: ${[...this.integrations.keys()].join(', ')}`,
        {
          code: 'UNKNOWN_INTEGRATION',
        },
      );
    }
    return p;
  }

  #onFire(id: string, reason: FireReason): void {
    if (this.#stopping) return;
    if (this.#inFlight.has(id)) {
      this.services.logger.info(
        { integration: id, reason },
        'scheduled run skipped: previous run still in progress',
      );
      return;
    }
    this.run(id, { trigger: reason }).catch((err: unknown) => {
      const expected =
        isPatchbayError(err) &&
        (err.code === 'RUN_IN_PROGRESS' || err.code === 'INTEGRATION_PAUSED');
      const level = expected ? 'info' : 'error';
      this.services.logger[level]({ integration: id, err }, 'scheduled run not started');
    });
  }

  #startStream(p: PreparedIntegration): void {
    const loop = (async () => {
      while (!this.#stopping) {
        try {
          await this.run(p.id, { trigger: 'stream' });
        } catch (err) {
          const paused = isPatchbayError(err) && err.code === 'INTEGRATION_PAUSED';
          this.services.logger[paused ? 'info' : 'error'](
            { integration: p.id, err },
            'stream run failed to start',
          );
        }
        if (this.#stopping) break;
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            this.#stop.signal.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, STREAM_RESTART_MS);
          this.#stop.signal.addEventListener('abort', done, { once: true });
        });
      }
    })();
    this.#streams.add(loop);
  }
}

/**
 * Validates every integration (all mistakes reported at once) and builds a
 * runtime. Nothing starts until {@link Runtime.start}.
 *
 * @example
 * ```ts
 * const store = await openSqliteStore({ path: '.patchbay/state.db' });
 * const runtime = await createRuntime({ integrations, store, logger });
 * const result = await runtime.run('orders-to-warehouse');
 * ```
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const prepared = prepareAll(options.integrations);
  return new Runtime(prepared, options);
}
