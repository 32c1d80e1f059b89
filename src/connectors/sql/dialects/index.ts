/** The SQL dialects behind one small interface. */
import type { Dialect, DialectName } from '../types.js';
import { mysql } from './mysql.js';
import { postgres } from './postgres.js';
import { sqlite } from './sqlite.js';

export { mysql, postgres, sqlite };

/**
 * The dialect for a name.
 *
 * @example
 * ```ts
 * dialectFor('postgres').quoteIdent('order'); // "order"
 * ```
 */
export function dialectFor(name: DialectName): Dialect {
  return name === 'postgres' ? postgres : name === 'mysql' ? mysql : sqlite;
}
