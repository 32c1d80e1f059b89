/**
 * The sink side of a reconcile: apply one range tombstone. The target's keys
 * inside the range are read (keyset pages, never OFFSET) and those the
 * source no longer has are deleted — or soft-deleted — by key. Keys the
 * target orders differently from the source are only ever spared, never
 * wrongly deleted: a key is removed only when {@link inRange} agrees.
 */
import { keyBound, inRange, type RangeTombstone } from './reconcile.js';
import type { SqlConnection } from './types.js';
import type { UpsertWriter } from './writer.js';

/**
 * Applies a tombstone inside the caller's transaction; returns the rows deleted or stamped.
 *
 * @example
 * ```ts
 * const removed = await conn.transaction(() => applyTombstone(conn, writer, tombstone));
 * ```
 */
export async function applyTombstone(
  conn: SqlConnection,
  writer: UpsertWriter,
  t: RangeTombstone,
): Promise<number> {
  const d = writer.dialect;
  const cols = writer.keys.map((c) => d.quoteIdent(c));
  const soft = writer.cfg.softDeleteColumn;
  const id = (key: readonly unknown[]) => JSON.stringify(key.map(String));
  const present = new Set(t.keys.map(id));
  const missing: { key: string }[] = [];
  const limit = writer.cfg.batchSize;
  let cursor: unknown[] | undefined;
  for (;;) {
    const params: unknown[] = [];
    const where: string[] = [];
    if (t.after) where.push(keyBound(d, cols, t.after, '>', params));
    if (t.through) where.push(keyBound(d, cols, t.through, '<=', params));
    if (cursor) where.push(keyBound(d, cols, cursor, '>', params));
    // Rows already soft-deleted stay as they are: a reconcile changes nothing else.
    if (soft) where.push(`${d.quoteIdent(soft)} IS NULL`);
    const rows = await conn.query(
      `SELECT ${cols.join(', ')} FROM ${writer.table}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${cols.map((c) => `${c} ASC`).join(', ')} LIMIT ${limit}`,
      params,
    );
    for (const row of rows) {
      const key = writer.keys.map((c) => row[c]);
      if (inRange(key, t) && !present.has(id(key))) missing.push({ key: id(key) });
    }
    if (rows.length < limit) break;
    const last = rows[rows.length - 1]!;
    cursor = writer.keys.map((c) => last[c]);
  }
  return missing.length > 0 ? writer.remove(conn, missing) : 0;
}
