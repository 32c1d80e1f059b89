/**
 * The embedded SQLite store (`patchbay/store/sqlite`).
 *
 * @example
 * ```ts
 * import { openSqliteStore } from 'patchbay/store/sqlite';
 * const store = await openSqliteStore({ path: '.patchbay/state.db' });
 * ```
 */
export { openSqliteStore, type SqliteStore, type SqliteStoreOptions } from './open.js';
export type { GroupCommitStats } from './group-commit.js';
