/**
 * SQLite through better-sqlite3. Extract sessions open the file read-only
 * and set `PRAGMA query_only`. better-sqlite3 runs statements synchronously
 * on the calling thread, so no statement timeout can interrupt one: the
 * timeout becomes the busy timeout (how long to wait for a lock), and
 * extracts rely on LIMIT-ed keyset pages to keep each statement short.
 */
import Database from 'better-sqlite3';
import type { Dialect, Row, SqlConnection } from '../types.js';
import { onConflictUpsert } from './on-conflict.js';

const quoteIdent = (part: string) => `"${part.replace(/"/g, '""')}"`;
const param = () => '?';

// SQLite binds neither booleans nor objects: store them as 1/0 and JSON text.
function bindable(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return JSON.stringify(value);
  }
  return value;
}

/**
 * The SQLite dialect.
 *
 * @example
 * ```ts
 * const conn = await sqlite.connect({ host: '', file: 'hr.db', readOnly: true, statementTimeoutMs: 5000, connectTimeoutMs: 0 });
 * ```
 */
export const sqlite: Dialect = {
  name: 'sqlite',
  quoteIdent,
  param,
  maxParams: 32_766,
  lockSuffix: '',
  upsert: (spec) => onConflictUpsert(quoteIdent, param, spec),
  async connect(options): Promise<SqlConnection> {
    if (!options.file) throw new Error('sqlite needs a file');
    const db = new Database(options.file, {
      readonly: options.readOnly,
      fileMustExist: options.readOnly,
      timeout: options.statementTimeoutMs || 5000,
    });
    if (options.readOnly) db.pragma('query_only = ON');
    // Sinks send the same multi-row INSERT text batch after batch; compiling a 500-row
    // statement costs about as much as running it, so recent statements are kept.
    const cache = new Map<string, Database.Statement>();
    const prepare = (sql: string) => {
      let stmt = cache.get(sql);
      if (stmt) return stmt;
      stmt = db.prepare(sql);
      if (cache.size >= 32) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
      return stmt;
    };
    return {
      async query(sql, params = []) {
        const stmt = prepare(sql);
        const args = params.map(bindable);
        if (stmt.reader) return stmt.all(...args) as Row[];
        stmt.run(...args);
        return [];
      },
      async run(sql, params = []) {
        return prepare(sql).run(...params.map(bindable)).changes;
      },
      async transaction(fn) {
        // IMMEDIATE takes the write lock up front, so read-then-write decisions cannot race.
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn();
          db.exec('COMMIT');
          return result;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        }
      },
      async close() {
        db.close();
      },
    };
  },
};
