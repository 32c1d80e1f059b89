/**
 * `INSERT ... ON CONFLICT` upserts, shared by PostgreSQL and SQLite (same syntax).
 */
import type { Statement, UpsertSpec } from '../types.js';

/**
 * Builds a multi-row `INSERT ... ON CONFLICT (key) DO UPDATE/NOTHING`.
 * Last-write-wins updates only when the incoming version is newer (or the
 * stored one is NULL), so replaying an old record changes nothing.
 *
 * @example
 * ```ts
 * onConflictUpsert(q, (n) => `$${n}`, { table: '"t"', columns: ['id', 'v'], keyColumns: ['id'], rows: [[1, 2]], mode: { kind: 'overwrite' } });
 * ```
 */
export function onConflictUpsert(
  quote: (part: string) => string,
  param: (n: number) => string,
  spec: UpsertSpec,
): Statement {
  const params: unknown[] = [];
  const tuples = spec.rows.map((row) => {
    const slots = row.map((value) => {
      params.push(value);
      return param(params.length);
    });
    return `(${slots.join(', ')})`;
  });
  const cols = spec.columns.map(quote).join(', ');
  const keys = spec.keyColumns.map(quote).join(', ');
  const updatable = spec.columns.filter((c) => !spec.keyColumns.includes(c));
  let action: string;
  if (spec.mode.kind === 'first-write-wins' || updatable.length === 0) {
    action = 'DO NOTHING';
  } else {
    const sets = updatable.map((c) => `${quote(c)} = excluded.${quote(c)}`).join(', ');
    action = `DO UPDATE SET ${sets}`;
    if (spec.mode.kind === 'last-write-wins') {
      const v = quote(spec.mode.versionColumn);
      action += ` WHERE ${spec.table}.${v} IS NULL OR ${spec.table}.${v} < excluded.${v}`;
    }
  }
  return {
    sql: `INSERT INTO ${spec.table} (${cols}) VALUES ${tuples.join(', ')} ON CONFLICT (${keys}) ${action}`,
    params,
  };
}
