/**
 * Orders from the (simulated) order system into the (simulated) warehouse.
 *
 * The order system fails 10 % of page requests with 503 and every 17th order
 * has no customer; the warehouse fails 5 % of writes with 503 and rejects
 * orders without a customer with 422. Patchbay retries the 503s, dead-letters
 * the bad orders with their raw input, and moves the cursor only past orders
 * that were written or dead-lettered.
 */
import { fileURLToPath } from 'node:url';
import { defineIntegration } from 'patchbay';
import { simulatedOrders, simulatedWarehouse, type SimulatedOrder } from 'patchbay/simulated';

/** The canonical order: our names and types, not the vendor's. */
export interface Order {
  orderNo: string;
  customerId: string | null;
  totalCents: number;
  currency: string;
  createdAt: string;
}

export function toCanonicalOrder(raw: SimulatedOrder): Order {
  return {
    orderNo: raw.order_no,
    customerId: raw.customer_id,
    totalCents: Math.round(Number(raw.total) * 100),
    currency: raw.currency,
    createdAt: raw.created,
  };
}

export default defineIntegration({
  id: 'orders-to-warehouse',
  owner: { team: 'integrations', contact: 'integrations-oncall@example.com' },
  pattern: 'rest-poll',
  description: 'New orders from the order system, upserted into the warehouse every 10 seconds.',
  trigger: { type: 'schedule', every: '10s', runOnStart: true },
  source: simulatedOrders({ ordersPerRun: 40, pageSize: 10, failureRate: 0.1, badEvery: 17 }),
  steps: [(raw) => toCanonicalOrder(raw as SimulatedOrder)],
  sink: simulatedWarehouse({
    file: fileURLToPath(new URL('../.patchbay/warehouse.json', import.meta.url)),
    failureRate: 0.05,
    requireField: 'customerId',
  }),
  idempotencyKey: { fields: ['orderNo'] },
  freshness: { maxAge: '1m' },
  budget: { maxDuration: '5m' },
  docs: {
    runbook: 'examples/quickstart/README.md',
    customerOwner: 'Order system team (simulated)',
    why: 'The order system offers only a paged REST API with a cursor, so we poll it.',
  },
});
