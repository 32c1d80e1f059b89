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
 */
import Database from 'better-sqlite3';

export interface HrReplicaStats {
  rows: number;
  /** Ids of rows with an impossible date: expected in the reject ledger. */
  badDates: number[];
  /** Ids of rows with an unknown licence class: expected as dead letters. */
  badClasses: number[];
}

export interface HrReplica {
  file: string;
  /** Chaos: inserts two rows of each kind of bad data. */
  insertBadRows(): void;
  stats(): HrReplicaStats;
  close(): void;
}

const FIRST = ['Anna', 'Ben', 'Cem', 'Dana', 'Emil', 'Fatma', 'Gustav', 'Hanna', 'Ivo', 'Jana'];
const LAST = ['Albers', 'Brandt', 'Celik', 'Dahl', 'Ernst', 'Fischer', 'Gross', 'Hahn'];
const DEPOTS = ['HAM-1', 'HAM-2', 'BRE-1', 'HAN-1'];
const CLASSES = ['C', 'CE', 'C1E', 'CE'];

export function startHrReplica(file: string): HrReplica {
  const db = new Database(file);
  // WAL lets Patchbay's read-only session read while the HR system writes.
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS drivers (
      id INTEGER PRIMARY KEY,
      employee_no TEXT NOT NULL,
      full_name TEXT NOT NULL,
      license_class TEXT NOT NULL,
      license_expiry TEXT NOT NULL,
      home_depot TEXT,
      status TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS drivers_watermark ON drivers (updated_at, id);`);
  const insert = db.prepare(
    `INSERT INTO drivers (employee_no, full_name, license_class, license_expiry, home_depot, status, updated_at)
     VALUES (@employee_no, @full_name, @license_class, @license_expiry, @home_depot, @status, @updated_at)`,
  );
  const touch = db.prepare(
    'UPDATE drivers SET home_depot = ?, status = ?, updated_at = ? WHERE id = ?',
  );
  const count = db.prepare('SELECT COUNT(*) AS n FROM drivers');
  const badDates: number[] = [];
  const badClasses: number[] = [];
  let n = 0;

  const hire = (overrides: Record<string, string> = {}): number => {
    n++;
    const row = {
      employee_no: ` e${String(1000 + n)} `, // HR pads and lower-cases; the mapping cleans it
      full_name: `${FIRST[n % FIRST.length]} ${LAST[n % LAST.length]}`,
      license_class: CLASSES[n % CLASSES.length]!,
      license_expiry: `20${27 + (n % 5)}${String(1 + (n % 12)).padStart(2, '0')}15`,
      home_depot: n % 7 === 0 ? '' : DEPOTS[n % DEPOTS.length]!, // "" means unknown
      status: 'A',
      updated_at: Date.now(),
      ...overrides,
    };
    return Number(insert.run(row).lastInsertRowid);
  };

  db.transaction(() => {
    for (let i = 0; i < 40; i++) hire();
  })();

  // The HR system at work: a depot move every second, a new hire every three.
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
    const id = 1 + Math.floor(Math.random() * n);
    const status = Math.random() < 0.1 ? 'I' : 'A';
    // Bad rows stay as they are: HR fixes them by hand, not by the next depot move.
    if (!badDates.includes(id) && !badClasses.includes(id)) {
      touch.run(DEPOTS[ticks % DEPOTS.length], status, Date.now(), id);
    }
    if (ticks % 3 === 0) hire();
  }, 1000);

  return {
    file,
    insertBadRows() {
      badDates.push(hire({ license_expiry: '20261341' }), hire({ license_expiry: '20270230' }));
      badClasses.push(hire({ license_class: 'X9' }), hire({ license_class: 'B7' }));
    },
    stats: () => ({
      rows: (count.get() as { n: number }).n,
      badDates: [...badDates],
      badClasses: [...badClasses],
    }),
    close() {
      clearInterval(timer);
      db.close();
    },
  };
}
