/**
 * The durable store (`patchbay/store`): the contract every store implements,
 * and the embedded SQLite store that is the default.
 *
 * @example
 * ```ts
 * import { openSqliteStore, type Store } from 'patchbay/store';
 * const store: Store = await openSqliteStore({ path: '.patchbay/state.db' });
 * ```
 */
export type * from './types.js';
export {
  openSqliteStore,
  type GroupCommitStats,
  type SqliteStore,
  type SqliteStoreOptions,
} from './sqlite/index.js';
export {
  acknowledgeDrift,
  DRIFT_LOG,
  readDrift,
  recordDrift,
  type DriftFact,
  type DriftRecord,
} from './drift-log.js';
export {
  PAUSED,
  pauseIntegration,
  readPause,
  resumeIntegration,
  type PauseRecord,
} from './pause-state.js';
