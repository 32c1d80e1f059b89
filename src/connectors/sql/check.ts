/**
 * `patchbay check` for the SQL extract: the DBA agreed to a read-only
 * replica account, so a role that can write is reported as a warning even
 * though every extract session is read-only anyway.
 */
import { access, constants } from 'node:fs/promises';
import type { ConnectionCheck, ConnectorContext } from '../../core/connector.js';
import type { GuardedConnection } from './connection.js';

type Ctx = Pick<ConnectorContext, 'guard' | 'recordCall' | 'signal'>;

const MYSQL_GRANTEE = `CONCAT("'", SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "'@'", SUBSTRING_INDEX(CURRENT_USER(), '@', -1), "'")`;
const WRITE_PRIVS = `('INSERT', 'UPDATE', 'DELETE', 'ALL PRIVILEGES')`;

/** Whether the configured role could write, and why; `undefined` when it cannot. */
async function writeCapability(
  db: GuardedConnection,
  ctx: Ctx,
  table: string | undefined,
  file: string | undefined,
): Promise<string | undefined> {
  if (db.dialect.name === 'sqlite') {
    const writable = await access(file ?? '', constants.W_OK).then(
      () => true,
      () => false,
    );
    return writable ? `the file ${file} is writable by this process` : undefined;
  }
  if (db.dialect.name === 'postgres') {
    const [row] = await db.call(ctx, 'CHECK', (c) =>
      c.query(
        `SELECT pg_is_in_recovery() AS replica,
                (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
                ${table ? `has_table_privilege(current_user, $1, 'INSERT, UPDATE, DELETE, TRUNCATE')` : 'false'} AS can_write,
                current_user AS role`,
        table ? [table] : [],
      ),
    );
    if (!row || row['replica'] === true) return undefined;
    if (row['superuser'] === true) return `role ${String(row['role'])} is a superuser`;
    if (row['can_write'] === true) return `role ${String(row['role'])} may write to ${table}`;
    return undefined;
  }
  const [row] = await db.call(ctx, 'CHECK', (c) =>
    c.query(
      `SELECT @@global.read_only AS ro, CURRENT_USER() AS role,
         (SELECT COUNT(*) FROM information_schema.user_privileges
            WHERE grantee = ${MYSQL_GRANTEE} AND privilege_type IN ${WRITE_PRIVS})
       + (SELECT COUNT(*) FROM information_schema.schema_privileges
            WHERE grantee = ${MYSQL_GRANTEE} AND table_schema = DATABASE() AND privilege_type IN ${WRITE_PRIVS})
       + (SELECT COUNT(*) FROM information_schema.table_privileges
            WHERE grantee = ${MYSQL_GRANTEE} AND table_schema = DATABASE() AND privilege_type IN ${WRITE_PRIVS}) AS grants`,
    ),
  );
  if (!row || Number(row['ro']) === 1) return undefined;
  return Number(row['grants']) > 0
    ? `user ${String(row['role'])} holds write privileges`
    : undefined;
}

/**
 * The extract's connection test: connects, runs `SELECT 1` in the read-only
 * session, and warns (in `detail`, `ok` stays true) when the role could write.
 *
 * @example
 * ```ts
 * const result = await checkExtract(db, ctx, 'hr.employees', undefined);
 * // { ok: true, detail: 'warning: role app may write to hr.employees; ...' }
 * ```
 */
export async function checkExtract(
  db: GuardedConnection,
  ctx: Ctx,
  table: string | undefined,
  file: string | undefined,
): Promise<ConnectionCheck> {
  await db.call(ctx, 'CHECK', (c) => c.query('SELECT 1 AS ok'));
  const writer = await writeCapability(db, ctx, table, file);
  return writer
    ? {
        ok: true,
        detail: `warning: ${writer}; extracts run read-only regardless, but ask the DBA for a read-only role`,
      }
    : { ok: true, detail: `${db.target}: read-only session, role cannot write` };
}
