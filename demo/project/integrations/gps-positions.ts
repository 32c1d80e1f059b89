/**
 * GPS vendor → warehouse: truck positions, polled every 5 minutes in
 * production (every 5 s in the demo's compressed time).
 *
 * The vendor allows 60 requests a minute and answers 429 beyond it, so the
 * rate limit stays under the quota: 50 a minute with a burst of 5 lets at
 * most 55 calls start in any minute, which leaves room for the few retries
 * of random 503s (a call takes one token, however many attempts it needs).
 * We never learn the quota from a 429. A vendor outage opens the breaker,
 * so we stop hammering it and probe once it has had time.
 * Only the vendor calls take tokens: the warehouse sink's calls run
 * through the same policies without the limiter.
 */
import { defineIntegration } from 'patchbay';
import { httpPoll } from 'patchbay/http';
import { mappingStep } from 'patchbay/mapping';
import { sqlUpsert } from 'patchbay/sql';
import { fileURLToPath } from 'node:url';
import { gpsUrl, warehouseFile } from '../settings.js';

export default defineIntegration({
  id: 'gps-positions',
  owner: { team: 'fleet-integrations', contact: 'fleet-oncall@example.com' },
  pattern: 'rest-poll',
  description: 'Truck positions from the GPS vendor API into the warehouse, every 5 minutes.',
  trigger: { type: 'schedule', every: '5s', runOnStart: true },
  source: httpPoll({
    url: `${gpsUrl}/v1/positions`,
    query: { limit: '50' },
    recordsPath: 'data',
    keyPath: 'id',
    pagination: { type: 'cursor', cursorPath: 'meta.next_cursor', param: 'cursor' },
    // `since` is inclusive: the boundary position comes again and is dropped by its id.
    incremental: { cursorPath: 'seq', initialValue: 1, param: 'since', primaryKey: 'id' },
    auth: { type: 'bearer', token: 'env:DEMO_GPS_TOKEN' },
    timeout: '2s',
  }),
  steps: [mappingStep(fileURLToPath(new URL('../mappings/gps-position.yaml', import.meta.url)))],
  sink: sqlUpsert({
    dialect: 'sqlite',
    file: warehouseFile,
    table: 'gps_positions',
    key: 'position_id',
  }),
  idempotencyKey: { fields: ['position_id'] },
  policies: {
    // Per attempt, token waits included: a page may wait ~1.2 s for a token at the limit.
    timeout: '5s',
    retry: { maxAttempts: 3, baseDelay: '250ms' },
    // Opens after 3 failed calls in a row; probes again after 10 s (production: minutes).
    breaker: { failures: 3, openFor: '10s' },
    rateLimit: { rate: 50, per: '1m', burst: 5 },
  },
  // Two polls and a bit: while the vendor is down, `patchbay status` shows the data we hold as
  // last-known-good, marked stale once it is older than this.
  freshness: { maxAge: '12s' },
  budget: { maxDuration: '20s' },
  docs: {
    runbook: 'demo/README.md#gps-positions',
    customerOwner: 'GPS vendor support (simulated)',
    why: 'The vendor offers only a paged REST API with a cursor and a request quota, so we poll it.',
  },
});
