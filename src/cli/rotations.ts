/**
 * Recorded secret rotations for `check`, `registry` and `secrets`. Read from
 * the project's store only when the store file already exists: generating
 * docs or running the checklist in a fresh CI checkout must not create
 * state, and there an absent store simply means "no rotation recorded".
 */
import { existsSync } from 'node:fs';
import type { RotationContext } from '../check/rotation.js';
import { readRotations, type RotationRecord } from '../operations/secret-rotation.js';
import type { Project } from '../runtime/project.js';
import { withStore } from './project.js';

/**
 * The recorded rotations of `references`; empty when the store does not exist yet.
 *
 * @example
 * ```ts
 * const rotations = await recordedRotations(loaded.project, ['env:GPS_TOKEN']);
 * ```
 */
export async function recordedRotations(
  project: Project,
  references: Iterable<string>,
): Promise<Map<string, RotationRecord>> {
  if (project.storePath === ':memory:' || !existsSync(project.storePath)) return new Map();
  return withStore(project, (store) => readRotations(store, references));
}

/**
 * The rotation context of the checklist: recorded rotations, the project's
 * declared periods, and the clock.
 *
 * @example
 * ```ts
 * const ctx = rotationContext(loaded.project, rotations);
 * checkProject(prepared, { rotation: ctx });
 * ```
 */
export function rotationContext(
  project: Project,
  rotations: ReadonlyMap<string, RotationRecord>,
  now = Date.now(),
): RotationContext {
  return {
    now,
    rotations,
    periods: Object.fromEntries(
      Object.entries(project.secrets).map(([ref, info]) => [ref, info.rotateEveryMs]),
    ),
  };
}
