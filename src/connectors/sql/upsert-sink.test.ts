import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SinkRecord, SinkSession } from '../../core/connector.js';
import { ConflictQueue } from './conflicts.js';
import { sqlUpsert } from './upsert-sink.js';
import { openTestDb, testContext, ts, type TestDb } from './__fixtures__/servers.js';
import type { DialectName } from './types.js';

const DIALECTS: DialectName[] = ['postgres', 'mysql', 'sqlite'];

const rec = (data: Record<string, unknown>): SinkRecord => ({
  data,
  idempotencyKey: String(data['id']),
  sourceKey: String(data['id']),
});

describe.each(DIALECTS)('sql-upsert on %s', (dialect) => {
  let db: TestDb;
  let n = 0;
  const open = async (extra: Record<string, unknown>) => {
    const table = await db.createItems(`target_${++n}`);
    const cfg = { ...db.connection, table, key: 'id', ...extra };
    const sink = (await sqlUpsert.spec.connect(
      sqlUpsert.spec.config.parse(cfg),
      testContext(),
    )) as SinkSession;
    return { table, sink, cfg };
  };
  const names = async (table: string) =>
    (await db.rows(table)).map((r) => `${String(r['id'])}:${String(r['name'])}`);

  beforeAll(async () => {
    db = await openTestDb(dialect);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('upserts in batches by key; writing the same records again adds nothing', async () => {
    const { table, sink } = await open({ batchSize: 2 });
    const batch = [1, 2, 3, 4, 5].map((id) => rec({ id, name: `n${id}`, updated_at: ts(id) }));
    await sink.write(batch, testContext());
    await sink.write(batch, testContext());
    await sink.write([rec({ id: 2, name: 'changed', updated_at: ts(9) })], testContext());
    expect(await names(table)).toEqual(['1:n1', '2:changed', '3:n3', '4:n4', '5:n5']);
    await sink.close();
  });

  it('last-write-wins keeps the newer version, also inside one batch', async () => {
    const { table, sink } = await open({ conflict: 'last-write-wins', versionColumn: 'version' });
    await sink.write([rec({ id: 1, name: 'v2', updated_at: ts(1), version: 2 })], testContext());
    await sink.write([rec({ id: 1, name: 'v1', updated_at: ts(1), version: 1 })], testContext());
    expect(await names(table)).toEqual(['1:v2']);
    await sink.write(
      [
        rec({ id: 1, name: 'v4', updated_at: ts(1), version: 4 }),
        rec({ id: 1, name: 'v3', updated_at: ts(1), version: 3 }),
      ],
      testContext(),
    );
    expect(await names(table)).toEqual(['1:v4']);
    await sink.close();
  });

  it('first-write-wins never changes a stored row', async () => {
    const { table, sink } = await open({ conflict: 'first-write-wins' });
    await sink.write([rec({ id: 1, name: 'first', updated_at: ts(1) })], testContext());
    await sink.write(
      [
        rec({ id: 1, name: 'second', updated_at: ts(2) }),
        rec({ id: 2, name: 'b', updated_at: ts(2) }),
      ],
      testContext(),
    );
    expect(await names(table)).toEqual(['1:first', '2:b']);
    await sink.close();
  });

  it('parks an older incoming version once, and resolves it from the queue', async () => {
    const { table, sink, cfg } = await open({
      conflict: 'park',
      versionColumn: 'version',
      conflictsTable: db.t(`conflicts_${n}`),
    });
    await sink.write([rec({ id: 1, name: 'v5', updated_at: ts(1), version: 5 })], testContext());
    const stale = rec({ id: 1, name: 'v3', updated_at: ts(1), version: 3 });
    await sink.write([stale], testContext());
    await sink.write(
      [stale, rec({ id: 1, name: 'v5', updated_at: ts(1), version: 5 })],
      testContext(),
    ); // a replay
    expect(await names(table)).toEqual(['1:v5']);
    const queue = await ConflictQueue.open(cfg, testContext());
    try {
      const open = await queue.list('sql-test');
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({
        key: '["1"]',
        incoming: { name: 'v3' },
        current: { name: 'v5' },
        status: 'open',
      });
      const resolved = await queue.resolve('sql-test', open[0]!.id, 'incoming');
      expect(resolved).toMatchObject({ status: 'resolved', resolution: 'incoming' });
      expect(await names(table)).toEqual(['1:v3']);
      expect(await queue.list('sql-test')).toEqual([]);
      expect(await queue.list('sql-test', { all: true })).toHaveLength(1);
      await expect(queue.resolve('sql-test', open[0]!.id, 'current')).rejects.toMatchObject({
        code: 'ALREADY_RESOLVED',
      });
    } finally {
      await queue.close();
    }
    await sink.write([rec({ id: 1, name: 'v6', updated_at: ts(1), version: 6 })], testContext());
    expect(await names(table)).toEqual(['1:v6']);
    await sink.close();
  });

  it('deletes rows flagged as deleted and rejects field names that are not identifiers', async () => {
    const { table, sink } = await open({ deleteFlag: '_deleted' });
    await sink.write(
      [
        rec({ id: 1, name: 'a', updated_at: ts(1), _deleted: false }),
        rec({ id: 2, name: 'b', updated_at: ts(1) }),
      ],
      testContext(),
    );
    await sink.write([rec({ id: 1, name: 'a', updated_at: ts(2), _deleted: true })], testContext());
    expect(await names(table)).toEqual(['2:b']);
    await expect(
      sink.write(
        [rec({ id: 3, 'name) VALUES (1); DROP TABLE x; --': 'x', updated_at: ts(1) })],
        testContext(),
      ),
    ).rejects.toMatchObject({ kind: 'validation', code: 'BAD_COLUMN', retryable: false });
    await sink.close();
  });
});
