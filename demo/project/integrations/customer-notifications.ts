/**
 * Warehouse outbox → customer emails. When a load is recorded as delivered,
 * the warehouse queues its notification in `notification_outbox` in the
 * same transaction (a trigger: the transactional outbox); this integration
 * relays the outbox to the SMTP gateway, by the outbox id as watermark, so
 * a notification is sent once the delivery is durable, never before, and
 * an SMTP outage only delays it (the watermark does not move past a
 * notification that was not sent).
 */
import { defineIntegration } from 'patchbay';
import { mappingStep } from 'patchbay/mapping';
import { sqlExtract } from 'patchbay/sql';
import { fileURLToPath } from 'node:url';
import { smtpPort, warehouseFile } from '../settings.js';
import { customerMail } from '../sinks/customer-mail.js';

export default defineIntegration({
  id: 'customer-notifications',
  owner: { team: 'fleet-integrations', contact: 'fleet-oncall@example.com' },
  pattern: 'sql-extract',
  description: 'Delivery notifications to customers, relayed from the warehouse outbox by email.',
  trigger: { type: 'schedule', every: '2s', runOnStart: true },
  source: sqlExtract({
    dialect: 'sqlite',
    file: warehouseFile,
    table: 'notification_outbox',
    watermark: 'id',
    primaryKey: 'id',
    pageSize: 50,
    statementTimeout: '5s',
  }),
  steps: [mappingStep(fileURLToPath(new URL('../mappings/notification.yaml', import.meta.url)))],
  sink: customerMail({
    host: '127.0.0.1',
    port: smtpPort,
    from: 'dispatch@logistics.example',
    domain: 'notifications.logistics.example',
  }),
  idempotencyKey: { fields: ['outbox_id'] },
  policies: { timeout: '10s', retry: { maxAttempts: 3, baseDelay: '250ms' } },
  freshness: { maxAge: '30s' },
  budget: { maxDuration: '20s' },
  docs: {
    runbook: 'demo/README.md#customer-notifications',
    customerOwner: 'Customer service (simulated)',
    why: 'Customers want an email when their load is delivered; the gateway speaks only SMTP.',
  },
});
