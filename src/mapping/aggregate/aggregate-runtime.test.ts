import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SinkRecord, SourceBatch } from '../../core/connector.js';
import { defineIntegration, type BatchStepFn, type FunctionSink } from '../../core/integration.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import type { Store } from '../../store/types.js';
import { memorySource } from '../../testing/index.js';
import { retryRejects } from '../../cli/commands/rejects-retry.js';
import { NOT_REDRIVABLE, REJECT_SINK } from '../step.js';
import { aggregateStep, AGGREGATE_STATE } from './step.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-aggregate-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 23, 10, 0);
const at = (min: number, sec = 0) => new Date(T0 + min * 60_000 + sec * 1000).toISOString();

const WINDOWED = {
  name: 'per-depot',
  key: 'depot',
  reduce: {
    parcels: 'count',
    weight: 'sum(kg)',
    first_scan: 'first(id)',
    last_scan: 'last(id)',
    ids: 'collect(id)',
  },
  within: { window: '5m', eventTime: 'at', lateness: '1m' },
  id: 'id',
} as const;

function upsertSink(fail?: (records: SinkRecord[]) => void) {
  const rows = new Map<string, unknown>();
  const writes: SinkRecord[] = [];
  const sink: FunctionSink = {
    name: 'upsert',
    idempotent: true,
    async write(records) {
      fail?.(records);
      for (const r of records) {
        writes.push(r);
        rows.set(r.idempotencyKey as string, r.data);
      }
    },
  };
  return { sink, rows, writes };
}

/** One batch per list, resuming after the saved offset. */
function batches(lists: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>) {
  return memorySource({
    batches: async function* (ctx): AsyncGenerator<SourceBatch> {
      for (let i = Number(ctx.checkpoint?.value ?? 0); i < lists.length; i++) {
        yield {
          items: (lists[i] ?? []).map((data) => ({ key: String(data['id']), data })),
          checkpoint: { kind: 'offset', value: i + 1 },
        };
      }
    },
  });
}

const scanRow = (id: string, depot: string, min: number, kg: string) => ({
  id,
  depot,
  at: at(min),
  kg,
});

function integration(lists: Parameters<typeof batches>[0], sink: FunctionSink) {
  return defineIntegration({
    id: 'scans',
    owner: 'logistics',
    pattern: 'queue',
    trigger: { type: 'manual' },
    source: batches(lists),
    steps: [aggregateStep({ ...WINDOWED })],
    sink,
    concurrency: 1,
  });
}

describe('aggregateStep in the runtime', () => {
  it('batch mode: one record per key at the end of each batch, keyed for the sink', async () => {
    const { sink, writes } = upsertSink();
    const def = defineIntegration({
      id: 'orders',
      owner: 'sales',
      pattern: 'queue',
      trigger: { type: 'manual' },
      source: batches([
        [
          { id: 1, sku: 'A', qty: '1.5' },
          { id: 2, sku: 'A', qty: '2' },
          { id: 3, sku: 'B', qty: '1' },
        ],
        [{ id: 4, sku: 'A', qty: '1' }],
      ]),
      steps: [
        aggregateStep({
          name: 'qty',
          key: 'sku',
          reduce: { qty: 'sum(qty)', n: 'count' },
          within: 'batch',
        }),
      ],
      sink,
    });
    const runtime = await createRuntime({ integrations: [def], store });
    const result = await runtime.run('orders');
    expect(result.status).toBe('succeeded');
    expect(writes.map((w) => w.data)).toEqual(
      expect.arrayContaining([
        { sku: 'A', qty: '3.5', n: 2 },
        { sku: 'B', qty: '1', n: 1 },
        { sku: 'A', qty: '1', n: 1 },
      ]),
    );
    expect(writes).toHaveLength(3);
    expect(new Set(writes.map((w) => w.idempotencyKey)).size).toBe(3);
  });

  it('keeps open windows across a restart and rejects late records to the ledger', async () => {
    const lists = [
      [scanRow('s1', 'HAM', 1, '1.5'), scanRow('s2', 'HAM', 3, '2')],
      [scanRow('s3', 'HAM', 4, '0.5')],
    ];
    const first = upsertSink();
    const rt1 = await createRuntime({
      integrations: [integration(lists, first.sink)],
      store,
    });
    expect((await rt1.run('scans')).status).toBe('succeeded');
    expect(first.writes).toEqual([]);
    const stored = await store.cache.get(AGGREGATE_STATE, 'scans:per-depot');
    expect(Object.keys((stored?.value as { open: object }).open)).toHaveLength(1);

    // A new process: a new step instance reading the stored state.
    const more = [
      ...lists,
      [scanRow('s4', 'HAM', 9, '1'), scanRow('s0', 'HAM', 0, '9')],
      [scanRow('s5', 'HAM', 2, '7')],
    ];
    const second = upsertSink();
    const rt2 = await createRuntime({
      integrations: [integration(more, second.sink)],
      store,
    });
    expect((await rt2.run('scans')).status).toBe('succeeded');
    expect(second.writes.map((w) => w.data)).toEqual([
      expect.objectContaining({
        window_start: at(0),
        parcels: 4,
        weight: '13.0',
        ids: ['s0', 's1', 's2', 's3'],
      }),
    ]);
    const rejects = await store.rejects.list('scans');
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({
      mapping: 'aggregate:per-depot',
      recordKey: 's5',
      rule: 'late',
      fieldPath: 'at',
    });
  });

  it('a crash after the write but before the state is saved re-emits the same keys, not new rows', async () => {
    const lists = [
      [scanRow('s1', 'HAM', 1, '1'), scanRow('s2', 'BER', 2, '2')],
      [scanRow('s3', 'HAM', 8, '1')],
    ];
    const { sink, rows, writes } = upsertSink();
    // The state write of batch 2 fails once: the process "dies" between write and commit.
    let failed = false;
    const flaky: Store = new Proxy(store, {
      get(target, prop) {
        if (prop !== 'cache') return Reflect.get(target, prop) as unknown;
        return new Proxy(target.cache, {
          get(cache, p) {
            if (p !== 'set') return (Reflect.get(cache, p) as () => unknown).bind(cache);
            return async (ns: string, ...rest: [string, never]) => {
              if (ns === AGGREGATE_STATE && writes.length > 0 && !failed) {
                failed = true;
                throw new Error('process killed');
              }
              return cache.set(ns, ...rest);
            };
          },
        });
      },
    });
    const rt1 = await createRuntime({
      integrations: [integration(lists, sink)],
      store: flaky,
    });
    expect((await rt1.run('scans')).status).toBe('failed');
    expect(writes).toHaveLength(2);
    expect((await store.checkpoints.get('scans', 'default'))?.value).toBe(1);

    const rt2 = await createRuntime({ integrations: [integration(lists, sink)], store });
    expect((await rt2.run('scans')).status).toBe('succeeded');
    // Emitted again with the same keys: the upsert holds each window once, with the right totals.
    expect(writes).toHaveLength(4);
    expect([...rows.values()]).toEqual([
      expect.objectContaining({ depot: 'BER', parcels: 1, weight: '2' }),
      expect.objectContaining({ depot: 'HAM', parcels: 1, weight: '1' }),
    ]);
  });

  it('a crash after the state is saved but before the checkpoint counts the batch once', async () => {
    const lists = [
      [scanRow('s1', 'HAM', 1, '1')],
      [scanRow('s2', 'HAM', 2, '2'), scanRow('s3', 'HAM', 8, '1')],
      [scanRow('s4', 'HAM', 14, '1')],
    ];
    const { sink, rows } = upsertSink();
    let failed = false;
    const flaky: Store = new Proxy(store, {
      get(target, prop) {
        if (prop !== 'checkpoints') return Reflect.get(target, prop) as unknown;
        return {
          ...target.checkpoints,
          get: target.checkpoints.get.bind(target.checkpoints),
          list: target.checkpoints.list.bind(target.checkpoints),
          async set(...args: Parameters<Store['checkpoints']['set']>) {
            if (args[2].value === 2 && !failed) {
              failed = true;
              throw new Error('process killed');
            }
            return target.checkpoints.set(...args);
          },
        };
      },
    });
    const rt1 = await createRuntime({
      integrations: [integration(lists, sink)],
      store: flaky,
    });
    expect((await rt1.run('scans')).status).not.toBe('succeeded');
    const rt2 = await createRuntime({ integrations: [integration(lists, sink)], store });
    expect((await rt2.run('scans')).status).toBe('succeeded');
    expect([...rows.values()]).toEqual([
      expect.objectContaining({ window_start: at(0), parcels: 2, weight: '3' }),
      expect.objectContaining({ window_start: at(5), parcels: 1, weight: '1' }),
    ]);
    expect(await store.rejects.count('scans')).toBe(0);
  });
});

describe('re-driving an aggregate reject', () => {
  it('keeps it in the ledger: a record cannot be re-driven into a window', async () => {
    const step = aggregateStep({ ...WINDOWED });
    const { batch } = step as { batch: BatchStepFn };
    const seen: unknown[] = [];
    const ctx = {
      integrationId: 'scans',
      store,
      logger: { warn() {} },
      mode: 'replay',
      sourceKey: undefined,
      [REJECT_SINK]: (r: unknown) => void seen.push(r),
    };
    const out = await batch(
      [{ data: scanRow('s9', 'HAM', 1, '1'), sourceKey: 's9' }],
      ctx as never,
    );
    expect(out.records).toEqual([]);
    expect(seen).toMatchObject([
      {
        rule: NOT_REDRIVABLE,
        recordKey: 's9',
        message: expect.stringContaining('patchbay replay') as unknown,
      },
    ]);
    expect(await store.rejects.count('scans')).toBe(0);
  });
});

describe('closeIdle: windows close by the clock after a quiet spell', () => {
  it('emits the last windows at the end of a later run with nothing new, and refuses stragglers', async () => {
    const { sink, rows } = upsertSink();
    // The first run reads one batch; the second finds nothing new; the third brings a straggler.
    const lists = [[scanRow('s1', 'HAM', 1, '1'), scanRow('s2', 'BRE', 5, '2')]];
    let clock = T0 + 8 * 60_000;
    const def = (data: typeof lists) =>
      defineIntegration({
        id: 'scans',
        owner: 'logistics',
        pattern: 'queue',
        trigger: { type: 'manual' },
        source: batches(data),
        steps: [
          aggregateStep({
            ...WINDOWED,
            within: { window: '5m', eventTime: 'at', lateness: '1m', closeIdle: '15m' },
          }),
        ],
        sink,
        concurrency: 1,
      });
    const rt = await createRuntime({ integrations: [def(lists)], store, now: () => clock });
    expect((await rt.run('scans')).status).toBe('succeeded');
    // Event time reached 10:05: the 10:00 window is still within its lateness, nothing closed.
    expect(rows.size).toBe(0);

    clock += 14 * 60_000; // quiet, but not for 15 minutes yet
    expect((await rt.run('scans')).status).toBe('succeeded');
    expect(rows.size).toBe(0);

    clock += 60_000; // 15 minutes without a record: both windows close
    expect((await rt.run('scans')).status).toBe('succeeded');
    expect([...rows.values()]).toEqual([
      expect.objectContaining({ window_start: at(0), depot: 'HAM', parcels: 1 }),
      expect.objectContaining({ window_start: at(5), depot: 'BRE', parcels: 1 }),
    ]);

    // A record for a window closed by the clock is late, like any other.
    const rt2 = await createRuntime({
      integrations: [def([...lists, [scanRow('s3', 'BRE', 9, '4')]])],
      store,
      now: () => clock,
    });
    expect((await rt2.run('scans')).status).toBe('succeeded');
    expect(rows.size).toBe(2);
    const [late] = await store.rejects.list('scans');
    expect(late).toMatchObject({ rule: 'late', recordKey: 's3' });
    // `rejects retry` cannot put it back into a closed window: it stays, its reason intact.
    const retried = await retryRejects(rt2, 'scans', late ? [late] : []);
    expect(retried).toMatchObject({ retried: 0, skipped: [{ id: late?.id, rule: 'late' }] });
    expect(await store.rejects.get(late?.id ?? '')).toMatchObject({ rule: 'late', retries: 0 });
  });

  it('without closeIdle the windows wait for event time however long it is quiet', async () => {
    const { sink, rows } = upsertSink();
    let clock = T0 + 8 * 60_000;
    const rt = await createRuntime({
      integrations: [integration([[scanRow('s1', 'HAM', 1, '1')]], sink)],
      store,
      now: () => clock,
    });
    expect((await rt.run('scans')).status).toBe('succeeded');
    clock += 24 * 3_600_000;
    expect((await rt.run('scans')).status).toBe('succeeded');
    expect(rows.size).toBe(0);
  });
});
