import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpError } from '../../core/classify.js';
import type { SinkRecord } from '../../core/connector.js';
import { defineIntegration } from '../../core/integration.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { sqlExtract } from './extract-source.js';
import { sqlUpsert } from './upsert-sink.js';
import { openTestDb, ts, type TestDb } from './__fixtures__/servers.js';
import type { DialectName, Row } from './types.js';

const DIALECTS: DialectName[] = ['postgres', 'mysql', 'sqlite'];
const policies = {
  retry: { maxAttempts: 2, baseDelay: '1ms', maxDelay: '2ms' },
  breaker: false,
} as const;

describe.each(DIALECTS)('sql-extract → sql-upsert through the runtime on %s', (dialect) => {
  let db: TestDb;
  let dir: string;
  let store: SqliteStore;
  let n = 0;

  beforeAll(async () => {
    db = await openTestDb(dialect);
  });
  afterAll(async () => {
    await db?.drop();
  });
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-sql-runtime-'));
    store = await openSqliteStore({ path: join(dir, 'state.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(sinkOverride?: (records: SinkRecord[]) => Promise<void>) {
    const source = await db.createItems(`src_${++n}`);
    const target = await db.createItems(`dst_${n}`);
    const integration = defineIntegration({
      id: 'hr-employees',
      owner: 'integrations',
      pattern: 'sql-extract',
      trigger: { type: 'manual' },
      source: sqlExtract({
        ...db.connection,
        table: source,
        watermark: 'updated_at',
        primaryKey: 'id',
        pageSize: 2,
        lookback: '1m',
      } as never),
      sink: sinkOverride
        ? { name: 'flaky', idempotent: true, write: (records) => sinkOverride(records) }
        : sqlUpsert({ ...db.connection, table: target, key: 'id' } as never),
      idempotencyKey: { fields: ['id'] },
      policies,
      concurrency: 1,
    });
    const runtime = await createRuntime({ integrations: [integration], store });
    return { source, target, runtime };
  }

  const ids = async (table: string) => (await db.rows(table)).map((r: Row) => Number(r['id']));
  const watermark = async () =>
    ((await store.checkpoints.get('hr-employees'))?.value as { watermark?: string } | undefined)
      ?.watermark;

  it('copies every row once, resumes from the watermark, and replays without moving it or adding rows', async () => {
    const { source, target, runtime } = await setup();
    await db.insert(
      source,
      [1, 2, 3, 4, 5].map((id) => ({ id, name: `n${id}`, updated_at: ts(id < 4 ? 1 : id) })),
    );
    expect((await runtime.run('hr-employees')).status).toBe('succeeded');
    expect(await ids(target)).toEqual([1, 2, 3, 4, 5]);
    const after1 = await watermark();
    expect(after1).toContain(ts(5).slice(0, 19));

    // A tie with the boundary and a late commit inside the lookback window.
    await db.insert(source, [
      { id: 6, name: 'tie', updated_at: ts(5) },
      { id: 7, name: 'late', updated_at: ts(2) },
    ]);
    const second = await runtime.run('hr-employees');
    expect(second.counts.read).toBe(2);
    expect(await ids(target)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    const live = await watermark();
    const replay = await runtime.run('hr-employees', {
      mode: 'replay',
      range: { from: ts(0), to: ts(60) },
    });
    expect(replay.status).toBe('succeeded');
    expect(replay.counts.read).toBe(7);
    expect(await watermark()).toBe(live);
    expect(await ids(target)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('ends with target equal to source while rows are inserted and updated during the run', async () => {
    const { source, target, runtime } = await setup();
    await db.insert(
      source,
      Array.from({ length: 20 }, (_, i) => ({ id: i + 1, name: 'v0', updated_at: ts(i % 5) })),
    );
    let stop = false;
    let tick = 0;
    const writer = (async () => {
      while (!stop) {
        tick++;
        await db.insert(source, [{ id: 100 + tick, name: 'new', updated_at: ts(10 + tick) }]);
        await db.admin.run(
          `UPDATE ${source} SET name = 'v${tick}', updated_at = '${ts(10 + tick, 1)}' WHERE id = ${1 + (tick % 20)}`,
        );
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    const first = await runtime.run('hr-employees');
    stop = true;
    await writer;
    expect(first.status).toBe('succeeded');
    await runtime.run('hr-employees');
    const view = (rows: Row[]) => rows.map((r) => `${String(r['id'])}:${String(r['name'])}`);
    expect(view(await db.rows(target))).toEqual(view(await db.rows(source)));
    expect(tick).toBeGreaterThan(0);
  });

  it('moves the watermark only past pages the sink acknowledged', async () => {
    let failFrom = 3;
    const written: number[] = [];
    const { source, runtime } = await setup(async (records) => {
      const batch = records.map((r) => Number((r.data as Row)['id']));
      if (batch.some((id) => id >= failFrom)) throw httpError(503, 'sink');
      written.push(...batch);
    });
    await db.insert(
      source,
      [1, 2, 3, 4].map((id) => ({ id, name: 'x', updated_at: ts(id) })),
    );
    const failed = await runtime.run('hr-employees');
    expect(failed.status).toBe('failed');
    expect(written).toEqual([1, 2]);
    expect(await watermark()).toContain(ts(2).slice(0, 19));
    failFrom = Number.MAX_SAFE_INTEGER;
    expect((await runtime.run('hr-employees')).status).toBe('succeeded');
    expect(written).toEqual([1, 2, 3, 4]);
    expect(await watermark()).toContain(ts(4).slice(0, 19));
  });
});
