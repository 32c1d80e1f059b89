/**
 * Paused integrations, kept in the store's key-value cache (namespace
 * `patchbay.paused`, key the integration id, no expiry) so that a pause set
 * by a mapping step in the running process holds for every process: the
 * runtime refuses live runs of a paused integration, `patchbay status` shows
 * it, and only an operator (`patchbay resume`) lifts it. It lives beside the
 * store contract because `mapping` (writer), `runtime` (reader) and the CLI
 * depend on the store, not on each other. No schema migration: the cache
 * already is durable key-value storage.
 */
import type { JsonValue } from '../core/json-safe.js';
import type { CacheRepo } from './types.js';

/**
 * The cache namespace of pause records; the key is the integration id.
 *
 * @example
 * ```ts
 * const entry = await store.cache.get(PAUSED, 'employees');
 * ```
 */
export const PAUSED = 'patchbay.paused';

/**
 * Why and since when an integration is paused.
 *
 * @example
 * ```ts
 * const p: PauseRecord = { integration: 'employees', by: 'drift', reason: 'source schema drift: added nickname', at: Date.now() };
 * ```
 */
export interface PauseRecord {
  integration: string;
  /** Who paused it: a mapping step's drift policy, or an operator. */
  by: 'drift' | 'operator';
  reason: string;
  /** When it was paused (epoch ms). */
  at: number;
}

/**
 * Reads an integration's pause record; `undefined` when it is not paused.
 *
 * @example
 * ```ts
 * if (await readPause(store.cache, 'employees')) console.log('paused');
 * ```
 */
export async function readPause(
  cache: CacheRepo,
  integration: string,
): Promise<PauseRecord | undefined> {
  const entry = await cache.get(PAUSED, integration);
  return entry?.value as unknown as PauseRecord | undefined;
}

/**
 * Pauses an integration (durable when it resolves). An existing pause is
 * kept as it was, so the record says what paused it first.
 *
 * @example
 * ```ts
 * await pauseIntegration(store.cache, { integration: 'employees', by: 'operator', reason: 'vendor migration', at: Date.now() });
 * ```
 */
export async function pauseIntegration(
  cache: CacheRepo,
  record: PauseRecord,
): Promise<PauseRecord> {
  const prior = await readPause(cache, record.integration);
  if (prior) return prior;
  await cache.set(PAUSED, record.integration, record as unknown as JsonValue);
  return record;
}

/**
 * Lifts a pause; returns the record that was lifted, or `undefined` when the
 * integration was not paused.
 *
 * @example
 * ```ts
 * const lifted = await resumeIntegration(store.cache, 'employees');
 * ```
 */
export async function resumeIntegration(
  cache: CacheRepo,
  integration: string,
): Promise<PauseRecord | undefined> {
  const prior = await readPause(cache, integration);
  if (prior) await cache.delete(PAUSED, integration);
  return prior;
}
