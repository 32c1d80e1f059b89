/**
 * Identifier rules. Table and column names come from config (and, in the
 * sink, from record fields), so they are validated against a strict pattern
 * and then quoted: a name can never smuggle SQL in. Values are always
 * parameters.
 */
import { configError } from '../../core/errors.js';
import type { Dialect } from './types.js';

const PART = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * True when `name` is a plain identifier (letters, digits, underscore; not starting with a digit; at most 63 characters).
 *
 * @example
 * ```ts
 * isIdentifier('updated_at'); // true
 * isIdentifier('x; DROP TABLE t'); // false
 * ```
 */
export function isIdentifier(name: string): boolean {
  return PART.test(name);
}

/**
 * True for `table` or `schema.table` made of plain identifiers.
 *
 * @example
 * ```ts
 * isQualifiedName('hr.employees'); // true
 * ```
 */
export function isQualifiedName(name: string): boolean {
  const parts = name.split('.');
  return parts.length <= 2 && parts.every(isIdentifier);
}

/**
 * Quotes a validated (optionally schema-qualified) name for a dialect; throws a `config` error for anything else.
 *
 * @example
 * ```ts
 * quoteName(postgres, 'hr.employees', 'sql-extract', 'table'); // "hr"."employees"
 * ```
 */
export function quoteName(dialect: Dialect, name: string, subject: string, field: string): string {
  if (!isQualifiedName(name)) {
    throw configError(subject, field, 'a plain identifier such as employees or hr.employees', {
      code: 'BAD_IDENTIFIER',
    });
  }
  return name
    .split('.')
    .map((p) => dialect.quoteIdent(p))
    .join('.');
}
