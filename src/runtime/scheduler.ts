/**
 * Fires scheduled runs: fixed intervals or cron expressions in a time zone
 * (croner), quiet windows, start jitter and the missed-run policy. It only
 * fires; the runtime decides whether a run may start (no overlap, leases).
 */
import { Cron } from 'croner';
import { parseDuration } from '../core/duration.js';
import type { ScheduleTrigger } from '../core/integration.js';
import { insideQuietWindow } from './quiet-window.js';

/**
 * Why a scheduled run fired.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({
 *   fire(id, reason: FireReason) {
 *     // 'missed': the process was down at the due time, so this run catches up
 *     if (reason === 'missed') logger.warn({ integration: id }, 'running a missed schedule');
 *     void runtime.run(id, { trigger: reason }); // run history shows schedule, startup or missed
 *   },
 *   lastRunStartedAt: async (id) => (await store.runs.latest(id)).last?.startedAt,
 * });
 * ```
 */
export type FireReason = 'schedule' | 'startup' | 'missed';

/**
 * What the scheduler needs from the runtime.
 *
 * @example
 * ```ts
 * const hooks: SchedulerHooks = {
 *   fire: (id, reason) => void runtime.run(id, { trigger: reason }),
 *   lastRunStartedAt: async (id) => (await store.runs.latest(id)).last?.startedAt,
 *   skipped: (id, why) => logger.debug({ integration: id, why }, 'tick skipped'),
 * };
 * const scheduler = new Scheduler(hooks);
 * scheduler.add('orders-to-warehouse', { type: 'schedule', cron: '0 6 * * 1-5', timezone: 'Europe/Berlin' });
 * await scheduler.start();
 * ```
 */
export interface SchedulerHooks {
  fire(integrationId: string, reason: FireReason): void;
  /** When the integration's last run started, to detect missed runs after downtime. */
  lastRunStartedAt(integrationId: string): Promise<number | undefined>;
  /** A skipped tick (outside the quiet window), for logs. */
  skipped?(integrationId: string, why: string): void;
  random?: () => number;
  now?: () => number;
}

interface Entry {
  id: string;
  trigger: ScheduleTrigger;
  everyMs?: number;
  jitterMs: number;
  cron?: Cron | undefined;
  timer?: NodeJS.Timeout | undefined;
  nextAt?: number;
}

/**
 * Next time a schedule is due after `after` (ms since epoch).
 *
 * @example
 * ```ts
 * nextDue({ type: 'schedule', cron: '0 2 * * *', timezone: 'Europe/Berlin' }, Date.now());
 * ```
 */
export function nextDue(trigger: ScheduleTrigger, after: number): number | undefined {
  if (trigger.every !== undefined) return after + parseDuration(trigger.every);
  const cron = new Cron(trigger.cron as string, {
    timezone: trigger.timezone ?? 'UTC',
    paused: true,
  });
  return cron.nextRun(new Date(after))?.getTime();
}

/**
 * The scheduler of one runtime.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({ fire: (id) => runtime.trigger(id), lastRunStartedAt: async () => undefined });
 * scheduler.add('orders', { type: 'schedule', every: '5m' });
 * await scheduler.start();
 * ```
 */
export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #hooks: SchedulerHooks;
  #running = false;

  constructor(hooks: SchedulerHooks) {
    this.#hooks = hooks;
  }

  /** Adds a schedule (before or after start). */
  add(id: string, trigger: ScheduleTrigger): void {
    const entry: Entry = {
      id,
      trigger,
      jitterMs:
        trigger.jitter === undefined ? 0 : parseDuration(trigger.jitter, 'trigger.jitter', id),
    };
    if (trigger.every !== undefined)
      entry.everyMs = parseDuration(trigger.every, 'trigger.every', id);
    this.#entries.set(id, entry);
    if (this.#running) this.#arm(entry);
  }

  /** Starts every schedule, firing start-up and missed runs first. */
  async start(): Promise<void> {
    this.#running = true;
    for (const entry of this.#entries.values()) {
      if (entry.trigger.runOnStart) {
        this.#fire(entry, 'startup');
      } else if (entry.trigger.missedRuns === 'run-once') {
        const last = await this.#hooks.lastRunStartedAt(entry.id);
        const due = last === undefined ? undefined : nextDue(entry.trigger, last);
        if (due !== undefined && due < this.#now()) this.#fire(entry, 'missed');
      }
      this.#arm(entry);
    }
  }

  /** Stops firing. Runs already fired are not affected. */
  stop(): void {
    this.#running = false;
    for (const entry of this.#entries.values()) {
      entry.cron?.stop();
      if (entry.timer) clearTimeout(entry.timer);
      entry.cron = undefined;
      entry.timer = undefined;
    }
  }

  /** When each schedule fires next, for `patchbay status`. */
  nextRuns(): Record<string, number | undefined> {
    const out: Record<string, number | undefined> = {};
    for (const entry of this.#entries.values()) {
      out[entry.id] = entry.cron ? entry.cron.nextRun()?.getTime() : entry.nextAt;
    }
    return out;
  }

  #now(): number {
    return this.#hooks.now?.() ?? Date.now();
  }

  #arm(entry: Entry): void {
    if (entry.everyMs !== undefined) {
      const every = entry.everyMs;
      const tick = () => {
        if (!this.#running) return;
        entry.nextAt = this.#now() + every;
        entry.timer = setTimeout(tick, every);
        entry.timer.unref?.();
        this.#fire(entry, 'schedule');
      };
      entry.nextAt = this.#now() + every;
      entry.timer = setTimeout(tick, every);
      entry.timer.unref?.();
      return;
    }
    entry.cron = new Cron(
      entry.trigger.cron as string,
      { timezone: entry.trigger.timezone ?? 'UTC', unref: true },
      () => this.#fire(entry, 'schedule'),
    );
  }

  #fire(entry: Entry, reason: FireReason): void {
    const window = entry.trigger.quietWindow;
    if (window && !insideQuietWindow(this.#now(), window, entry.trigger.timezone ?? 'UTC')) {
      this.#hooks.skipped?.(entry.id, `outside quiet window ${window.from}–${window.to}`);
      return;
    }
    if (entry.jitterMs <= 0) {
      this.#hooks.fire(entry.id, reason);
      return;
    }
    const delay = Math.floor((this.#hooks.random ?? Math.random)() * entry.jitterMs);
    const timer = setTimeout(() => {
      if (this.#running) this.#hooks.fire(entry.id, reason);
    }, delay);
    timer.unref?.();
  }
}
