/**
 * Secret rotation as the checklist judges it: when each referenced
 * credential was last rotated (recorded by `patchbay secrets rotated`), when
 * it is due (default yearly) and whether it is overdue. Pure: the caller
 * passes the recorded rotations and the clock, so the item is as testable
 * as the static ones and `checkIntegration` stays free of I/O.
 */
import { formatDuration } from '../core/duration.js';
import type { PreparedIntegration } from '../runtime/prepare.js';
import { scanConnectorConfig } from './secrets.js';
import type { CheckItem } from './types.js';

/**
 * How often a credential must be rotated unless the project says otherwise: 365 days.
 *
 * @example
 * ```ts
 * DEFAULT_ROTATE_EVERY_MS / 86_400_000; // 365
 * ```
 */
export const DEFAULT_ROTATE_EVERY_MS = 365 * 86_400_000;

/**
 * What the rotation item needs to know: the clock, the recorded rotations by
 * reference, and the project's declared rotation periods.
 *
 * @example
 * ```ts
 * const ctx: RotationContext = {
 *   now: Date.now(),
 *   rotations: new Map([['env:GPS_TOKEN', { at: Date.parse('2026-01-05') }]]),
 *   periods: { 'env:GPS_TOKEN': 90 * 86_400_000 },
 * };
 * ```
 */
export interface RotationContext {
  now: number;
  /** Last recorded rotation per reference; references absent here were never recorded. */
  rotations: ReadonlyMap<string, { at: number }>;
  /** Rotation period per reference in ms; {@link DEFAULT_ROTATE_EVERY_MS} when absent. */
  periods?: Readonly<Record<string, number | undefined>>;
}

/**
 * Where one reference stands: `ok`, `overdue`, or `unrecorded` (no rotation
 * was ever recorded, so nobody can say whether it is due).
 *
 * @example
 * ```ts
 * const due: RotationDue = rotationDue('env:GPS_TOKEN', ctx);
 * if (due.state === 'overdue') console.log(`overdue since ${new Date(due.dueAt!).toISOString()}`);
 * ```
 */
export interface RotationDue {
  reference: string;
  everyMs: number;
  lastRotatedAt: number | null;
  dueAt: number | null;
  state: 'ok' | 'overdue' | 'unrecorded';
}

/**
 * Computes when a reference is due. A rotation exactly at its due time is
 * still `ok`; one millisecond later it is `overdue`.
 *
 * @example
 * ```ts
 * rotationDue('env:X', { now: Date.parse('2027-06-01'), rotations: new Map([['env:X', { at: Date.parse('2026-01-01') }]]) }).state; // 'overdue'
 * ```
 */
export function rotationDue(reference: string, ctx: RotationContext): RotationDue {
  const everyMs = ctx.periods?.[reference] ?? DEFAULT_ROTATE_EVERY_MS;
  const last = ctx.rotations.get(reference)?.at ?? null;
  if (last === null) {
    return { reference, everyMs, lastRotatedAt: null, dueAt: null, state: 'unrecorded' };
  }
  const dueAt = last + everyMs;
  return {
    reference,
    everyMs,
    lastRotatedAt: last,
    dueAt,
    state: ctx.now > dueAt ? 'overdue' : 'ok',
  };
}

/**
 * The distinct secret references of one integration's source and sink configs.
 *
 * @example
 * ```ts
 * referencesOf(prepared); // ['env:GPS_TOKEN']
 * ```
 */
export function referencesOf(p: PreparedIntegration): string[] {
  const findings = scanConnectorConfig('source', p.source.spec, p.source.config);
  if (p.sink.kind === 'connector') {
    findings.push(...scanConnectorConfig('sink', p.sink.connector.spec, p.sink.connector.config));
  }
  const refs = findings.flatMap((f) => (f.reference === undefined ? [] : [f.reference]));
  return [...new Set(refs)];
}

function day(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/**
 * Secrets rotated on time: fails when any reference is past its due date,
 * warns when a rotation was never recorded, passes otherwise (including
 * integrations without secret references).
 *
 * @example
 * ```ts
 * checkRotation(prepared, { now: Date.now(), rotations }).status; // 'fail' when overdue
 * ```
 */
export function checkRotation(p: PreparedIntegration, ctx: RotationContext): CheckItem {
  const title = 'secrets rotated on time';
  const refs = referencesOf(p);
  if (refs.length === 0) {
    return { id: 'rotation', title, status: 'pass', reason: 'no secret references to rotate' };
  }
  const dues = refs.map((r) => rotationDue(r, ctx));
  const overdue = dues.filter((d) => d.state === 'overdue');
  const unrecorded = dues.filter((d) => d.state === 'unrecorded');
  if (overdue.length > 0) {
    return {
      id: 'rotation',
      title,
      status: 'fail',
      reason: overdue
        .map(
          (d) =>
            `${d.reference} last rotated ${day(d.lastRotatedAt ?? 0)}, due ${day(d.dueAt ?? 0)} (every ${formatDuration(d.everyMs)}): overdue`,
        )
        .join('; '),
      fix: `rotate it, then record it: ${overdue.map((d) => `patchbay secrets rotated ${d.reference}`).join('; ')}`,
    };
  }
  if (unrecorded.length > 0) {
    return {
      id: 'rotation',
      title,
      status: 'warn',
      reason: `no rotation recorded for ${unrecorded.map((d) => d.reference).join(', ')}`,
      fix: `after rotating, run patchbay secrets rotated <ref> (add --at <date> to record an earlier rotation)`,
    };
  }
  return {
    id: 'rotation',
    title,
    status: 'pass',
    reason: dues
      .map((d) => `${d.reference} rotated ${day(d.lastRotatedAt ?? 0)}, due ${day(d.dueAt ?? 0)}`)
      .join('; '),
  };
}
