/**
 * The first-iteration checklist behind `patchbay check`: for every
 * integration, the practices a first production iteration needs (pattern
 * chosen, auth through secret references, retries with backoff, an
 * idempotency strategy, replay, metrics and logs, timeouts, an owner, docs),
 * each pass/warn/fail with what is missing and how to fix it.
 *
 * Separate from the CLI so the console, CI scripts and tests can run it too.
 */
import { ownerTeam } from '../core/integration.js';
import type { PreparedIntegration } from '../runtime/prepare.js';
import { checkConnection, type CheckContextFactory } from './connect.js';
import { staticItems } from './items.js';
import { checkRecording } from './recording.js';
import { checkRotation, type RotationContext } from './rotation.js';
import { worst, type CheckReport, type IntegrationCheck } from './types.js';

export * from './types.js';
export * from './items.js';
export { checkConnection, type CheckContextFactory } from './connect.js';
export { checkRecording } from './recording.js';
export { scanConnectorConfig, urlHasCredentials, type SecretFinding } from './secrets.js';
export {
  checkRotation,
  rotationDue,
  referencesOf,
  DEFAULT_ROTATE_EVERY_MS,
  type RotationContext,
  type RotationDue,
} from './rotation.js';

/**
 * Runs the checklist for one integration. Pure: with `rotation` (the
 * recorded rotations and the clock, supplied by the caller) it adds the
 * `rotation` item right after `auth`; without it, only the static items,
 * plus `recording` last when a connector records or replays HTTP.
 *
 * @example
 * ```ts
 * import { prepareIntegration } from 'patchbay/runtime';
 * const result = checkIntegration(prepareIntegration(ordersToWarehouse));
 * result.status; // 'pass' | 'warn' | 'fail'
 * const withRotation = checkIntegration(prepared, { rotation: { now: Date.now(), rotations: new Map() } });
 * ```
 */
export function checkIntegration(
  p: PreparedIntegration,
  options: { rotation?: RotationContext | undefined } = {},
): IntegrationCheck {
  const items = staticItems(p);
  if (options.rotation) {
    const at = items.findIndex((i) => i.id === 'auth') + 1;
    items.splice(at, 0, checkRotation(p, options.rotation));
  }
  const recording = checkRecording(p);
  if (recording) items.push(recording);
  return {
    id: p.id,
    pattern: p.definition.pattern,
    owner: ownerTeam(p.definition.owner),
    status: worst(items.map((i) => i.status)),
    items,
  };
}

/**
 * Summarises integration checks into a report.
 *
 * @example
 * ```ts
 * const report = summarize(prepared.map(checkIntegration));
 * report.ok; // false when anything failed
 * ```
 */
export function summarize(integrations: IntegrationCheck[]): CheckReport {
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const i of integrations) for (const item of i.items) counts[item.status] += 1;
  return { ok: counts.fail === 0, counts, integrations };
}

/**
 * Runs the checklist for every given integration; with `rotation`, also the
 * secret-rotation item; with `connect`, also tests each connector's
 * connection (sequentially, to keep the load on peers low).
 *
 * @example
 * ```ts
 * const report = await checkProject(prepared, { rotation: { now: Date.now(), rotations } });
 * for (const i of report.integrations) console.log(i.id, i.status);
 * ```
 */
export async function checkProject(
  prepared: readonly PreparedIntegration[],
  options: { connect?: CheckContextFactory; timeoutMs?: number; rotation?: RotationContext } = {},
): Promise<CheckReport> {
  const results: IntegrationCheck[] = [];
  for (const p of prepared) {
    const result = checkIntegration(p, { rotation: options.rotation });
    if (options.connect) {
      const factory = options.connect;
      const item = await checkConnection(
        p,
        factory,
        options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
      );
      result.items.push(item);
      result.status = worst(result.items.map((i) => i.status));
    }
    results.push(result);
  }
  return summarize(results);
}
