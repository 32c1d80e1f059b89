/**
 * ERP → warehouse: the nightly loads export, picked up from the drop folder
 * (a share in production) once the ERP's `.done` marker says it is complete.
 *
 * Every file is archived as received, by its business date (from the file
 * name), so a bad day can be replayed. Rows the parser or the mapping
 * cannot read go to the reject ledger with the file, line and reason; the
 * rest of the file still loads.
 */
import { defineIntegration } from 'patchbay';
import { fileDrop } from 'patchbay/file';
import { mappingStep } from 'patchbay/mapping';
import { sqlUpsert } from 'patchbay/sql';
import { fileURLToPath } from 'node:url';
import { erpArchive, erpDrop, warehouseFile } from '../settings.js';

export default defineIntegration({
  id: 'erp-loads',
  owner: { team: 'fleet-integrations', contact: 'fleet-oncall@example.com' },
  pattern: 'file-drop',
  description: 'Loads from the ERP nightly CSV export into the warehouse.',
  trigger: { type: 'schedule', every: '5s', runOnStart: true },
  source: fileDrop({
    path: erpDrop,
    archive: erpArchive,
    patterns: ['LOADS_*.csv'],
    readiness: 'marker',
    businessDate: { fromName: '_(?<date>\\d{8})\\.csv$', timeZone: 'Europe/Berlin' },
    format: { type: 'csv', delimiter: ';' },
  }),
  steps: [mappingStep(fileURLToPath(new URL('../mappings/erp-load.yaml', import.meta.url)))],
  sink: sqlUpsert({ dialect: 'sqlite', file: warehouseFile, table: 'loads', key: 'load_no' }),
  idempotencyKey: { fields: ['load_no'] },
  policies: { timeout: '5s', retry: { maxAttempts: 3, baseDelay: '250ms' } },
  freshness: { maxAge: '30s' },
  budget: { maxDuration: '20s' },
  docs: {
    runbook: 'demo/README.md#erp-loads',
    customerOwner: 'ERP basis team (simulated)',
    why: 'The ERP exports loads once a night as a file; it has no API we may call.',
  },
});
