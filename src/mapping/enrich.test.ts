import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../core/integration.js';
import { createRuntime } from '../runtime/runtime.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { enrichStep, type EnrichOptions } from './enrich.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-enrich-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Order {
  id: string;
  customer?: string;
}
const CUSTOMERS: Record<string, { name: string }> = {
  C1: { name: 'Acme' },
  C2: { name: 'Globex' },
};

function setup(orders: Order[], extra: Partial<EnrichOptions<Order, { name: string }>> = {}) {
  const asked: string[] = [];
  let clock = Date.UTC(2026, 0, 1);
  const sink = collectingSink();
  const def = defineIntegration({
    id: 'orders',
    owner: 'sales',
    pattern: 'sql-extract',
    trigger: { type: 'manual' },
    source: memorySource({
      batches: [
        {
          items: orders.map((data) => ({ key: data.id, data })),
          checkpoint: { kind: 'offset', value: 1 },
        },
      ],
    }),
    steps: [
      enrichStep<Order, { name: string }>({
        name: 'customer',
        key: (o) => o.customer,
        lookup: async (id) => {
          asked.push(id);
          return CUSTOMERS[id];
        },
        merge: (o, c) => ({ ...o, customerName: c?.name ?? null }),
        maxAgeMs: 60_000,
        now: () => clock,
        ...extra,
      }),
    ],
    sink,
  });
  return {
    asked,
    sink,
    def,
    advance: (ms: number) => (clock += ms),
    now: () => clock,
  };
}

describe('enrichStep', () => {
  it('enriches through the store cache, asks once per key, and re-asks after maxAgeMs', async () => {
    const orders = [
      { id: '1', customer: 'C1' },
      { id: '2', customer: 'C1' },
      { id: '3', customer: 'C2' },
      { id: '4', customer: 'C9' },
      { id: '5', customer: 'C9' },
      { id: '6' },
    ];
    const t = setup(orders);
    const runtime = await createRuntime({ integrations: [t.def], store });
    await runtime.run('orders');
    expect(
      t.sink.records
        .map((r) => r.data)
        .sort((a, b) => (a as Order).id.localeCompare((b as Order).id)),
    ).toEqual([
      { id: '1', customer: 'C1', customerName: 'Acme' },
      { id: '2', customer: 'C1', customerName: 'Acme' },
      { id: '3', customer: 'C2', customerName: 'Globex' },
      { id: '4', customer: 'C9', customerName: null },
      { id: '5', customer: 'C9', customerName: null },
      { id: '6', customerName: null },
    ]);
    // Concurrent lookups of one key, and misses, are asked once.
    expect(t.asked.sort()).toEqual(['C1', 'C2', 'C9']);
    expect((await store.cache.get('enrich:customer', 'C1', t.now()))?.value).toEqual({
      name: 'Acme',
    });

    // Within the bound the cache answers (another runtime: nothing in memory).
    t.advance(59_000);
    const again = await createRuntime({ integrations: [t.def], store });
    await again.run('orders');
    expect(t.asked).toHaveLength(3);
    // Beyond it, everything is fetched again.
    t.advance(2_000);
    await (await createRuntime({ integrations: [t.def], store })).run('orders');
    expect(t.asked).toHaveLength(6);
  });

  it('drops or dead-letters records whose lookup finds nothing, when asked to', async () => {
    const orders = [
      { id: '1', customer: 'C1' },
      { id: '2', customer: 'C9' },
    ];
    const dropping = setup(orders, { onMissing: 'drop' });
    await (await createRuntime({ integrations: [dropping.def], store })).run('orders');
    expect(dropping.sink.records.map((r) => (r.data as Order).id)).toEqual(['1']); // only one survives
    expect(await store.deadLetters.count('orders')).toBe(0);

    const failing = setup(orders, { onMissing: 'fail' });
    const result = await (
      await createRuntime({ integrations: [failing.def], store })
    ).run('orders');
    expect(result.counts).toMatchObject({ written: 1, deadLettered: 1 });
    const [letter] = await store.deadLetters.list('orders');
    expect(letter?.error).toMatchObject({
      code: 'ENRICH_NOT_FOUND',
      message: expect.stringContaining('"C9"') as unknown,
    });
    expect(() =>
      enrichStep({
        ...failing,
        name: 'x',
        key: () => 'k',
        lookup: async () => 1,
        merge: (r) => r,
        maxAgeMs: 0,
      }),
    ).toThrow('maxAgeMs must be > 0');
  });
});
