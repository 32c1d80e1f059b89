import { defineProject } from 'patchbay/runtime';
import ordersToWarehouse from './integrations/orders-to-warehouse.js';

export default defineProject({
  name: 'quickstart',
  integrations: [ordersToWarehouse],
  store: { path: '.patchbay/state.db' },
  admin: { host: '127.0.0.1', port: 9464 },
  logLevel: 'warn',
});
