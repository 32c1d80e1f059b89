/**
 * MySQL and MariaDB through `mysql2` (an optional peer dependency). Extract
 * sessions run `SET SESSION TRANSACTION READ ONLY` and a statement timeout
 * (`max_statement_time` on MariaDB, `max_execution_time` on MySQL, which
 * covers SELECTs only). Dates come back as strings (`dateStrings`) so
 * watermarks keep their fractional seconds and time zone is never guessed.
 */
import type { Dialect, Row, SqlConnection, Statement, UpsertSpec } from '../types.js';
import { loadDriver } from '../load-driver.js';

const quoteIdent = (part: string) => `\`${part.replace(/`/g, '``')}\``;

function upsert(spec: UpsertSpec): Statement {
  const params: unknown[] = [];
  const tuples = spec.rows.map((row) => {
    params.push(...row);
    return `(${row.map(() => '?').join(', ')})`;
  });
  const cols = spec.columns.map(quoteIdent).join(', ');
  const updatable = spec.columns.filter((c) => !spec.keyColumns.includes(c));
  let update: string;
  if (spec.mode.kind === 'first-write-wins' || updatable.length === 0) {
    // A no-op assignment instead of INSERT IGNORE, which would also swallow unrelated errors.
    const k = quoteIdent(spec.keyColumns[0]!);
    update = `${k} = ${k}`;
  } else if (spec.mode.kind === 'last-write-wins') {
    const version = spec.mode.versionColumn;
    const v = quoteIdent(version);
    const newer = `(${v} IS NULL OR VALUES(${v}) > ${v})`;
    // MySQL assigns left to right and later expressions see earlier results:
    // the version column goes last so every condition reads the stored version.
    const ordered = [
      ...updatable.filter((c) => c !== version),
      ...updatable.filter((c) => c === version),
    ];
    update = ordered
      .map((c) => `${quoteIdent(c)} = IF(${newer}, VALUES(${quoteIdent(c)}), ${quoteIdent(c)})`)
      .join(', ');
  } else {
    update = updatable.map((c) => `${quoteIdent(c)} = VALUES(${quoteIdent(c)})`).join(', ');
  }
  return {
    sql: `INSERT INTO ${spec.table} (${cols}) VALUES ${tuples.join(', ')} ON DUPLICATE KEY UPDATE ${update}`,
    params,
  };
}

/**
 * The MySQL / MariaDB dialect.
 *
 * @example
 * ```ts
 * const conn = await mysql.connect({ host: '127.0.0.1', user: 'root', database: 'test', readOnly: true, statementTimeoutMs: 30_000, connectTimeoutMs: 10_000 });
 * ```
 */
export const mysql: Dialect = {
  name: 'mysql',
  quoteIdent,
  param: () => '?',
  maxParams: 65_535,
  lockSuffix: ' FOR UPDATE',
  upsert,
  async connect(options): Promise<SqlConnection> {
    const driver = (await loadDriver('mysql2', () => import('mysql2/promise'))).default;
    const conn = await driver.createConnection({
      ...(options.connectionString
        ? { uri: options.connectionString }
        : {
            host: options.host,
            port: options.port ?? 3306,
            database: options.database,
            user: options.user,
            password: options.password,
          }),
      connectTimeout: options.connectTimeoutMs,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      multipleStatements: false,
    });
    conn.on('error', () => undefined);
    try {
      const [versionRows] = await conn.query('SELECT VERSION() AS v');
      const mariadb = /mariadb/i.test(String((versionRows as Row[])[0]?.['v'] ?? ''));
      if (options.statementTimeoutMs > 0) {
        await conn.query(
          mariadb
            ? `SET SESSION max_statement_time = ${options.statementTimeoutMs / 1000}`
            : `SET SESSION max_execution_time = ${Math.floor(options.statementTimeoutMs)}`,
        );
      }
      if (options.readOnly) await conn.query('SET SESSION TRANSACTION READ ONLY');
    } catch (err) {
      await conn.end().catch(() => undefined);
      throw err;
    }
    return {
      async query(sql, params = []) {
        const [rows] = await conn.query(sql, params as unknown[]);
        return Array.isArray(rows) ? (rows as Row[]) : [];
      },
      async run(sql, params = []) {
        const [result] = await conn.query(sql, params as unknown[]);
        return (result as { affectedRows?: number }).affectedRows ?? 0;
      },
      async transaction(fn) {
        await conn.query('START TRANSACTION');
        try {
          const result = await fn();
          await conn.query('COMMIT');
          return result;
        } catch (err) {
          await conn.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      },
      close: () => conn.end(),
    };
  },
};
