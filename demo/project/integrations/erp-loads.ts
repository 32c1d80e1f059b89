/**
 * ERP → warehouse: the nightly loads export, picked up from the drop folder
 * (a share in production) once the ERP's `.done` marker says it is complete.
 *
 * Every file is archived as received, by its business date (from the file
 * name), so a bad day can be replayed. Rows the parser or the mapping
 * cannot read go to the reject ledger with the file, line and reason; the
 * rest of the file still loads. Plant codes become canonical hub ids
 * through the crosswalk `hubs-reference` fills; a plant the hubs list does
 * not have yet is parked in the reject ledger, and the day is replayed
 * (`patchbay replay erp-loads --from <date>`) once the list is fixed.
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
  // Not on start: the first run waits one interval, so the hubs list (reference data for the
  // plant → hub crosswalk) is loaded first. 3 s, so it has succeeded before the first
  // freshness evaluation (4 s).
  trigger: { type: 'schedule', every: '3s' },
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
