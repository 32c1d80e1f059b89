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
        status TEXT NOT NULL,
        hub_id TEXT NOT NULL
      );
      -- Reference data from the document share's hubs list.
      CREATE TABLE IF NOT EXISTS hubs (
        hub_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        city TEXT NOT NULL,
        erp_plant TEXT NOT NULL
      );
      -- Where each load is, from the dispatch system's events (the newest event wins).
      CREATE TABLE IF NOT EXISTS load_status (
        load_no TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        event_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        customer_email TEXT NOT NULL
      );
      -- Every write to load_status, so a duplicate or out-of-order event applied would show.
      CREATE TABLE IF NOT EXISTS load_status_history (
        n INTEGER PRIMARY KEY AUTOINCREMENT,
        load_no TEXT NOT NULL,
        status TEXT NOT NULL,
        event_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL
      );
      CREATE TRIGGER IF NOT EXISTS load_status_inserted AFTER INSERT ON load_status BEGIN
        INSERT INTO load_status_history (load_no, status, event_id, occurred_at)
        VALUES (NEW.load_no, NEW.status, NEW.event_id, NEW.occurred_at);
      END;
      CREATE TRIGGER IF NOT EXISTS load_status_updated AFTER UPDATE ON load_status BEGIN
        INSERT INTO load_status_history (load_no, status, event_id, occurred_at)
        VALUES (NEW.load_no, NEW.status, NEW.event_id, NEW.occurred_at);
      END;
      -- The transactional outbox: a delivered load queues its customer notification in the
      -- same transaction that records the delivery; one notification per load.
      CREATE TABLE IF NOT EXISTS notification_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        load_no TEXT NOT NULL UNIQUE,
        customer_email TEXT NOT NULL,
        delivered_at TEXT NOT NULL
      );
      CREATE TRIGGER IF NOT EXISTS load_delivered_new AFTER INSERT ON load_status
      WHEN NEW.status = 'delivered' BEGIN
        INSERT OR IGNORE INTO notification_outbox (load_no, customer_email, delivered_at)
        VALUES (NEW.load_no, NEW.customer_email, NEW.occurred_at);
      END;
      CREATE TRIGGER IF NOT EXISTS load_delivered AFTER UPDATE ON load_status
      WHEN NEW.status = 'delivered' BEGIN
        INSERT OR IGNORE INTO notification_outbox (load_no, customer_email, delivered_at)
        VALUES (NEW.load_no, NEW.customer_email, NEW.occurred_at);
      END;
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
