import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceBatch } from '../../core/connector.js';
import type { Checkpoint } from '../../store/types.js';
import { GuardedConnection } from './connection.js';
import { sqlExtract } from './extract-source.js';
import {
  openTestDb,
  readAll,
  readContext,
  testContext,
  ts,
  type TestDb,
} from './__fixtures__/servers.js';
import type { DialectName, Row } from './types.js';

const DIALECTS: DialectName[] = ['postgres', 'mysql', 'sqlite'];

function checkpointOf(batches: SourceBatch[]): Checkpoint | undefined {
  const last = batches.filter((b) => b.checkpoint).at(-1)?.checkpoint;
  return last ? { kind: last.kind, value: last.value, updatedAt: Date.now() } : undefined;
}
const ids = (batches: SourceBatch[]) =>
  batches.flatMap((b) => b.items.map((i) => Number((i.data as Row)['id'])));

describe.each(DIALECTS)('sql-extract on %s', (dialect) => {
  let db: TestDb;
  let n = 0;
  const table = async () => db.createItems(`items_${++n}`);
  const connect = (extra: Record<string, unknown>) =>
    sqlExtract.spec.connect(
      sqlExtract.spec.config.parse({
        ...db.connection,
        watermark: 'updated_at',
        primaryKey: 'id',
        ...extra,
      }),
      testContext(),
    );

  beforeAll(async () => {
    db = await openTestDb(dialect);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('pages on (watermark, key) without skipping or repeating rows inserted between pages', async () => {
    const t = await table();
    // Five rows share one timestamp so a page boundary falls inside the tie.
    await db.insert(
      t,
      [1, 2, 3, 4, 5].map((id) => ({ id, name: `r${id}`, updated_at: ts(1) })),
    );
    await db.insert(t, [{ id: 6, name: 'r6', updated_at: ts(2) }]);
    const session = await connect({ table: t, pageSize: 2 });
    const seen: number[] = [];
    const batches: SourceBatch[] = [];
    for await (const batch of session.read(readContext())) {
      batches.push(batch);
      seen.push(...ids([batch]));
      if (batches.length === 1) {
        // Same watermark as the boundary (id 2), later key: must be read once, in order.
        await db.insert(t, [{ id: 7, name: 'late-tie', updated_at: ts(1) }]);
        // Newer than the run's starting maximum: left for the next run.
        await db.insert(t, [{ id: 8, name: 'new', updated_at: ts(3) }]);
      }
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 7, 6]);
    const next = await readAll(session, readContext({ checkpoint: checkpointOf(batches) }));
    await session.close();
    expect(ids(next)).toEqual([8]);
  });

  it('resumes after the saved watermark, keeping microseconds', async () => {
    const t = await table();
    await db.insert(t, [
      { id: 1, name: 'a', updated_at: ts(1, 1) },
      { id: 2, name: 'b', updated_at: ts(1, 2) },
    ]);
    const session = await connect({ table: t, pageSize: 1 });
    const first = await readAll(session, readContext());
    expect(ids(first)).toEqual([1, 2]);
    await db.insert(t, [{ id: 3, name: 'c', updated_at: ts(1, 3) }]);
    const second = await readAll(session, readContext({ checkpoint: checkpointOf(first) }));
    expect(ids(second)).toEqual([3]);
    expect(checkpointOf(second)?.kind).toBe('watermark');
    await session.close();
  });

  it('picks up a late-committing row inside the lookback window exactly once', async () => {
    const t = await table();
    await db.insert(t, [
      { id: 1, name: 'a', updated_at: ts(10) },
      { id: 2, name: 'b', updated_at: ts(20) },
    ]);
    const session = await connect({ table: t, pageSize: 10, lookback: '1m' });
    const first = await readAll(session, readContext());
    expect(ids(first)).toEqual([1, 2]);
    // Committed after id 2 but stamped before it (a long transaction): behind the watermark.
    await db.insert(t, [{ id: 3, name: 'late', updated_at: ts(15) }]);
    const second = await readAll(session, readContext({ checkpoint: checkpointOf(first) }));
    expect(ids(second)).toEqual([3]);
    const third = await readAll(session, readContext({ checkpoint: checkpointOf(second) }));
    expect(ids(third)).toEqual([]);
    // The watermark never moves back to the late row's time.
    expect((checkpointOf(second)?.value as { watermark: string }).watermark).toContain(
      ts(20).slice(0, 19),
    );
    await session.close();
  });

  it('uses a numeric watermark with a numeric lookback', async () => {
    const t = await table();
    await db.insert(
      t,
      [1, 2, 3].map((id) => ({ id, name: 'x', updated_at: ts(0), version: id * 10 })),
    );
    const session = await connect({ table: t, watermark: 'version', lookback: 15, pageSize: 2 });
    const first = await readAll(session, readContext());
    expect(ids(first)).toEqual([1, 2, 3]);
    await db.insert(t, [{ id: 4, name: 'late', updated_at: ts(0), version: 25 }]);
    const second = await readAll(session, readContext({ checkpoint: checkpointOf(first) }));
    expect(ids(second)).toEqual([4]);
    expect(ids(await readAll(session, readContext({ checkpoint: checkpointOf(second) })))).toEqual(
      [],
    );
    await session.close();
  });

  it('replays a watermark range statelessly: no checkpoint in any batch', async () => {
    const t = await table();
    await db.insert(
      t,
      [1, 2, 3, 4].map((id) => ({ id, name: 'x', updated_at: ts(id) })),
    );
    const session = await connect({ table: t, pageSize: 1 });
    const batches = await readAll(
      session,
      readContext({ mode: 'replay', range: { from: ts(2), to: ts(4) } }),
    );
    expect(ids(batches)).toEqual([2, 3]);
    expect(batches.every((b) => b.checkpoint === undefined)).toBe(true);
    if (dialect !== 'sqlite') {
      // As `patchbay replay --from 2026-11-23T12:00:02Z` passes it: zoned ISO (SQLite compares text as stored).
      const iso = (s: string) => `${s.replace(' ', 'T').slice(0, 19)}Z`;
      const zoned = await readAll(
        session,
        readContext({ mode: 'replay', range: { from: iso(ts(2)), to: iso(ts(4)) } }),
      );
      expect(ids(zoned)).toEqual([2, 3]);
    }
    await session.close();
  });

  it('stops at the item budget on a page boundary, and propagates soft deletes as a flag', async () => {
    const t = await table();
    await db.insert(
      t,
      [1, 2, 3, 4, 5].map((id) => ({ id, name: 'x', updated_at: ts(id) })),
    );
    await db.insert(t, [{ id: 6, name: 'gone', updated_at: ts(6), deleted_at: ts(6) }]);
    const session = await connect({ table: t, pageSize: 2, softDelete: { column: 'deleted_at' } });
    const budgeted = await readAll(
      session,
      readContext({ budget: { maxItems: 3, deadline: Number.MAX_SAFE_INTEGER } }),
    );
    expect(ids(budgeted)).toEqual([1, 2, 3, 4]);
    const all = (await readAll(session, readContext())).flatMap((b) =>
      b.items.map((i) => i.data as Row),
    );
    expect(all.map((r) => r['_deleted'])).toEqual([false, false, false, false, false, true]);
    await session.close();
  });

  it('full mode reads every row by key; query mode pages a subquery', async () => {
    const t = await table();
    await db.insert(
      t,
      [3, 1, 2].map((id) => ({ id, name: `n${id}`, updated_at: ts(10 - id) })),
    );
    const full = await connect({ table: t, mode: 'full', pageSize: 2 });
    expect(ids(await readAll(full, readContext()))).toEqual([1, 2, 3]);
    await full.close();
    const quoted = t
      .split('.')
      .map((p) => (dialect === 'mysql' ? `\`${p}\`` : `"${p}"`))
      .join('.');
    const query = await connect({
      query: `SELECT id, updated_at FROM ${quoted} WHERE id <> 2`,
      pageSize: 1,
    });
    expect(ids(await readAll(query, readContext()))).toEqual([3, 1]);
    await query.close();
  });

  it('refuses writes through the extract session (read-only)', async () => {
    const t = await table();
    const cfg = sqlExtract.spec.config.parse({
      ...db.connection,
      table: t,
      watermark: 'updated_at',
      primaryKey: 'id',
    });
    const conn = await GuardedConnection.open(cfg, testContext(), { readOnly: true });
    try {
      await expect(
        conn.call(testContext(), 'INSERT', (c) =>
          c.run(`INSERT INTO ${t} (id, name, updated_at) VALUES (99, 'w', '${ts(1)}')`),
        ),
      ).rejects.toMatchObject({ kind: 'config' });
    } finally {
      await conn.close();
    }
    expect(await db.rows(t)).toEqual([]);
  });

  it('check() reports the session and warns when the role can write', async () => {
    const t = await table();
    const session = await connect({ table: t });
    const result = await session.check!();
    expect(result.ok).toBe(true);
    // The test roles (postgres superuser, MariaDB root, a writable file) can all write.
    expect(result.detail).toMatch(/^warning: /);
    await session.close();
  });
});

describe.each(['postgres', 'mysql'] as const)('sql-extract statement timeout on %s', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb(dialect);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('cancels a statement past the timeout and classifies it `timeout`', async () => {
    const cfg = sqlExtract.spec.config.parse({
      ...db.connection,
      table: 'x',
      watermark: 'updated_at',
      primaryKey: 'id',
      statementTimeout: '200ms',
    });
    const conn = await GuardedConnection.open(cfg, testContext(), { readOnly: true });
    const started = Date.now();
    try {
      const sleep = dialect === 'postgres' ? 'SELECT pg_sleep(3)' : 'SELECT SLEEP(3)';
      await expect(conn.call(testContext(), 'SELECT', (c) => c.query(sleep))).rejects.toMatchObject(
        {
          kind: 'timeout',
          retryable: true,
        },
      );
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await conn.close();
    }
  });
});

describe('sql-extract reconnects on postgres', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb('postgres');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('replaces a connection killed between pages and goes on where it was', async () => {
    const t = await db.createItems('reconnect');
    await db.insert(
      t,
      [1, 2, 3, 4].map((id) => ({ id, name: 'x', updated_at: ts(id) })),
    );
    let failures = 0;
    // A two-attempt guard, as the integration's retry policy would be.
    const guard = {
      async execute<T>(fn: (a: { signal: AbortSignal; attempt: number }) => Promise<T>) {
        const signal = new AbortController().signal;
        try {
          return await fn({ signal, attempt: 1 });
        } catch (err) {
          failures++;
          expect(err).toMatchObject({ kind: 'connection' });
          return fn({ signal, attempt: 2 });
        }
      },
    };
    const ctx = { ...testContext(), guard };
    const cfg = sqlExtract.spec.config.parse({
      ...db.connection,
      table: t,
      watermark: 'updated_at',
      primaryKey: 'id',
      pageSize: 2,
    });
    const session = await sqlExtract.spec.connect(cfg, ctx);
    const seen: number[] = [];
    for await (const batch of session.read({ ...readContext(), guard })) {
      seen.push(...ids([batch]));
      if (seen.length === 2) {
        // Our extract's backend is the one whose last query named this table.
        const killed = await db.admin.query(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
          [`%${t.split('.')[0]}%reconnect%`],
        );
        expect(killed).toHaveLength(1);
      }
    }
    await session.close();
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(failures).toBe(1);
  });
});
