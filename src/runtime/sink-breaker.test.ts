import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpError } from '../core/classify.js';
import {
  defineConnector,
  type ReadContext,
  type SinkSession,
  type SourceBatch,
} from '../core/connector.js';
import { defineIntegration, type IntegrationOptions } from '../core/integration.js';
import { PatchbayMetrics } from '../observability/metrics.js';
import { captureLog } from '../observability/testing.js';
import { breakerOpenRule } from '../operations/alerts/rules.js';
import { parseSnapshot } from '../policies/breaker-state.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { createRuntime } from './runtime.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-sink-breaker-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const OPEN_MS = 300;
const policies = {
  retry: { maxAttempts: 5, baseDelay: '1ms', maxDelay: '2ms' },
  breaker: { failures: 3, openFor: OPEN_MS },
};

/** Two systems that can each be down: a source read through its guard, and a sink. */
function systems() {
  const s = { sourceDown: false, sinkDown: false, sourceReads: 0, sinkWrites: 0, next: 1 };
  async function* batches(ctx: ReadContext): AsyncIterable<SourceBatch> {
    const n = await ctx.guard.execute(async () => {
      s.sourceReads++;
      if (s.sourceDown) throw httpError(503, 'GET /orders');
      return s.next++;
    });
    yield {
      items: [{ key: String(n), data: { id: n } }],
      checkpoint: { kind: 'offset', value: n },
    };
  }
  const sink = collectingSink(() => {
    s.sinkWrites++;
    if (s.sinkDown) throw httpError(503, 'warehouse upsert');
  }, 'warehouse');
  return { s, source: memorySource({ batches }), sink };
}

function integration(
  parts: Pick<IntegrationOptions, 'source' | 'sink'> & Partial<IntegrationOptions>,
) {
  return defineIntegration({
    id: 'orders',
    owner: 'integrations',
    pattern: 'rest-poll',
    trigger: { type: 'manual' },
    idempotencyKey: { fields: ['id'] },
    policies,
    concurrency: 1,
    ...parts,
  });
}

async function stored(name: string) {
  return parseSnapshot((await store.policyState.get(`breaker:${name}`))?.value)?.state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a breaker per side', () => {
  it('a sink outage opens orders:sink only; runs then fail fast without reading until a probe closes it', async () => {
    const { s, source, sink } = systems();
    const metrics = new PatchbayMetrics();
    const log = captureLog();
    const runtime = await createRuntime({
      integrations: [integration({ source, sink })],
      store,
      metrics,
      logger: log.logger,
    });

    s.sinkDown = true;
    const first = await runtime.run('orders');
    expect(first.status).toBe('failed');
    expect(first.error).toMatchObject({ kind: 'circuit_open', code: 'CIRCUIT_OPEN' });
    expect(s.sinkWrites).toBe(3);
    expect(await stored('orders:sink')).toBe('open');
    expect(await stored('orders')).toBeUndefined();
    const [status] = await runtime.status();
    expect(status).toMatchObject({ breaker: 'closed', sinkBreaker: 'open' });
    expect(metrics.snapshot()).toMatchObject({
      'integration.orders.breaker_state': 0,
      'integration.orders.breaker_state.sink': 2,
    });
    const text = await metrics.prometheus();
    expect(text).toContain(
      'patchbay_integration_breaker_state{integration="orders",side="sink"} 2',
    );
    expect(text).toContain('patchbay_integration_breaker_state{integration="orders"} 0');
    expect(text).not.toContain('integration="orders:sink"');
    // An alert after five minutes names the side that is down.
    const rule = breakerOpenRule({ forMs: 300_000 });
    const seen = rule.evaluate({ status: status! }, { now: 0, state: undefined });
    const later = rule.evaluate({ status: status! }, { now: 300_000, state: seen.state });
    expect(later.finding?.actual).toBe('sink breaker open for 5m');

    // Still open: the next run ends at once, without a read of the source.
    const reads = s.sourceReads;
    const blocked = await runtime.run('orders');
    expect(blocked.status).toBe('failed');
    expect(blocked.error).toMatchObject({
      kind: 'circuit_open',
      code: 'CIRCUIT_OPEN',
      details: { breaker: 'orders:sink', state: 'open' },
    });
    expect(s.sourceReads).toBe(reads);
    expect(s.sinkWrites).toBe(3);
    expect((await store.runs.latest('orders')).last?.error?.kind).toBe('circuit_open');
    expect(await store.checkpoints.get('orders')).toBeUndefined();

    // After the open time the warehouse is back: the run reads, its write is the probe.
    s.sinkDown = false;
    await sleep(OPEN_MS + 50);
    const healed = await runtime.run('orders');
    expect(healed.status).toBe('succeeded');
    expect(s.sourceReads).toBe(reads + 1);
    expect(sink.records.map((r) => r.sourceKey)).toEqual(['2']);
    expect(await stored('orders:sink')).toBe('closed');
    expect((await runtime.status())[0]).toMatchObject({ breaker: 'closed', sinkBreaker: 'closed' });
    expect(metrics.snapshot()['integration.orders.breaker_state.sink']).toBe(0);
    const changes = log
      .records()
      .filter((r) => r['msg'] === 'circuit breaker state changed')
      .map((r) => `${String(r['breaker'])}:${String(r['to'])}`);
    expect(changes).toEqual(['orders:sink:open', 'orders:sink:half_open', 'orders:sink:closed']);
    await runtime.stop();
  });

  it('a source outage opens orders only; the sink side stays closed and does not hold runs', async () => {
    const { s, source, sink } = systems();
    const runtime = await createRuntime({ integrations: [integration({ source, sink })], store });
    s.sourceDown = true;
    const result = await runtime.run('orders');
    expect(result.status).toBe('failed');
    expect(result.error?.kind).toBe('circuit_open');
    expect(s.sourceReads).toBe(3);
    expect(s.sinkWrites).toBe(0);
    expect(await stored('orders')).toBe('open');
    expect(await stored('orders:sink')).toBeUndefined();
    expect((await runtime.status())[0]).toMatchObject({ breaker: 'open', sinkBreaker: 'closed' });

    s.sourceDown = false;
    await sleep(OPEN_MS + 50);
    expect((await runtime.run('orders')).status).toBe('succeeded');
    expect(await stored('orders')).toBe('closed');
    await runtime.stop();
  });

  it('a sink that guards its own calls trips orders:sink, and spends the source’s quota', async () => {
    const { s, source } = systems();
    const remote = defineConnector({
      kind: 'remote-api-sink',
      title: 'remote API sink',
      description: 'One guarded call per write.',
      direction: 'sink',
      config: z.object({}).strict(),
      capabilities: {
        ack: 'none',
        checkpoint: 'none',
        replay: 'none',
        idempotentWrites: true,
        connectionTest: false,
        guardsOwnCalls: true,
      },
      async connect(): Promise<SinkSession> {
        return {
          async write(_records, ctx) {
            await ctx.guard.execute(async () => {
              s.sinkWrites++;
              if (s.sinkDown) throw httpError(503, 'POST /orders');
            });
          },
          async close() {},
        };
      },
    })({});
    const runtime = await createRuntime({
      integrations: [
        integration({ id: 'down', source, sink: remote }),
        // Three tokens, no refill during the test; drop mode refuses the fourth take.
        integration({
          id: 'quota',
          source,
          sink: remote,
          policies: { ...policies, rateLimit: { rate: 1, per: '1h', burst: 3, mode: 'drop' } },
        }),
      ],
      store,
    });
    s.sinkDown = true;
    const down = await runtime.run('down');
    expect(down.error?.kind).toBe('circuit_open');
    expect(await stored('down:sink')).toBe('open');
    expect(await stored('down')).toBeUndefined();

    s.sinkDown = false;
    s.sinkWrites = 0;
    // A read and a write take two tokens; the second run's read the third, its write none left.
    expect((await runtime.run('quota')).status).toBe('succeeded');
    const second = await runtime.run('quota');
    expect(second.error).toMatchObject({ kind: 'rate_limited', code: 'RATE_LIMITED_LOCAL' });
    expect(s.sinkWrites).toBe(1);
    await runtime.stop();
  });
});
