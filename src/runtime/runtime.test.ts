import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SinkRecord, SourceBatch } from '../core/connector.js';
import { httpError } from '../core/classify.js';
import { defineIntegration, type IntegrationOptions } from '../core/integration.js';
import {
  readWarehouse,
  simulatedOrders,
  simulatedWarehouse,
} from '../connectors/simulated/index.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { permanent } from '../core/errors.js';
import { captureLog } from '../observability/testing.js';
import { createRuntime } from './runtime.js';

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-runtime-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function orders(overrides: Partial<IntegrationOptions> = {}, source = {}, sink = {}) {
  return defineIntegration({
    id: 'orders',
    owner: 'integrations',
    pattern: 'rest-poll',
    trigger: { type: 'manual' },
    source: simulatedOrders({ ordersPerRun: 50, pageSize: 10, ...source }),
    steps: [
      function toCanonical(o: unknown) {
        const order = o as { order_no: string; customer_id: string | null; total: string };
        return { orderNo: order.order_no, customerId: order.customer_id, total: order.total };
      },
    ],
    sink: simulatedWarehouse({
      file: join(dir, 'warehouse.json'),
      requireField: 'customerId',
      ...sink,
    }),
    idempotencyKey: { fields: ['orderNo'] },
    ...overrides,
  });
}

describe('a run', () => {
  it('moves every record from source to sink and saves the cursor', async () => {
    const runtime = await createRuntime({ integrations: [orders()], store });
    const result = await runtime.run('orders');
    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ read: 50, written: 50, deadLettered: 0 });
    expect((await runtime.status())[0]).toMatchObject({
      breaker: 'closed',
      stale: false,
      deadLetters: 0,
    });
    expect(Object.keys(await readWarehouse(join(dir, 'warehouse.json')))).toHaveLength(50);
    expect((await store.checkpoints.get('orders'))?.value).toBe(50);
    const second = await runtime.run('orders');
    expect(second.counts.read).toBe(50);
    expect((await store.checkpoints.get('orders'))?.value).toBe(100);
    const { last } = await store.runs.latest('orders');
    expect(last?.status).toBe('succeeded');
    expect(last?.counts.written).toBe(50);
  });

  it('dead-letters bad records with their raw input and reason, and still advances', async () => {
    const runtime = await createRuntime({ integrations: [orders({}, { badEvery: 10 })], store });
    const result = await runtime.run('orders');
    expect(result.status).toBe('partial');
    expect(result.counts).toMatchObject({ read: 50, written: 45, deadLettered: 5 });
    expect(result.counts.errorsByKind['http_4xx']).toBeGreaterThanOrEqual(5);
    const letters = await store.deadLetters.list('orders');
    expect(letters.map((l) => l.itemKey).sort()).toEqual([
      'ORD-000010',
      'ORD-000020',
      'ORD-000030',
      'ORD-000040',
      'ORD-000050',
    ]);
    expect(letters[0]).toMatchObject({
      stage: 'sink',
      error: { kind: 'http_4xx', code: 'HTTP_422' },
    });
    expect((letters[0]?.raw as { customer_id: unknown }).customer_id).toBeNull();
    expect((await store.checkpoints.get('orders'))?.value).toBe(50);
  });

  it('retries transient failures until they succeed', async () => {
    const fast = { retry: { baseDelay: '1ms', maxDelay: '5ms' } };
    const flaky = orders({ policies: fast }, { failureRate: 0.3 }, { failureRate: 0.3 });
    const runtime = await createRuntime({ integrations: [flaky], store });
    const result = await runtime.run('orders');
    expect(result.status).toBe('succeeded');
    expect(result.counts.written).toBe(50);
    expect((await store.checkpoints.get('orders'))?.value).toBe(50);
  });

  it('opens the breaker on a dead sink and fails the run without losing anything', async () => {
    const fast = { retry: { baseDelay: '1ms', maxDelay: '5ms' } };
    const dead = orders({ policies: fast }, {}, { failureRate: 1 });
    const log = captureLog();
    const runtime = await createRuntime({ integrations: [dead], store, logger: log.logger });
    const result = await runtime.run('orders');
    expect(result.status).toBe('failed');
    expect(result.error?.kind).toBe('circuit_open');
    const transitions = log.records().filter((r) => r['msg'] === 'circuit breaker state changed');
    expect(transitions[0]).toMatchObject({
      integration: 'orders',
      breaker: 'orders:sink',
      from: 'closed',
      to: 'open',
    });
    expect(await store.checkpoints.get('orders')).toBeUndefined();
    expect(await store.deadLetters.count('orders')).toBe(0);
    // The warehouse is down, not the order API: only the sink side's breaker opened.
    expect((await runtime.status())[0]).toMatchObject({ breaker: 'closed', sinkBreaker: 'open' });
  });

  it('stops without moving the checkpoint when the sink fails transiently, losing nothing', async () => {
    const policies = { retry: { maxAttempts: 2, baseDelay: '1ms' }, breaker: false } as const;
    const runtime = await createRuntime({
      integrations: [orders({ policies }, {}, { failureRate: 1 })],
      store,
    });
    const result = await runtime.run('orders');
    expect(result.status).toBe('failed');
    expect(result.error?.kind).toBe('http_5xx');
    expect(await store.checkpoints.get('orders')).toBeUndefined();
    expect(await store.deadLetters.count('orders')).toBe(0);
    expect((await store.runs.latest('orders')).last?.error?.code).toBe('HTTP_503');
  });

  it('replays a range without moving the live checkpoint and without duplicates', async () => {
    const runtime = await createRuntime({ integrations: [orders()], store });
    await runtime.run('orders');
    const replay = await runtime.run('orders', { mode: 'replay', range: { from: '10', to: '30' } });
    expect(replay.status).toBe('succeeded');
    expect(replay.counts.read).toBe(20);
    expect((await store.checkpoints.get('orders'))?.value).toBe(50);
    expect(Object.keys(await readWarehouse(join(dir, 'warehouse.json')))).toHaveLength(50);
    expect((await store.runs.latest('orders')).last?.mode).toBe('replay');
  });

  it('a dry run writes nothing and saves nothing', async () => {
    const runtime = await createRuntime({ integrations: [orders()], store });
    const result = await runtime.run('orders', { dryRun: true });
    expect(result.counts.read).toBe(50);
    expect(result.counts.written).toBe(0);
    expect(await store.checkpoints.get('orders')).toBeUndefined();
    expect(await readWarehouse(join(dir, 'warehouse.json'))).toEqual({});
  });

  it('stops cleanly at the item budget, at a batch boundary', async () => {
    const runtime = await createRuntime({
      integrations: [orders({ budget: { maxItems: 25 }, concurrency: 1 })],
      store,
    });
    const result = await runtime.run('orders');
    expect(result.budgetReached).toBe('items');
    expect(result.status).toBe('partial');
    expect(result.counts.read).toBe(30);
    expect((await store.checkpoints.get('orders'))?.value).toBe(30);
  });

  it('refuses a second run of the same integration from another process sharing the store', async () => {
    const other = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      const gate = gatedIntegration();
      const a = await createRuntime({ integrations: [gate.integration], store, instanceId: 'a' });
      const b = await createRuntime({
        integrations: [gate.integration],
        store: other,
        instanceId: 'b',
      });
      const running = a.run('gated');
      await gate.started;
      await expect(b.run('gated')).rejects.toMatchObject({
        kind: 'overloaded',
        code: 'RUN_IN_PROGRESS',
      });
      await expect(a.run('gated')).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
      gate.release();
      expect((await running).status).toBe('succeeded');
      gate.reset();
      const next = b.run('gated');
      await gate.started;
      gate.release();
      expect((await next).status).toBe('succeeded');
    } finally {
      await other.close();
    }
  });

  it('reports an unknown integration id clearly', async () => {
    const runtime = await createRuntime({ integrations: [orders()], store });
    await expect(runtime.run('nope')).rejects.toMatchObject({
      kind: 'config',
      code: 'UNKNOWN_INTEGRATION',
    });
  });
});

/** A source of three batches and a sink that holds the first batch until released. */
function outOfOrderIntegration() {
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((r) => (releaseFirst = r));
  let secondAndThirdWritten!: () => void;
  const laterWritten = new Promise<void>((r) => (secondAndThirdWritten = r));
  let written = 0;
  const batches = [1, 2, 3].map((b) => ({
    items: [{ key: `k${b}`, data: { b } }],
    checkpoint: { kind: 'offset' as const, value: b },
  }));
  const integration = defineIntegration({
    id: 'ordered',
    owner: 'integrations',
    pattern: 'queue',
    trigger: { type: 'manual' },
    concurrency: 3,
    source: memorySource({ batches }),
    sink: {
      name: 'held',
      idempotent: true,
      async write(records: SinkRecord[]) {
        const b = (records[0]?.data as { b: number }).b;
        if (b === 1) await firstHeld;
        written += 1;
        if (written === 2) secondAndThirdWritten();
      },
    },
    idempotencyKey: { fields: ['b'] },
  });
  return { integration, releaseFirst, laterWritten };
}

function gatedIntegration() {
  let release!: () => void;
  let markStarted!: () => void;
  const state = {
    gate: new Promise<void>((r) => (release = r)),
    started: new Promise<void>((r) => (markStarted = r)),
  };
  async function* gatedBatches(): AsyncGenerator<SourceBatch> {
    markStarted();
    await state.gate;
    yield { items: [{ data: { id: 1 } }] };
  }
  const integration = defineIntegration({
    id: 'gated',
    owner: 'integrations',
    pattern: 'rest-poll',
    trigger: { type: 'manual' },
    source: memorySource({ batches: gatedBatches }),
    sink: { name: 'noop', idempotent: true, write: async () => {} },
  });
  return {
    integration,
    get started() {
      return state.started;
    },
    release: () => release(),
    reset() {
      state.gate = new Promise<void>((r) => (release = r));
      state.started = new Promise<void>((r) => (markStarted = r));
    },
  };
}

describe('checkpoints', () => {
  it('are saved only after every earlier batch is acknowledged, even when later batches finish first', async () => {
    const t = outOfOrderIntegration();
    const runtime = await createRuntime({ integrations: [t.integration], store });
    const running = runtime.run('ordered');
    await t.laterWritten;
    expect(await store.checkpoints.get('ordered')).toBeUndefined();
    t.releaseFirst();
    await running;
    expect((await store.checkpoints.get('ordered'))?.value).toBe(3);
  });

  it('graceful stop drains in-flight batches and saves their checkpoint', async () => {
    const t = outOfOrderIntegration();
    const runtime = await createRuntime({ integrations: [t.integration], store });
    const running = runtime.run('ordered');
    await t.laterWritten;
    const stopping = runtime.stop({ drainMs: 10_000 });
    t.releaseFirst();
    expect(await stopping).toEqual({ drained: true });
    const result = await running;
    expect(result.counts.written).toBe(3);
    expect((await store.checkpoints.get('ordered'))?.value).toBe(3);
  });
});

describe('review regressions', () => {
  function held() {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let writes = 0;
    const sink = collectingSink(async () => {
      writes += 1;
      await gate;
    });
    return { sink, release, writes: () => writes };
  }
  const batches = [1, 2, 3].map((n) => ({
    items: [{ key: String(n), data: { n } }],
    checkpoint: { kind: 'offset' as const, value: n },
  }));
  const integration = (
    sink: ReturnType<typeof collectingSink>,
    extra: Partial<IntegrationOptions> = {},
  ) =>
    defineIntegration({
      id: 'held',
      owner: 'x',
      pattern: 'queue',
      trigger: { type: 'manual' },
      concurrency: 1,
      source: memorySource({ batches }),
      sink,
      idempotencyKey: { fields: ['n'] },
      ...extra,
    });

  it('refuses a second concurrent run of the same integration in one process', async () => {
    const h = held();
    const runtime = await createRuntime({ integrations: [integration(h.sink)], store });
    const first = runtime.run('held');
    await expect(runtime.run('held')).rejects.toMatchObject({ code: 'RUN_IN_PROGRESS' });
    h.release();
    expect((await first).status).toBe('succeeded');
    expect(h.sink.records).toHaveLength(3);
  });

  it('stop() right after run() still drains that run', async () => {
    const h = held();
    const runtime = await createRuntime({ integrations: [integration(h.sink)], store });
    const running = runtime.run('held');
    const stopping = runtime.stop({ drainMs: 5_000 });
    h.release();
    expect(await stopping).toEqual({ drained: true });
    const result = await running;
    expect(['cancelled', 'succeeded']).toContain(result.status);
    expect((await store.runs.latest('held')).last?.finishedAt).not.toBeNull();
    expect(await store.leases.holder('run:held')).toBeUndefined();
  });

  it('a dry run dead-letters nothing', async () => {
    const bad = integration(collectingSink(), {
      steps: [
        (r) => {
          if ((r as { n: number }).n === 2) throw permanent('bad');
          return r;
        },
      ],
    });
    const runtime = await createRuntime({ integrations: [bad], store });
    const result = await runtime.run('held', { dryRun: true });
    expect(result.counts.deadLettered).toBe(1);
    expect(await store.deadLetters.count('held')).toBe(0);
  });

  it('stops dead-lettering the rest of a batch once one item stops the run', async () => {
    const mixed = defineIntegration({
      id: 'mixed',
      owner: 'x',
      pattern: 'queue',
      trigger: { type: 'manual' },
      concurrency: 2,
      source: memorySource({
        batches: [
          {
            items: [
              { key: 'a', data: 'a' },
              { key: 'b', data: 'b' },
            ],
          },
        ],
      }),
      steps: [
        async (r) => {
          if (r === 'a') throw httpError(503, 'lookup');
          await new Promise((resolve) => setTimeout(resolve, 50));
          throw permanent('b is bad');
        },
      ],
      policies: { retry: false },
      sink: collectingSink(),
    });
    const runtime = await createRuntime({ integrations: [mixed], store });
    const result = await runtime.run('mixed');
    expect(result.status).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await store.deadLetters.count('mixed')).toBe(0);
  });

  it('an auth failure at the sink stops the run instead of dead-lettering every item', async () => {
    const locked = integration(
      collectingSink(() => {
        throw httpError(401, 'POST /orders');
      }),
      { policies: { retry: false } },
    );
    const runtime = await createRuntime({ integrations: [locked], store });
    const result = await runtime.run('held');
    expect(result.status).toBe('failed');
    expect(result.error?.kind).toBe('auth');
    expect(await store.deadLetters.count('held')).toBe(0);
    expect(await store.checkpoints.get('held')).toBeUndefined();
  });

  it('start() leaves a run alone while its lease is held elsewhere, and cleans up after a crash', async () => {
    const h = held();
    const other = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      const live = await store.runs.start({ integrationId: 'held', trigger: 't', mode: 'live' });
      await other.leases.acquire('run:held', 'other-process', 60_000);
      const runtime = await createRuntime({ integrations: [integration(h.sink)], store });
      await runtime.start();
      expect((await store.runs.list('held')).find((r) => r.id === live.id)?.status).toBe('running');
      await runtime.stop();
      await other.leases.release('run:held', 'other-process');
      const restarted = await createRuntime({ integrations: [integration(h.sink)], store });
      await restarted.start();
      expect((await store.runs.list('held')).find((r) => r.id === live.id)?.status).toBe(
        'cancelled',
      );
      await restarted.stop();
    } finally {
      await other.close();
    }
  });
});

describe('dead-letter retries', () => {
  it('retries letters through the same pipeline and removes the ones that succeed', async () => {
    const bad = orders({}, { badEvery: 10 });
    const runtime = await createRuntime({ integrations: [bad], store });
    await runtime.run('orders');
    expect(await store.deadLetters.count('orders')).toBe(5);

    // Still failing: each letter is counted as retried and kept.
    const again = await runtime.retryDeadLetters('orders', 'all');
    expect(again.retried).toBe(5);
    expect(again.failed).toHaveLength(5);
    expect((await store.deadLetters.list('orders'))[0]?.retries).toBe(1);

    // The ERP fixed its data (here: the sink stops requiring the field).
    const fixed = orders({}, { badEvery: 10 }, { requireField: undefined });
    const runtime2 = await createRuntime({ integrations: [fixed], store });
    const result = await runtime2.retryDeadLetters('orders', 'all');
    expect(result.succeeded).toHaveLength(5);
    expect(await store.deadLetters.count('orders')).toBe(0);
    expect(Object.keys(await readWarehouse(join(dir, 'warehouse.json')))).toHaveLength(50);
  });

  it('stops at the first transient failure and keeps the letters', async () => {
    const runtime = await createRuntime({ integrations: [orders({}, { badEvery: 10 })], store });
    await runtime.run('orders');
    const down = await createRuntime({
      integrations: [orders({}, { badEvery: 10 }, { failureRate: 1, requireField: undefined })],
      store,
    });
    const result = await down.retryDeadLetters('orders', 'all');
    expect(result.retried).toBe(1);
    expect(result.stoppedBy?.kind).toBe('http_5xx');
    expect(await store.deadLetters.count('orders')).toBe(5);
  });

  it('names unknown dead-letter ids', async () => {
    const runtime = await createRuntime({ integrations: [orders()], store });
    await expect(runtime.retryDeadLetters('orders', ['999999'])).rejects.toMatchObject({
      code: 'UNKNOWN_DEAD_LETTER',
    });
  });
});

describe('validation at start', () => {
  it('reports every bad integration and connector config at once', async () => {
    const a = orders({ id: 'a-orders' }, { pageSize: 0 });
    const b = orders({ id: 'b-orders' }, {}, { failureRate: 2 });
    const err = await createRuntime({
      integrations: [a, b, orders({ id: 'a-orders' })],
      store,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'config' });
    const message = (err as Error).message;
    expect(message).toContain('integration a-orders');
    expect(message).toContain('source.config.pageSize');
    expect(message).toContain('integration b-orders');
    expect(message).toContain('sink.config.failureRate');
    expect(message).toContain('defined twice');
  });

  it('rejects a sink in the source position', async () => {
    const wrong = defineIntegration({
      id: 'wrong',
      owner: 'x',
      pattern: 'sync',
      trigger: { type: 'manual' },
      source: simulatedWarehouse({ file: join(dir, 'w.json') }) as never,
      sink: { name: 'noop', idempotent: true, write: async () => {} },
    });
    await expect(createRuntime({ integrations: [wrong], store })).rejects.toThrow(
      /source: expected a source connector/,
    );
  });
});

describe('errors from the sink', () => {
  it('isolates the poison record in a batch so the good ones are written', async () => {
    const sink = {
      name: 'picky',
      idempotent: true,
      written: [] as unknown[],
      async write(records: SinkRecord[]) {
        if (records.some((r) => (r.data as { n: number }).n === 3))
          throw httpError(400, 'POST /picky');
        this.written.push(...records.map((r) => r.data));
      },
    };
    const five = [{ items: [1, 2, 3, 4, 5].map((n) => ({ key: String(n), data: { n } })) }];
    const runtime = await createRuntime({
      integrations: [
        defineIntegration({
          id: 'picky',
          owner: 'x',
          pattern: 'sync',
          trigger: { type: 'manual' },
          source: memorySource({ batches: five }),
          sink,
          idempotencyKey: { fields: ['n'] },
        }),
      ],
      store,
    });
    const result = await runtime.run('picky');
    expect(result.counts).toMatchObject({ read: 5, written: 4, deadLettered: 1 });
    expect(sink.written).toHaveLength(4);
    expect((await store.deadLetters.list('picky'))[0]?.itemKey).toBe('3');
  });
});
