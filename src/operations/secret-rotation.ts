/**
 * Secret rotation records and the inventory rows built on them. A rotation
 * is recorded by `patchbay secrets rotated <ref>` in the store (a cache entry
 * per reference, which every process sharing the store sees) plus an audit
 * row, so the security team can read who said a credential was rotated and
 * when. Only references are stored, never values.
 */
import { rotationDue, type RotationDue } from '../check/rotation.js';
import { PatchbayError } from '../core/errors.js';
import { isSecretRef } from '../core/secrets/resolver.js';
import type { LoadedSecretInfo } from '../runtime/project.js';
import type { Store } from '../store/types.js';
import type { SecretUse } from './inventory.js';

/**
 * The cache namespace holding one rotation record per reference.
 *
 * @example
 * ```ts
 * await store.cache.get(ROTATION_NAMESPACE, 'env:GPS_TOKEN');
 * ```
 */
export const ROTATION_NAMESPACE = 'secret-rotation';

/**
 * One recorded rotation.
 *
 * @example
 * ```ts
 * const r: RotationRecord = { at: Date.parse('2026-03-01T00:00:00Z'), by: 'alice' };
 * ```
 */
export interface RotationRecord {
  /** When the credential was rotated (epoch ms). */
  at: number;
  /** Who recorded it; null when unknown. */
  by: string | null;
}

/**
 * Records that `reference` was rotated at `at` (default now) by `by`, and
 * appends an audit row (`action: 'secret.rotated'`). Throws a `config`
 * error, without echoing the argument, when it is not a reference: someone
 * may have pasted the credential itself.
 *
 * @example
 * ```ts
 * await recordRotation(store, 'env:GPS_TOKEN', { by: 'alice' });
 * ```
 */
export async function recordRotation(
  store: Store,
  reference: string,
  options: { at?: number; by?: string | null } = {},
): Promise<RotationRecord> {
  if (!isSecretRef(reference)) {
    throw new PatchbayError(
      'config',
      'not a secret reference (the value is not shown, in case it is a credential): expected env:NAME, file:/path or another scheme:path',
      { code: 'NOT_A_REFERENCE' },
    );
  }
  const record: RotationRecord = { at: options.at ?? Date.now(), by: options.by ?? null };
  await store.cache.set(ROTATION_NAMESPACE, reference, { at: record.at, by: record.by });
  await store.audit.append({
    at: Date.now(),
    integrationId: '(secrets)',
    identity: record.by ?? 'unknown',
    target: reference,
    action: `secret.rotated at ${new Date(record.at).toISOString()}`,
    outcome: 'success',
    latencyMs: 0,
    attempt: 1,
  });
  return record;
}

/**
 * The recorded rotations of the given references; absent when never recorded.
 *
 * @example
 * ```ts
 * const rotations = await readRotations(store, ['env:GPS_TOKEN']);
 * rotations.get('env:GPS_TOKEN')?.at;
 * ```
 */
export async function readRotations(
  store: Store,
  references: Iterable<string>,
): Promise<Map<string, RotationRecord>> {
  const out = new Map<string, RotationRecord>();
  for (const ref of new Set(references)) {
    const entry = await store.cache.get(ROTATION_NAMESPACE, ref);
    const value = entry?.value as { at?: unknown; by?: unknown } | undefined;
    if (value && typeof value.at === 'number') {
      out.set(ref, { at: value.at, by: typeof value.by === 'string' ? value.by : null });
    }
  }
  return out;
}

/**
 * One line of the secret inventory: a use, what it is for, who rotates it,
 * and when it was last rotated and is due.
 *
 * @example
 * ```ts
 * rows.filter((r: InventoryRow) => r.rotation?.state === 'overdue');
 * ```
 */
export interface InventoryRow extends SecretUse {
  purpose: string | null;
  rotatedBy: string;
  /** Null for plaintext findings: there is no reference to rotate, the value must go. */
  rotation: RotationDue | null;
  lastRotatedBy: string | null;
}

/**
 * Joins uses with the project's declarations and the recorded rotations.
 * Defaults: purpose from the connector field, else the field path; rotated
 * by the owner of the integration; due yearly.
 *
 * @example
 * ```ts
 * const rows = inventoryRows(uses, { now: Date.now(), rotations, declared: project.secrets, owners });
 * ```
 */
export function inventoryRows(
  uses: readonly SecretUse[],
  ctx: {
    now: number;
    rotations: ReadonlyMap<string, RotationRecord>;
    declared: Readonly<Record<string, LoadedSecretInfo>>;
    /** Owner team per integration id. */
    owners: ReadonlyMap<string, string>;
  },
): InventoryRow[] {
  const periods = Object.fromEntries(
    Object.entries(ctx.declared).map(([ref, info]) => [ref, info.rotateEveryMs]),
  );
  return uses.map((u) => {
    const info = u.reference ? ctx.declared[u.reference] : undefined;
    return {
      ...u,
      purpose: info?.purpose ?? u.purpose ?? u.field,
      rotatedBy: info?.rotatedBy ?? ctx.owners.get(u.integration) ?? 'not declared',
      rotation: u.reference
        ? rotationDue(u.reference, { now: ctx.now, rotations: ctx.rotations, periods })
        : null,
      lastRotatedBy: u.reference ? (ctx.rotations.get(u.reference)?.by ?? null) : null,
    };
  });
}
