/**
 * A simulated order system: a paged "API" of orders that grows by a fixed
 * number of orders per run. Deterministic from its seed, with injected
 * transient failures and a share of bad records, so the runtime's retries,
 * dead letters, checkpoints and replays have something real to do.
 */
import { z } from 'zod';
import { defineConnector, type SourceBatch, type SourceSession } from '../../core/connector.js';
import { httpError } from '../../core/classify.js';
import { seededRandom } from '../../policies/backoff.js';

/**
 * An order as the simulated system serves it (vendor shape: strings everywhere).
 *
 * @example
 * ```ts
 * const order: SimulatedOrder = simulatedOrder(1, 17);
 * // { order_no: 'ORD-000001', customer_id: 'C919', total: '37.79', currency: 'EUR', created: '2026-11-01T00:01:00.000Z' }
 * const amount = Number(order.total); // the vendor sends amounts as strings
 * ```
 */
export interface SimulatedOrder {
  order_no: string;
  customer_id: string | null;
  total: string;
  currency: string;
  created: string;
}

const BASE_TIME = Date.UTC(2026, 10, 1);

/**
 * The order with number `n` (1-based); every `badEvery`th has no customer.
 *
 * @example
 * ```ts
 * simulatedOrder(17, 17).customer_id; // null: every 17th order is bad
 * ```
 */
export function simulatedOrder(n: number, badEvery: number): SimulatedOrder {
  return {
    order_no: `ORD-${String(n).padStart(6, '0')}`,
    customer_id: badEvery > 0 && n % badEvery === 0 ? null : `C${(n * 7919) % 1000}`,
    total: (((n * 3779) % 100_000) / 100).toFixed(2),
    currency: 'EUR',
    created: new Date(BASE_TIME + n * 60_000).toISOString(),
  };
}

const config = z
  .object({
    ordersPerRun: z
      .number()
      .int()
      .positive()
      .default(50)
      .meta({ description: 'New orders the system has each time it is polled' }),
    pageSize: z
      .number()
      .int()
      .positive()
      .max(1000)
      .default(20)
      .meta({ description: 'Orders per page' }),
    failureRate: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .meta({ description: 'Share of page requests answered with 503', advanced: true }),
    badEvery: z
      .number()
      .int()
      .min(0)
      .default(0)
      .meta({ description: 'Every n-th order lacks a customer (0 = none)', advanced: true }),
    seed: z.number().int().default(1).meta({ advanced: true }),
  })
  .strict();

/**
 * The simulated order source.
 *
 * Live runs resume after the saved cursor (the last order number). Replays take
 * `range.from`/`range.to` as order numbers (`from` exclusive, `to` inclusive)
 * and regenerate exactly those orders.
 *
 * @example
 * ```ts
 * source: simulatedOrders({ ordersPerRun: 50, pageSize: 20, failureRate: 0.1, badEvery: 17 })
 * ```
 */
export const simulatedOrders = defineConnector({
  kind: 'simulated-orders',
  title: 'Simulated order system',
  description: 'A built-in, deterministic order API for tutorials and tests. Not a real system.',
  direction: 'source',
  config,
  capabilities: {
    ack: 'none',
    checkpoint: 'cursor',
    replay: 'checkpoint',
    idempotentWrites: false,
    connectionTest: true,
  },
  async connect(cfg): Promise<SourceSession<SimulatedOrder>> {
    const random = seededRandom(cfg.seed);
    return {
      async *read(ctx): AsyncGenerator<SourceBatch<SimulatedOrder>> {
        let after: number;
        let last: number;
        if (ctx.mode === 'replay') {
          after = Number(ctx.range?.from ?? 0);
          last = ctx.range?.to === undefined ? after + cfg.ordersPerRun : Number(ctx.range.to);
        } else {
          after = Number(ctx.checkpoint?.value ?? 0);
          last = after + cfg.ordersPerRun;
        }
        if (!Number.isInteger(after) || !Number.isInteger(last) || last < after) {
          throw httpError(
            400,
            'simulated-orders: replay range must be order numbers with from <= to',
          );
        }
        while (after < last && !ctx.signal.aborted) {
          const from = after;
          const end = Math.min(from + cfg.pageSize, last);
          const target = `/orders?after=${from}&limit=${end - from}`;
          const items = await ctx.guard.execute(async ({ attempt }) => {
            const started = performance.now();
            if (random() < cfg.failureRate) {
              const error = httpError(503, `GET ${target}`);
              ctx.recordCall({
                operation: 'GET',
                target,
                outcome: 'failure',
                errorKind: error.kind,
                errorCode: error.code,
                latencyMs: performance.now() - started,
                attempt,
              });
              throw error;
            }
            const page = [];
            for (let n = from + 1; n <= end; n++) {
              const order = simulatedOrder(n, cfg.badEvery);
              page.push({
                key: order.order_no,
                data: order,
                occurredAt: Date.parse(order.created),
              });
            }
            ctx.recordCall({
              operation: 'GET',
              target,
              outcome: 'success',
              latencyMs: performance.now() - started,
              attempt,
            });
            return page;
          }, ctx.signal);
          after = end;
          yield { items, checkpoint: { kind: 'cursor', value: end } };
        }
      },
      async check() {
        return { ok: true, detail: 'simulated system is always reachable' };
      },
      async close() {},
    };
  },
});
