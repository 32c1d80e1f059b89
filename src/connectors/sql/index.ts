/**
 * `patchbay/sql`: SQL extract (PostgreSQL, MySQL/MariaDB, SQLite) and SQL
 * upsert sink, with the conflict queue behind `patchbay conflicts`.
 * The `pg` and `mysql2` drivers are optional peer dependencies, loaded on first use.
 */
export {
  sqlExtract,
  sqlExtractConfig,
  type SqlExtractConfig,
  type SqlWatermark,
} from './extract-source.js';
export { sqlUpsert, sqlUpsertConfig, type SqlUpsertConfig } from './upsert-sink.js';
export { ConflictQueue, type Conflict, type Resolution } from './conflicts.js';
export { dialectFor, postgres, mysql, sqlite } from './dialects/index.js';
export type { Dialect, DialectName, SqlConnection, ConnectOptions, Row } from './types.js';
