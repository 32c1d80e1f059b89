/**
 * HR replica → warehouse: drivers, extracted every hour in production
 * (every 5 s in the demo) by their `updated_at` watermark.
 *
 * The replica is the customer's, so the session is read-only and pages by
 * keyset (updated_at, id), never OFFSET. HR data has SAP-style dates and
 * padding; the mapping document cleans it and rejects rows it cannot
 * read, with the field and the reason. A row that maps but that the
 * warehouse refuses (an unknown licence class) becomes a dead letter.
 */
import { defineIntegration } from 'patchbay';
import { mappingStep } from 'patchbay/mapping';
import { sqlExtract, sqlUpsert } from 'patchbay/sql';
import { fileURLToPath } from 'node:url';
import { hrDb, hrReplicaFile, hrTable, warehouseFile } from '../settings.js';

// Where the replica is: an SQLite file by default; the demo's `--hr-db` points it at the
// machine's PostgreSQL or MariaDB (no password: loopback trust, as the test servers run).
const replica =
  hrDb === 'postgres'
    ? ({
        dialect: 'postgres',
        host: '127.0.0.1',
        port: 5432,
        database: 'test',
        user: 'postgres',
      } as const)
    : hrDb === 'mariadb'
      ? ({
          dialect: 'mysql',
          host: '127.0.0.1',
          port: 3306,
          database: 'test',
          user: 'root',
        } as const)
      : ({ dialect: 'sqlite', file: hrReplicaFile } as const);

export default defineIntegration({
  id: 'hr-drivers',
  owner: { team: 'fleet-integrations', contact: 'fleet-oncall@example.com' },
  pattern: 'sql-extract',
  description: 'Drivers from the HR database replica into the warehouse, by watermark.',
  trigger: { type: 'schedule', every: '5s', runOnStart: true },
  source: sqlExtract({
    ...replica,
    table: hrTable,
    watermark: 'updated_at',
    primaryKey: 'id',
    pageSize: 25,
    statementTimeout: '5s',
  }),
  steps: [mappingStep(fileURLToPath(new URL('../mappings/driver.yaml', import.meta.url)))],
  sink: sqlUpsert({
    dialect: 'sqlite',
    file: warehouseFile,
    table: 'drivers',
    key: 'driver_id',
    // A replay of an old range never overwrites a newer version of a driver.
    conflict: 'last-write-wins',
    versionColumn: 'updated_at',
  }),
  idempotencyKey: { fields: ['driver_id', 'updated_at'] },
  policies: { timeout: '5s', retry: { maxAttempts: 3, baseDelay: '250ms' } },
  freshness: { maxAge: '30s' },
  budget: { maxDuration: '20s' },
  docs: {
    runbook: 'demo/README.md#hr-drivers',
    customerOwner: 'HR IT (simulated)',
    why: 'HR offers a read replica of its database and no API, so we extract by watermark.',
  },
});
