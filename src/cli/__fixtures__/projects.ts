/**
 * Fixture projects for CLI tests: simulated orders into the simulated
 * warehouse, with the store and warehouse file in a folder of the test's
 * choosing, so every test has its own state.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { permanent } from '../../core/errors.js';
import { defineIntegration, type Trigger } from '../../core/integration.js';
import type { ReplayMode } from '../../core/connector.js';
import { defineProject, type ProjectOptions } from '../../runtime/project.js';
import {
  simulatedOrders,
  simulatedWarehouse,
  type SimulatedOrder,
} from '../../connectors/simulated/index.js';
import { webhook, type WebhookEvent } from '../../connectors/webhook/index.js';
import { ticks } from './connectors.js';

/**
 * Options of {@link fixtureProject}.
 *
 * @example
 * ```ts
 * const options: FixtureOptions = { dir: '/tmp/fixture', badEvery: 10 };
 * ```
 */
export interface FixtureOptions {
  /** Folder for the store (`state.db`) and the warehouse (`warehouse.json`). */
  dir: string;
  ordersPerRun?: number;
  /** Every n-th order lacks a customer and is dead-lettered by the warehouse. */
  badEvery?: number;
  /** Share of warehouse writes failing with 503. */
  sinkFailureRate?: number;
  /** Turns the breakers on (3 failures in a row open them for an hour); off by default. */
  breaker?: boolean;
  /** Each record waits this long in a step, so a run lasts long enough to interrupt. */
  slowStepMs?: number;
  /**
   * Orders without a customer fail in the mapping step (dead letters at
   * `step:toCanonical`) until a file named `fixed` exists in `dir`; then
   * they map to customer `C-FIXED`, so retried letters succeed.
   */
  fixable?: boolean;
  trigger?: Trigger;
  /** Adds an integration `ticks` whose source replays by this mode. */
  ticksReplay?: ReplayMode;
  /**
   * Adds a webhook integration `hooks` (Standard Webhooks, secret
   * `env:PATCHBAY_FIXTURE_WEBHOOK_SECRET`) whose sink appends each event's
   * payload as a JSON line to `hooks.jsonl` in `dir`.
   */
  webhook?: boolean;
  admin?: ProjectOptions['admin'];
}

/**
 * The orders integration of the fixtures.
 *
 * @example
 * ```ts
 * const integration = fixtureOrders({ dir: '/tmp/x', badEvery: 10 });
 * ```
 */
export function fixtureOrders(o: FixtureOptions) {
  return defineIntegration({
    id: 'orders',
    owner: { team: 'integrations', contact: 'oncall@example.com' },
    pattern: 'rest-poll',
    trigger: o.trigger ?? { type: 'manual' },
    source: simulatedOrders({
      ordersPerRun: o.ordersPerRun ?? 30,
      pageSize: 10,
      badEvery: o.badEvery ?? 0,
    }),
    steps: [
      async function toCanonical(raw: unknown) {
        const order = raw as SimulatedOrder;
        if (o.slowStepMs) await new Promise((r) => setTimeout(r, o.slowStepMs));
        let customerId = order.customer_id;
        if (customerId === null && o.fixable) {
          if (!existsSync(join(o.dir, 'fixed')))
            throw permanent(`order ${order.order_no} has no customer`);
          customerId = 'C-FIXED';
        }
        return { orderNo: order.order_no, customerId, total: order.total };
      },
    ],
    sink: simulatedWarehouse({
      file: join(o.dir, 'warehouse.json'),
      requireField: 'customerId',
      failureRate: o.sinkFailureRate ?? 0,
    }),
    idempotencyKey: { fields: ['orderNo'] },
    // Real retries, quickly: tests should not wait for production backoff.
    policies: {
      retry: { maxAttempts: 3, baseDelay: '1ms', maxDelay: '5ms' },
      breaker: o.breaker ? { failures: 3, openFor: '1h' } : false,
    },
    freshness: { maxAge: '1h' },
    docs: {
      runbook: 'docs/runbooks/orders.md',
      customerOwner: 'ERP team',
      why: 'the order system offers only a paged REST API',
    },
  });
}

/**
 * A project with the orders integration (and optionally `ticks`), no admin server by default.
 *
 * @example
 * ```ts
 * export default fixtureProject({ dir: '/tmp/x', badEvery: 7 });
 * ```
 */
export function fixtureProject(o: FixtureOptions): ProjectOptions {
  const integrations = [fixtureOrders(o)];
  if (o.ticksReplay) {
    integrations.push(
      defineIntegration({
        id: 'ticks',
        owner: 'integrations',
        pattern: 'queue',
        trigger: { type: 'manual' },
        source: ticks({ count: 3, replay: o.ticksReplay }),
        sink: { name: 'discard', idempotent: true, async write() {} },
        idempotencyKey: { fields: ['n'] },
      }),
    );
  }
  if (o.webhook) {
    integrations.push(
      defineIntegration({
        id: 'hooks',
        owner: 'integrations',
        pattern: 'webhook',
        trigger: { type: 'stream' },
        source: webhook({
          signature: {
            scheme: 'standard-webhooks',
            secrets: ['env:PATCHBAY_FIXTURE_WEBHOOK_SECRET'],
          },
          entityKey: 'body:entity',
          occurredAt: 'body:at',
        }),
        sink: {
          name: 'hooks-file',
          idempotent: false,
          async write(records) {
            for (const r of records) {
              const line = JSON.stringify((r.data as WebhookEvent).payload);
              appendFileSync(join(o.dir, 'hooks.jsonl'), `${line}\n`);
            }
          },
        },
        idempotencyKey: { fields: ['eventId'] },
      }),
    );
  }
  return defineProject({
    name: 'fixture',
    integrations,
    store: { path: join(o.dir, 'state.db') },
    admin: o.admin ?? false,
    logLevel: 'warn',
    shutdownGraceSeconds: 10,
  });
}
