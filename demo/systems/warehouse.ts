/**
 * Our side of the engagement: the warehouse the integrations load into, an
 * SQLite file. In a real deployment its tables come from the platform's
 * migrations; here the launcher creates them before the runtime starts,
 * because `sql-upsert` writes rows, it does not own the schema.
 */
import Database from 'better-sqlite3';

export function createWarehouse(file: string): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS gps_positions (
        position_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        vehicle_id TEXT NOT NULL,
        lat REAL NOT NULL,
        lon REAL NOT NULL,
        speed_kmh INTEGER,
        recorded_at TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS loads (
        load_no TEXT PRIMARY KEY,
        customer_no TEXT NOT NULL,
        pickup_on TEXT NOT NULL,
        delivered_on TEXT,
        weight_kg INTEGER NOT NULL,
        freight_eur TEXT NOT NULL,
        status TEXT NOT NULL
      );
      -- The licence classes a truck driver may hold; anything else is bad HR data.
      CREATE TABLE IF NOT EXISTS drivers (
        driver_id INTEGER PRIMARY KEY,
        employee_no TEXT NOT NULL,
        full_name TEXT NOT NULL,
        license_class TEXT NOT NULL CHECK (license_class IN ('C', 'C1E', 'CE', 'D', 'DE')),
        license_expires_on TEXT NOT NULL,
        home_depot TEXT,
        status TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );`);
  } finally {
    db.close();
  }
}
