// An integration with a pattern that does not exist: defineIntegration throws on import.
import { defineIntegration, type Pattern } from '../../../../core/integration.js';
import { defineProject } from '../../../../runtime/project.js';
import { simulatedOrders } from '../../../../connectors/simulated/index.js';

const broken = defineIntegration({
  id: 'broken',
  owner: 'integrations',
  pattern: 'carrier-pigeon' as Pattern,
  trigger: { type: 'manual' },
  source: simulatedOrders({}),
  sink: { name: 'discard', idempotent: true, async write() {} },
});

export default defineProject({ integrations: [broken], admin: false });
