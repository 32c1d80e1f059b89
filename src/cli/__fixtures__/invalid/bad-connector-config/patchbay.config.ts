// A connector config its schema rejects (page size above the maximum, an unknown key).
import { defineIntegration } from '../../../../core/integration.js';
import { defineProject } from '../../../../runtime/project.js';
import { simulatedOrders } from '../../../../connectors/simulated/index.js';

const orders = defineIntegration({
  id: 'orders',
  owner: 'integrations',
  pattern: 'rest-poll',
  trigger: { type: 'manual' },
  source: simulatedOrders({ pageSize: 5000, colour: 'blue' } as never),
  sink: { name: 'discard', idempotent: true, async write() {} },
});

export default defineProject({ integrations: [orders], admin: false });
