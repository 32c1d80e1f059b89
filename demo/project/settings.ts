/**
 * Where this deployment's systems are. Read from the environment, as a real
 * deployment reads them; the defaults are the demo's own files, so
 * `patchbay status`, `check` and `registry` work without the demo running.
 * `demo/start.ts` sets every variable to the simulated systems it started.
 */
import { fileURLToPath } from 'node:url';

const env = process.env;

/** The folder holding the state store, the warehouse and the HR replica. */
export const stateDir =
  env['DEMO_STATE_DIR'] ?? fileURLToPath(new URL('./.patchbay', import.meta.url));

export const gpsUrl = env['DEMO_GPS_URL'] ?? 'http://127.0.0.1:9481';
export const hrReplicaFile = env['DEMO_HR_REPLICA'] ?? `${stateDir}/hr-replica.db`;
export const warehouseFile = env['DEMO_WAREHOUSE'] ?? `${stateDir}/warehouse.db`;
export const erpDrop = env['DEMO_ERP_DROP'] ?? `${stateDir}/erp-drop`;
export const erpArchive = env['DEMO_ERP_ARCHIVE'] ?? `${stateDir}/erp-archive`;
export const ticketingUrl = env['DEMO_TICKETING_URL'] ?? 'http://127.0.0.1:9482';
export const smtpPort = Number(env['DEMO_SMTP_PORT'] ?? 9483);
export const adminPort = Number(env['DEMO_ADMIN_PORT'] ?? 9464);
export const hubsDrop = env['DEMO_HUBS_DROP'] ?? `${stateDir}/share/hubs`;
export const hubsArchive = env['DEMO_HUBS_ARCHIVE'] ?? `${stateDir}/share-archive`;
/** The HR replica's database: `sqlite` (the embedded file, default), `postgres` or `mariadb`. */
export const hrDb = env['DEMO_HR_DB'] ?? 'sqlite';
export const hrTable = env['DEMO_HR_TABLE'] ?? 'drivers';
