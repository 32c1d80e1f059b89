/**
 * Dispatch system → warehouse: where each load is, pushed as signed
 * Standard Webhooks to the runtime's route `/webhooks/dispatch-events`.
 *
 * The receiver verifies the signature on the raw bytes (a forged request
 * gets 401 and is not stored), stores each event durably before it answers
 * 2xx (persist-before-ack), answers a repeated `webhook-id` as a duplicate
 * without storing it again, and the source applies events in their own
 * time order per load: an event older than one already applied for its
 * load is skipped, so a late `picked_up` never overwrites `delivered`.
 */
import { defineIntegration } from 'patchbay';
import { mappingStep } from 'patchbay/mapping';
import { sqlUpsert } from 'patchbay/sql';
import { webhook } from 'patchbay/webhook';
import { fileURLToPath } from 'node:url';
import { warehouseFile } from '../settings.js';

export default defineIntegration({
  id: 'dispatch-events',
  owner: { team: 'fleet-integrations', contact: 'fleet-oncall@example.com' },
  pattern: 'webhook',
  description: 'Load status events from the dispatch system (signed webhooks) into the warehouse.',
  trigger: { type: 'stream' },
  source: webhook({
    signature: { scheme: 'standard-webhooks', secrets: ['env:DEMO_DISPATCH_SECRET'] },
    entityKey: 'body:data.load_no',
    occurredAt: 'body:data.occurred_at',
    ordering: 'skip',
    pollInterval: '100ms',
  }),
  steps: [mappingStep(fileURLToPath(new URL('../mappings/dispatch-event.yaml', import.meta.url)))],
  sink: sqlUpsert({ dialect: 'sqlite', file: warehouseFile, table: 'load_status', key: 'load_no' }),
  idempotencyKey: { fields: ['event_id'] },
  policies: { timeout: '5s', retry: { maxAttempts: 3, baseDelay: '250ms' } },
  freshness: { maxAge: '30s' },
  // A stream run ends after this long and the next starts: each ended run is a success
  // (freshness), also when no event came.
  budget: { maxDuration: '3s' },
  docs: {
    runbook: 'demo/README.md#dispatch-events',
    customerOwner: 'Dispatch system team (simulated)',
    why: 'The dispatch system pushes load events as webhooks; it offers no API to poll.',
  },
});
