/**
 * A project that passes every checklist item: used to show `patchbay check`
 * passing (exit 0) and as a reference for what "complete" means.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineIntegration } from '../../../core/integration.js';
import { defineProject } from '../../../runtime/project.js';
import { simulatedOrders, simulatedWarehouse } from '../../../connectors/simulated/index.js';
import { tokenApi } from '../connectors.js';

const orders = defineIntegration({
  id: 'orders',
  owner: { team: 'integrations', contact: 'oncall@example.com' },
  pattern: 'rest-poll',
  trigger: { type: 'schedule', every: '5m' },
  source: simulatedOrders({ ordersPerRun: 10 }),
  sink: simulatedWarehouse({ file: join(tmpdir(), 'patchbay-complete-fixture', 'warehouse.json') }),
  idempotencyKey: { fields: ['order_no'] },
  freshness: { maxAge: '15m' },
  docs: {
    runbook: 'docs/runbooks/orders.md',
    customerOwner: 'ERP team',
    why: 'the order system offers only a paged REST API',
  },
});

const positions = defineIntegration({
  id: 'positions',
  owner: 'fleet',
  pattern: 'rest-poll',
  trigger: { type: 'schedule', every: '1m' },
  source: tokenApi({
    url: 'https://gps.example.com/v2',
    token: 'env:GPS_TOKEN',
    headers: { accept: 'application/json' },
  }),
  sink: { name: 'positions-table', idempotent: true, async write() {} },
  policies: { retry: { maxAttempts: 5 }, timeout: '10s' },
  idempotencyKey: (record) => String((record as { id: string }).id),
  freshness: { maxAge: '5m' },
  budget: { maxDuration: '2m' },
  docs: {
    runbook: 'https://wiki.example.com/runbooks/positions',
    customerOwner: 'Fleet telematics vendor',
    why: 'the vendor offers a REST API with a since= parameter',
  },
});

export default defineProject({
  name: 'complete',
  integrations: [orders, positions],
  store: { path: join(tmpdir(), 'patchbay-complete-fixture', 'state.db') },
  admin: false,
});
