/**
 * PostgreSQL through `pg` (an optional peer dependency). Extract sessions
 * are read-only for every transaction (`SET SESSION CHARACTERISTICS AS
 * TRANSACTION READ ONLY`) and carry a server-side `statement_timeout`.
 * Timestamps and dates come back as the server's text so watermarks keep
 * their microseconds (a JS Date would drop them and repeat rows at page
 * boundaries).
 */
import type { Dialect, Row, SqlConnection } from '../types.js';
import { loadDriver } from '../load-driver.js';
import { onConflictUpsert } from './on-conflict.js';

const TEXT_TYPES = new Set([1082, 1114, 1184]); // date, timestamp, timestamptz

const quoteIdent = (part: string) => `"${part.replace(/"/g, '""')}"`;
const param = (n: number) => `$${n}`;

/**
 * The PostgreSQL dialect.
 *
 * @example
 * ```ts
 * const conn = await postgres.connect({ host: '127.0.0.1', user: 'postgres', database: 'test', readOnly: true, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
 * ```
 */
export const postgres: Dialect = {
  name: 'postgres',
  quoteIdent,
  param,
  maxParams: 65_535,
  lockSuffix: ' FOR UPDATE',
  upsert: (spec) => onConflictUpsert(quoteIdent, param, spec),
  async connect(options): Promise<SqlConnection> {
    const pg = (await loadDriver('pg', () => import('pg'))).default;
    const client = new pg.Client({
      ...(options.connectionString
        ? { connectionString: options.connectionString }
        : {
            host: options.host,
            port: options.port ?? 5432,
            database: options.database,
            user: options.user,
            password: options.password,
          }),
      connectionTimeoutMillis: options.connectTimeoutMs,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          TEXT_TYPES.has(oid)
            ? (value: string) => value
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection that drops emits 'error'; without a listener it would crash the process.
    client.on('error', () => undefined);
    await client.connect();
    try {
      if (options.statementTimeoutMs > 0) {
        await client.query(`SET statement_timeout = ${Math.floor(options.statementTimeoutMs)}`);
      }
      if (options.readOnly)
        await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    const query = async (sql: string, params: readonly unknown[] = []) =>
      client.query(sql, params as unknown[]);
    return {
      async query(sql, params) {
        return (await query(sql, params)).rows as Row[];
      },
      async run(sql, params) {
        return (await query(sql, params)).rowCount ?? 0;
      },
      async transaction(fn) {
        await client.query('BEGIN');
        try {
          const result = await fn();
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      },
      close: () => client.end(),
    };
  },
};
