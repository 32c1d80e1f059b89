/**
 * Liveness and readiness reports for `/healthz` and `/readyz`, and a helper
 * that turns named checks (store ping, runtime started) into a readiness
 * function with per-check timeouts.
 */
import { classify } from '../core/classify.js';
import { redactText } from '../core/secrets/index.js';

/**
 * What `/healthz` answers: the process is alive and serving. Extra fields
 * are allowed (uptime, version) but must be JSON-safe and secret-free.
 *
 * @example
 * ```ts
 * const health = (): HealthReport => ({ status: 'ok', version: '0.1.0' });
 * ```
 */
export interface HealthReport {
  status: 'ok';
  [extra: string]: unknown;
}

/**
 * One named readiness check and its result. `detail` says why it failed.
 *
 * @example
 * ```ts
 * const report = await ready();
 * const failing: ReadyCheck[] = report.checks.filter((c) => !c.ok);
 * for (const c of failing) logger.warn(`not ready: ${c.name}: ${c.detail}`);
 * ```
 */
export interface ReadyCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

/**
 * What `/readyz` answers: 200 when `ready` is true, 503 otherwise.
 *
 * @example
 * ```ts
 * const report: ReadyReport = { ready: false, checks: [{ name: 'store', ok: false, detail: 'CONNECTION: connect ECONNREFUSED' }] };
 * ```
 */
export interface ReadyReport {
  ready: boolean;
  checks: ReadyCheck[];
}

/**
 * A readiness check: resolving (to anything but `false`) means ready;
 * resolving to `false` or throwing means not ready.
 *
 * @example
 * ```ts
 * const storeWritable: ReadinessCheck = () => store.ping();
 * const schedulerLeader: ReadinessCheck = async () => (await store.leases.holder('scheduler')) !== undefined;
 * const ready = readinessChecks({ store: storeWritable, scheduler: schedulerLeader });
 * ```
 */
export type ReadinessCheck = () => unknown;

/**
 * Options for {@link readinessChecks}.
 *
 * @example
 * ```ts
 * // the database sometimes needs a few seconds after a failover
 * const ready = readinessChecks({ store: () => store.ping() }, { timeoutMs: 5000 } satisfies ReadinessOptions);
 * ```
 */
export interface ReadinessOptions {
  /** A check slower than this fails with detail `timed out after <n> ms`. Default 2000. */
  timeoutMs?: number;
}

const MAX_DETAIL = 300;

/**
 * Builds a `ready()` function for the admin server from named checks, run
 * concurrently, each bounded by a timeout (so a hung database makes the
 * probe fail instead of hang). Failure details are classified
 * (`CODE: message`), scrubbed of known secret values and cut to 300
 * characters.
 *
 * @example
 * ```ts
 * const ready = readinessChecks({
 *   store: () => store.ping(),
 *   runtime: () => runtime.started,
 * });
 * await startAdminServer({ metrics, ready });
 * ```
 */
export function readinessChecks(
  checks: Record<string, ReadinessCheck>,
  options: ReadinessOptions = {},
): () => Promise<ReadyReport> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const entries = Object.entries(checks);
  return async () => {
    const results = await Promise.all(
      entries.map(([name, check]) => runCheck(name, check, timeoutMs)),
    );
    return { ready: results.every((r) => r.ok), checks: results };
  };
}

async function runCheck(name: string, check: ReadinessCheck, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    // A pending probe must not keep a shutting-down process alive.
    timer.unref();
  });
  try {
    const result = await Promise.race([Promise.resolve().then(check), timeout]);
    if (result === 'timeout') return failed(name, `timed out after ${timeoutMs} ms`);
    if (result === false) return failed(name, 'not ready');
    return { name, ok: true };
  } catch (err) {
    return failed(name, describeFailure(err));
  } finally {
    clearTimeout(timer);
  }
}

function failed(name: string, detail: string): ReadyCheck {
  return { name, ok: false, detail };
}

/**
 * A short, safe description of why something failed: `CODE: message`,
 * scrubbed of known secret values, at most 300 characters.
 *
 * @example
 * ```ts
 * describeFailure(new Error('connect ECONNREFUSED 127.0.0.1:5432')); // 'UNCLASSIFIED: connect ECONNREFUSED 127.0.0.1:5432'
 * ```
 */
export function describeFailure(err: unknown): string {
  const e = classify(err);
  const text = redactText(`${e.code}: ${e.message}`);
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}
