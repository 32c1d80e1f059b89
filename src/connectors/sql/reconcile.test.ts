import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../core/integration.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { postgres } from './dialects/index.js';
import { sqlExtract } from './extract-source.js';
import { compareKeys, inRange, keyPageQuery } from './reconcile.js';
import { sqlUpsert } from './upsert-sink.js';
import { openTestDb, testContext, ts, type TestDb } from './__fixtures__/servers.js';
import type { DialectName, Row } from './types.js';

describe('reconcile key order and ranges', () => {
  it('orders integer keys by value, text by code unit, composite keys column by column', () => {
    expect(compareKeys(['10'], [9])).toBe(1);
    expect(compareKeys(['9007199254740993'], ['9007199254740992'])).toBe(1);
    expect(compareKeys(['B'], ['a'])).toBe(-1);
    expect(compareKeys([1, 'b'], [1, 'a'])).toBe(1);
    expect(compareKeys([2], ['2'])).toBe(0);
  });

  it('treats after as exclusive, through as inclusive and null as unbounded', () => {
    const t = { after: [100], through: [200], keys: [] };
    expect([100, 101, 200, 201].map((k) => inRange([k], t))).toEqual([false, true, true, false]);
    expect(inRange([5], { after: null, through: [10], keys: [] })).toBe(true);
    expect(inRange([5_000], { after: [10], through: null, keys: [] })).toBe(true);
  });

  it('pages keys with a keyset bound and LIMIT, never OFFSET', () => {
    const stmt = keyPageQuery(postgres, '"t"', ['"a"', '"b"'], [1, 'x'], 500);
    expect(stmt.sql).toBe(
      'SELECT "a", "b" FROM "t" WHERE ("a" > $1 OR ("a" = $2 AND ("b" > $3))) ORDER BY "a" ASC, "b" ASC LIMIT 500',
    );
    expect(stmt.params).toEqual([1, 1, 'x']);
    expect(stmt.sql).not.toMatch(/OFFSET/i);
  });
});

const DIALECTS: DialectName[] = ['postgres', 'mysql', 'sqlite'];

describe.each(DIALECTS)('sql-extract reconcile → sql-upsert on %s', (dialect) => {
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
    dir = mkdtempSync(join(tmpdir(), 'patchbay-sql-reconcile-'));
    store = await openSqliteStore({ path: join(dir, 'state.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(sink: Record<string, unknown> = {}) {
    const source = await db.createItems(`rsrc_${++n}`);
    const target = await db.createItems(`rdst_${n}`);
    const integration = defineIntegration({
      id: 'hr-reconcile',
      owner: 'integrations',
      pattern: 'sql-extract',
      trigger: { type: 'manual' },
      source: sqlExtract({
        ...db.connection,
        table: source,
        watermark: 'updated_at',
        primaryKey: 'id',
        columns: ['id', 'name', 'updated_at'],
        pageSize: 2,
        reconcile: { every: '1d' },
      } as never),
      sink: sqlUpsert({ ...db.connection, table: target, key: 'id', ...sink } as never),
      idempotencyKey: { fields: ['id'] },
      policies: { retry: { maxAttempts: 1 }, breaker: false },
      concurrency: 1,
    });
    const runtime = await createRuntime({ integrations: [integration], store });
    await db.insert(
      source,
      [1, 2, 3, 4, 5, 6, 7].map((id) => ({ id, name: `n${id}`, updated_at: ts(id) })),
    );
    return { source, target, runtime };
  }

  const view = (rows: Row[]) =>
    rows.map(
      (r) => `${String(r['id'])}:${String(r['name'])}:${r['deleted_at'] == null ? '' : 'D'}`,
    );
  const checkpoint = async () =>
    (await store.checkpoints.get('hr-reconcile'))?.value as Record<string, unknown> | undefined;
  /** Pretends the last reconcile is older than `every`, keeping the watermark. */
  const makeDue = async () => {
    const value = (await checkpoint())!;
    await store.checkpoints.set('hr-reconcile', 'default', {
      kind: 'watermark',
      value: { ...(value as Record<string, never>), reconciledAt: 0 },
    });
  };

  it('removes hard-deleted rows downstream when due, changes nothing else, and never on a replay', async () => {
    const { source, target, runtime } = await setup();
    expect((await runtime.run('hr-reconcile')).status).toBe('succeeded');
    expect(view(await db.rows(target))).toEqual(view(await db.rows(source)));
    const first = await checkpoint();
    expect(typeof first?.['reconciledAt']).toBe('number');

    // 2 and 5 inside ranges, 7 the last key (the open-ended tail range).
    await db.admin.run(`DELETE FROM ${source} WHERE id IN (2, 5, 7)`);
    expect((await runtime.run('hr-reconcile')).status).toBe('succeeded');
    expect((await db.rows(target)).map((r) => Number(r['id']))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await checkpoint())?.['reconciledAt']).toBe(first?.['reconciledAt']);

    await makeDue();
    const replay = await runtime.run('hr-reconcile', {
      mode: 'replay',
      range: { from: ts(0), to: ts(60) },
    });
    expect(replay.status).toBe('succeeded');
    expect((await db.rows(target)).map((r) => Number(r['id']))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect((await checkpoint())?.['reconciledAt']).toBe(0);

    const before = view(await db.rows(target)).filter((r) => !/^[257]:/.test(r));
    const run = await runtime.run('hr-reconcile');
    expect(run.status).toBe('succeeded');
    expect(view(await db.rows(target))).toEqual(before);
    expect(view(await db.rows(target))).toEqual(view(await db.rows(source)));
    expect((await checkpoint())?.['reconciledAt']).toBeGreaterThan(0);
    expect((await checkpoint())?.['watermark']).toBe(first?.['watermark']);
  });

  it('soft-deletes by key with softDeleteColumn and leaves every other row untouched', async () => {
    const { source, target, runtime } = await setup({ softDeleteColumn: 'deleted_at' });
    expect((await runtime.run('hr-reconcile')).status).toBe('succeeded');
    await db.admin.run(`DELETE FROM ${source} WHERE id IN (1, 6)`);
    await makeDue();
    expect((await runtime.run('hr-reconcile')).status).toBe('succeeded');
    expect(view(await db.rows(target))).toEqual([
      '1:n1:D',
      '2:n2:',
      '3:n3:',
      '4:n4:',
      '5:n5:',
      '6:n6:D',
      '7:n7:',
    ]);
  });

  it('deletes nothing when the source is empty', async () => {
    const { source, target, runtime } = await setup();
    expect((await runtime.run('hr-reconcile')).status).toBe('succeeded');
    await db.admin.run(`DELETE FROM ${source}`);
    await makeDue();
    expect((await runtime.run('hr-reconcile')).status).toBe('succeeded');
    expect((await db.rows(target)).length).toBe(7);
  });
});

describe('reconcile on a target that orders keys differently (MariaDB, case-insensitive collation)', () => {
  it('spares target keys the SQL range matches but compareKeys places outside it', async () => {
    const db = await openTestDb('mysql');
    try {
      const table = db.t('ci_keys');
      await db.admin.run(
        `CREATE TABLE ${table} (code VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, name TEXT)`,
      );
      await db.admin.run(
        `INSERT INTO ${table} VALUES ('B', 'kept'), ('a', 'other range'), ('A1', 'gone')`,
      );
      const cfg = sqlUpsert.spec.config.parse({ ...db.connection, table, key: 'code' });
      const sink = await sqlUpsert.spec.connect(cfg, testContext());
      // Binary order puts 'a' after 'B': it belongs to a later range, which this is not.
      const tombstone = { after: null, through: ['B'], keys: [['B']] };
      await sink.write(
        [{ data: { code: 'B', _reconcile: tombstone }, idempotencyKey: 'B', sourceKey: 'B' }],
        testContext(),
      );
      await sink.close();
      const left = await db.admin.query(`SELECT code FROM ${table} ORDER BY code`);
      expect(left.map((r) => r['code'])).toEqual(['a', 'B']);
    } finally {
      await db.drop();
    }
  });
});
