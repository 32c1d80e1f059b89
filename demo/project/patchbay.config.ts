/**
 * The demo engagement: a logistics customer's systems integrated with
 * Patchbay. Written as a customer project would be; `demo/start.ts` only
 * starts the simulated systems around it.
 *
 * Alerts: every alert opens a ServiceNow-style incident and sends an email.
 * Only freshness is alerted on here; dead letters and rejects are for the
 * on-call's morning review (`patchbay dlq list`, `patchbay rejects list`),
 * not for a ticket each.
 */
import { defineProject } from 'patchbay/runtime';
import customerNotifications from './integrations/customer-notifications.js';
import dispatchEvents from './integrations/dispatch-events.js';
import erpLoads from './integrations/erp-loads.js';
import gpsPositions from './integrations/gps-positions.js';
import hrDrivers from './integrations/hr-drivers.js';
import hubsReference from './integrations/hubs-reference.js';
import { adminPort, smtpPort, stateDir, ticketingUrl } from './settings.js';

export default defineProject({
  name: 'logistics-demo',
  integrations: [
    hubsReference,
    erpLoads,
    gpsPositions,
    hrDrivers,
    dispatchEvents,
    customerNotifications,
  ],
  store: { path: `${stateDir}/state.db` },
  admin: { host: '127.0.0.1', port: adminPort },
  logLevel: 'warn',
  shutdownGraceSeconds: 10,
  alerts: {
    sinks: {
      tickets: {
        type: 'servicenow',
        url: ticketingUrl,
        username: 'patchbay',
        password: 'env:DEMO_TICKETING_PASSWORD',
        assignmentGroup: 'Fleet Integrations',
      },
      mail: {
        type: 'email',
        host: '127.0.0.1',
        port: smtpPort,
        from: 'patchbay@logistics.example',
        to: ['fleet-oncall@logistics.example'],
      },
    },
    route: ['tickets', 'mail'],
    // Also the grace before the first evaluation: an integration without a
    // successful run yet counts as stale, so its first run must finish before.
    evaluateEvery: '6s',
    rules: { freshness: true, deadLetters: false, breakerOpen: false, schemaDrift: false },
  },
  secrets: {
    'env:DEMO_GPS_TOKEN': {
      purpose: 'GPS vendor API token',
      rotatedBy: 'fleet-integrations',
      rotateEvery: '90d',
    },
    'env:DEMO_DISPATCH_SECRET': {
      purpose: 'Dispatch system webhook signing secret',
      rotatedBy: 'fleet-integrations',
      rotateEvery: '180d',
    },
    'env:DEMO_TICKETING_PASSWORD': {
      purpose: 'Ticketing API user',
      rotatedBy: 'fleet-integrations',
      rotateEvery: '180d',
    },
  },
});
