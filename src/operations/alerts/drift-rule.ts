/**
 * The schema-drift alert rule. Mapping steps with `drift: 'alert'` or
 * `'reject'` record drift durably (`src/store/drift-log.ts`); the status
 * carries that record and this rule turns it into an alert.
 *
 * Resolution rule: the alert resolves when an operator acknowledges the drift
 * (`patchbay alerts ack-drift <integration>`) or when no mapping step has
 * reported drift for `quietFor` (default 24 h). Added and retyped fields are
 * learned by the `alert` policy, so a changed feed reports once and then goes
 * quiet: the alert stays open long enough for people to see it, then closes on
 * its own unless someone acknowledged it first. A field the source keeps
 * omitting is reported again by every new process, which keeps the alert open
 * while the drift goes on.
 */
import { formatDuration } from '../../core/duration.js';
import type { AlertRule } from './types.js';

/**
 * How long without new drift reports before the alert resolves on its own.
 *
 * @example
 * ```ts
 * schemaDriftRule({ quietForMs: DEFAULT_DRIFT_QUIET_MS / 4 });
 * ```
 */
export const DEFAULT_DRIFT_QUIET_MS = 24 * 3_600_000;

function list(label: string, fields: readonly string[]): string | undefined {
  return fields.length ? `${label} ${fields.join(', ')}` : undefined;
}

/**
 * Schema drift: the source of an integration added, dropped or retyped fields
 * that its mapping does not expect. Names the fields and since when; a new
 * field joining an open alert sends an update.
 *
 * @example
 * ```ts
 * const rules = [schemaDriftRule({ quietForMs: 6 * 3_600_000 })];
 * ```
 */
export function schemaDriftRule(options: { quietForMs?: number } = {}): AlertRule {
  const quietForMs = options.quietForMs ?? DEFAULT_DRIFT_QUIET_MS;
  return {
    condition: 'schema-drift',
    evaluate({ status }, { now }) {
      const d = status.drift;
      if (!d || d.acknowledgedAt !== null || now - d.lastSeenAt >= quietForMs) {
        return { finding: undefined };
      }
      const changes = [
        list('new fields:', d.added),
        list('missing fields:', d.removed),
        list('retyped fields:', d.retyped),
      ].filter((x): x is string => x !== undefined);
      return {
        finding: {
          severity: 'warning',
          expected: `source records shaped as mapping ${d.mappings.join(', ')} expects`,
          actual: `${changes.join('; ')} (since ${new Date(d.since).toISOString()}, last seen ${formatDuration(Math.max(0, now - d.lastSeenAt))} ago; acknowledge with patchbay alerts ack-drift ${d.integration})`,
          fingerprint: [...d.added, ...d.removed, ...d.retyped].join('|'),
        },
      };
    },
  };
}
