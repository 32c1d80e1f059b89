/**
 * The HR database, simulated as the read replica the customer gives us: an
 * SQLite file with a `drivers` table. The "HR system" seeds it and keeps
 * changing it while the demo runs (new hires, depot moves); Patchbay only
 * ever reads it. Dates are SAP style (YYYYMMDD), as the customer's HR
 * export writes them.
 *
 * Chaos adds bad rows a real HR system produces: an impossible expiry date
 * (the mapping rejects it) and a licence class the warehouse refuses (a
 * dead letter, because it only fails at the sink).
 *
 * `--hr-db postgres|mariadb` puts the replica on the machine's PostgreSQL
 * (127.0.0.1:5432, user postgres, database test) or MariaDB (127.0.0.1:3306,
 * root, database test) instead, in a table of its own for this run
 * (`demo_drivers_<random>`, dropped when the demo stops).
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';

export type HrDbKind = 'sqlite' | 'postgres' | 'mariadb';

export interface HrReplicaStats {
  rows: number;
  /** Ids of rows with an impossible date: expected in the reject ledger. */
  badDates: number[];
  /** Ids of rows with an unknown licence class: expected as dead letters. */
  badClasses: number[];
}

export interface HrReplica {
  kind: HrDbKind;
  /** Where it is, for people: a file or a database URL and table. */
  where: string;
  /** What the project reads to find it (DEMO_HR_*). */
  env: Record<string, string>;
  /** Chaos: inserts two rows of each kind of bad data. */
  insertBadRows(): void;
  stats(): HrReplicaStats;
  /** Every row's id and version now (the test compares the warehouse against it). */
  snapshot(): Promise<Array<{ id: number; updated_at: number }>>;
  close(): Promise<void>;
}

const FIRST = ['Anna', 'Ben', 'Cem', 'Dana', 'Emil', 'Fatma', 'Gustav', 'Hanna', 'Ivo', 'Jana'];
const LAST = ['Albers', 'Brandt', 'Celik', 'Dahl', 'Ernst', 'Fischer', 'Gross', 'Hahn'];
const DEPOTS = ['HAM-1', 'HAM-2', 'BRE-1', 'HAN-1'];
const CLASSES = ['C', 'CE', 'C1E', 'CE'];

type Row = Record<string, string | number>;
const COLUMNS = [
  'employee_no',
  'full_name',
  'license_class',
  'license_expiry',
  'home_depot',
  'status',
  'updated_at',
];

/** The few statements the HR system runs, per database. */
interface ReplicaDb {
  where: string;
  table: string;
  insert(row: Row): Promise<number>;
  touch(depot: string, status: string, at: number, id: number): Promise<void>;
  versions(): Promise<Array<{ id: number; updated_at: number }>>;
  close(): Promise<void>;
}

function columnsSql(id: string, text: string, bigint: string): string {
  return `id ${id},
      employee_no ${text} NOT NULL,
      full_name ${text} NOT NULL,
      license_class ${text} NOT NULL,
      license_expiry ${text} NOT NULL,
      home_depot ${text},
      status ${text} NOT NULL,
      updated_at ${bigint} NOT NULL`;
}

function openSqlite(file: string): ReplicaDb {
  const db = new Database(file);
  // WAL lets Patchbay's read-only session read while the HR system writes.
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS drivers (${columnsSql('INTEGER PRIMARY KEY', 'TEXT', 'INTEGER')});
    CREATE INDEX IF NOT EXISTS drivers_watermark ON drivers (updated_at, id);`);
  const insert = db.prepare(
    `INSERT INTO drivers (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`,
  );
  const touch = db.prepare(
    'UPDATE drivers SET home_depot = ?, status = ?, updated_at = ? WHERE id = ?',
  );
  const versions = db.prepare('SELECT id, updated_at FROM drivers ORDER BY id');
  return {
    where: file,
    table: 'drivers',
    insert: async (row) => Number(insert.run(row).lastInsertRowid),
    touch: async (depot, status, at, id) => void touch.run(depot, status, at, id),
    versions: async () => versions.all() as Array<{ id: number; updated_at: number }>,
    close: async () => void db.close(),
  };
}

async function openPostgres(table: string): Promise<ReplicaDb> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    database: 'test',
  });
  await client.connect();
  await client.query(
    `CREATE TABLE ${table} (${columnsSql('SERIAL PRIMARY KEY', 'TEXT', 'BIGINT')});
     CREATE INDEX ${table}_watermark ON ${table} (updated_at, id);`,
  );
  return {
    where: `postgres://postgres@127.0.0.1:5432/test, table ${table}`,
    table,
    async insert(row) {
      const values = COLUMNS.map((c) => row[c]);
      const res = await client.query<{ id: number }>(
        `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        values,
      );
      return Number(res.rows[0]!.id);
    },
    async touch(depot, status, at, id) {
      await client.query(
        `UPDATE ${table} SET home_depot = $1, status = $2, updated_at = $3 WHERE id = $4`,
        [depot, status, at, id],
      );
    },
    async versions() {
      const res = await client.query<{ id: number; updated_at: string }>(
        `SELECT id, updated_at FROM ${table} ORDER BY id`,
      );
      return res.rows.map((r) => ({ id: Number(r.id), updated_at: Number(r.updated_at) }));
    },
    async close() {
      await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await client.end();
    },
  };
}

async function openMariadb(table: string): Promise<ReplicaDb> {
  const mysql = await import('mysql2/promise');
  const conn = await mysql.createConnection({
    host: '127.0.0.1',
    port: 3306,
    user: 'root',
    database: 'test',
  });
  await conn.query(
    `CREATE TABLE ${table} (${columnsSql('INT AUTO_INCREMENT PRIMARY KEY', 'VARCHAR(100)', 'BIGINT')},
       INDEX ${table}_watermark (updated_at, id))`,
  );
  return {
    where: `mysql://root@127.0.0.1:3306/test, table ${table}`,
    table,
    async insert(row) {
      const [res] = await conn.query(
        `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
        COLUMNS.map((c) => row[c]),
      );
      return (res as { insertId: number }).insertId;
    },
    async touch(depot, status, at, id) {
      await conn.query(
        `UPDATE ${table} SET home_depot = ?, status = ?, updated_at = ? WHERE id = ?`,
        [depot, status, at, id],
      );
    },
    async versions() {
      const [rows] = await conn.query(`SELECT id, updated_at FROM ${table} ORDER BY id`);
      return (rows as Array<{ id: number; updated_at: number | string }>).map((r) => ({
        id: Number(r.id),
        updated_at: Number(r.updated_at),
      }));
    },
    async close() {
      await conn.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await conn.end();
    },
  };
}

export async function startHrReplica(options: {
  kind: HrDbKind;
  /** The SQLite file (sqlite only). */
  file: string;
}): Promise<HrReplica> {
  const table = `demo_drivers_${randomBytes(4).toString('hex')}`;
  const db =
    options.kind === 'postgres'
      ? await openPostgres(table)
      : options.kind === 'mariadb'
        ? await openMariadb(table)
        : openSqlite(options.file);
  const badDates: number[] = [];
  const badClasses: number[] = [];
  let n = 0;
  // One statement at a time, in order, like the single HR application writing it.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const hire = (overrides: Row = {}): Promise<number> => {
    n++;
    const row: Row = {
      employee_no: ` e${String(1000 + n)} `, // HR pads and lower-cases; the mapping cleans it
      full_name: `${FIRST[n % FIRST.length]} ${LAST[n % LAST.length]}`,
      license_class: CLASSES[n % CLASSES.length]!,
      license_expiry: `20${27 + (n % 5)}${String(1 + (n % 12)).padStart(2, '0')}15`,
      home_depot: n % 7 === 0 ? '' : DEPOTS[n % DEPOTS.length]!, // "" means unknown
      status: 'A',
      updated_at: Date.now(),
      ...overrides,
    };
    return serial(() => db.insert(row));
  };

  for (let i = 0; i < 40; i++) void hire();
  await queue;

  // The HR system at work: a depot move every second, a new hire every three.
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    const id = 1 + Math.floor(Math.random() * n);
    const status = Math.random() < 0.1 ? 'I' : 'A';
    // Bad rows stay as they are: HR fixes them by hand, not by the next depot move.
    if (!badDates.includes(id) && !badClasses.includes(id)) {
      const depot = DEPOTS[ticks % DEPOTS.length]!;
      void serial(() => db.touch(depot, status, Date.now(), id));
    }
    if (ticks % 3 === 0) void hire();
  }, 1000);

  return {
    kind: options.kind,
    where: db.where,
    env: {
      DEMO_HR_DB: options.kind,
      DEMO_HR_REPLICA: options.file,
      DEMO_HR_TABLE: db.table,
    },
    insertBadRows() {
      void (async () => {
        badDates.push(
          await hire({ license_expiry: '20261341' }),
          await hire({ license_expiry: '20270230' }),
        );
        badClasses.push(await hire({ license_class: 'X9' }), await hire({ license_class: 'B7' }));
      })();
    },
    stats: () => ({ rows: n, badDates: [...badDates], badClasses: [...badClasses] }),
    snapshot: () => serial(() => db.versions()),
    async close() {
      clearInterval(timer);
      await queue;
      await db.close();
    },
  };
}
