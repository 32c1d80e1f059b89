/**
 * Driver errors → Patchbay errors. `classify()` knows pg SQLSTATEs and the
 * common mysql2 codes; MariaDB's statement-timeout code is added here.
 */
import { classify } from '../../core/classify.js';
import { PatchbayError } from '../../core/errors.js';

const EXTRA_TIMEOUT_CODES = new Set(['ER_STATEMENT_TIMEOUT']);
// mysql2 has no name for MariaDB's 1969 (max_statement_time exceeded) nor MySQL's 3024: match the number.
const TIMEOUT_ERRNOS = new Set([1969, 3024]);

/**
 * Classifies anything a SQL driver threw.
 *
 * @example
 * ```ts
 * try { await conn.query('SELECT pg_sleep(10)'); } catch (err) { throw sqlError(err); } // kind 'timeout'
 * ```
 */
export function sqlError(err: unknown): PatchbayError {
  const { code, errno } = (err ?? {}) as { code?: unknown; errno?: unknown };
  if (
    (typeof code === 'string' && EXTRA_TIMEOUT_CODES.has(code)) ||
    (typeof errno === 'number' && TIMEOUT_ERRNOS.has(errno))
  ) {
    return new PatchbayError('timeout', (err as Error).message, {
      code: typeof code === 'string' ? code : `MYSQL_${String(errno)}`,
      cause: err,
    });
  }
  return classify(err);
}
