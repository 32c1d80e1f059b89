/**
 * A deliberately incomplete project: it loads and runs, but `patchbay check`
 * fails it, naming what a first production iteration still lacks. Used by
 * the CLI tests and as a "spot the gaps" exercise; do not copy it.
 *
 * What is missing, on purpose:
 * - legacy-export: a credential inside a URL, retries switched off, no
 *   idempotency key, a source that cannot replay, no runbook or
 *   customer-side owner, no reason for the pattern, no freshness limit.
 * - orders-copy: a non-idempotent function sink and no docs at all.
 */
import { z } from 'zod';
import { defineConnector, defineIntegration } from '../../src/index.js';
import { simulatedOrders } from '../../src/connectors/simulated/index.js';
import { defineProject } from '../../src/runtime/index.js';

/** A nightly export from a legacy system; it keeps no history, so it cannot replay. */
const legacyExport = defineConnector({
  kind: 'legacy-export',
  title: 'Legacy export (example)',
  description: 'Reads the nightly export of a legacy system. Example only: never connects.',
  direction: 'source',
  config: z.object({ endpoint: z.string().url() }).strict(),
  capabilities: {
    ack: 'none',
    checkpoint: 'none',
    replay: 'none',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect() {
    return {
      async *read() {},
      async close() {},
    };
  },
});

const legacy = defineIntegration({
  id: 'legacy-export',
  owner: 'integrations',
  pattern: 'file-drop',
  trigger: { type: 'manual' },
  // The credential belongs in a secret reference, not in the URL.
  source: legacyExport({
    endpoint: 'https://report:not-a-real-password@legacy.example.com/export',
  }),
  sink: { name: 'log', idempotent: true, async write() {} },
  policies: { retry: false },
});

const ordersCopy = defineIntegration({
  id: 'orders-copy',
  owner: { team: 'integrations' },
  pattern: 'rest-poll',
  trigger: { type: 'manual' },
  source: simulatedOrders({ ordersPerRun: 10 }),
  // Appends every record it gets: a retry or replay would write twice.
  sink: { name: 'append-to-list', idempotent: false, async write() {} },
  idempotencyKey: { fields: ['order_no'] },
  freshness: { maxAge: '1h' },
});

export default defineProject({
  name: 'incomplete',
  integrations: [legacy, ordersCopy],
  admin: false,
  logLevel: 'warn',
});
