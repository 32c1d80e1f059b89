/**
 * Document share → reference data: the hubs list the operations team keeps
 * on the share, picked up when a new version is published (marker file),
 * archived by date, loaded into the warehouse's `hubs` table and into the
 * crosswalk `erp-plant->hub` that `erp-loads` maps plant codes with.
 */
import { defineIntegration } from 'patchbay';
import { fileDrop } from 'patchbay/file';
import { mappingStep } from 'patchbay/mapping';
import { fileURLToPath } from 'node:url';
import { hubsArchive, hubsDrop, warehouseFile } from '../settings.js';
import { hubsReference } from '../sinks/hubs-reference.js';

export default defineIntegration({
  id: 'hubs-reference',
  owner: { team: 'fleet-integrations', contact: 'fleet-oncall@example.com' },
  pattern: 'file-drop',
  description:
    'The hubs list from the document share: reference data and the plant → hub crosswalk.',
  trigger: { type: 'schedule', every: '2s', runOnStart: true },
  source: fileDrop({
    path: hubsDrop,
    archive: hubsArchive,
    patterns: ['HUBS_*.csv'],
    readiness: 'marker',
    businessDate: { fromName: '_(?<date>\\d{8})\\.csv$', timeZone: 'Europe/Berlin' },
    format: { type: 'csv', delimiter: ',' },
  }),
  steps: [mappingStep(fileURLToPath(new URL('../mappings/hub.yaml', import.meta.url)))],
  sink: hubsReference({ warehouse: warehouseFile, crosswalk: 'erp-plant->hub' }),
  idempotencyKey: { fields: ['hub_id'] },
  policies: { timeout: '5s', retry: { maxAttempts: 3, baseDelay: '250ms' } },
  freshness: { maxAge: '30s' },
  budget: { maxDuration: '20s' },
  docs: {
    runbook: 'demo/README.md#hubs-reference',
    customerOwner: 'Operations team, document share (simulated)',
    why: 'The hubs list is a spreadsheet export on a share, changed by hand a few times a year.',
  },
});
