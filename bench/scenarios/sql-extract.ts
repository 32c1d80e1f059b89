/**
 * `sql.extract`: rows per second from PostgreSQL into a SQLite table through
 * Patchbay, against a hand-written copy loop in the same run, and the peak
 * memory of each.
 *
 * Source: a PostgreSQL table (bigint key, text, numeric, timestamptz) filled
 * with `generate_series`. Per run, a fresh SQLite file with the target table.
 * Variants, interleaved:
 * - baseline: a bare `pg` server-side cursor (`DECLARE … CURSOR`, `FETCH
 *   1000`) and a bare better-sqlite3 multi-row INSERT of each batch in its
 *   own transaction (the least a hand-written copy does);
 * - Patchbay: a real runtime run of `sql-extract` (full mode, keyset pages of
 *   1000, read-only session, statement timeout) into `sql-upsert`
 *   (SQLite, batched `INSERT … ON CONFLICT`), with the state store, audit
 *   rows and checkpoints that any run has.
 * `ops` are rows that arrived in the target (checked: every source row).
 *
 * Case "throughput" uses `BENCH_SQL_ROWS` rows (default 200,000); case
 * "bounded memory" `BENCH_SQL_LARGE_ROWS` (default 1,000,000; the issue's
 * 10 million runs with `BENCH_SQL_LARGE_ROWS=10000000`). Peak RSS and peak
 * heap of each run (sampled every 20 ms, relative to the process before the
 * run) land in `params.memory`: bounded memory means the peak does not grow
 * with the table.
 *
 *   npx tsx bench/run.ts sql.extract
 *
 * Environment: BENCH_SQL_ROWS, BENCH_SQL_LARGE_ROWS, BENCH_PG_URL (default
 * postgres://postgres@127.0.0.1:5432/test), BENCH_TMPDIR, BENCH_REPEATS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { defineIntegration } from '../../src/core/integration.js';
import { sqlExtract, sqlUpsert } from '../../src/connectors/sql/index.js';
import { createRuntime } from '../../src/runtime/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Sample, Scenario, Variant } from '../harness.js';

const ROWS = Number(process.env['BENCH_SQL_ROWS'] ?? 200_000);
const LARGE_ROWS = Number(process.env['BENCH_SQL_LARGE_ROWS'] ?? 1_000_000);
const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const PAGE = Number(process.env['BENCH_SQL_PAGE'] ?? 1000);
const SCHEMA = 'pb_bench_sql';
const TARGET_DDL =
  'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, amount TEXT, updated_at TEXT NOT NULL)';
const COLUMNS = ['id', 'name', 'amount', 'updated_at'] as const;

interface MemoryPeak {
  /** Peak RSS of the whole process during the run (node, tsx, both drivers, SQLite's cache). */
  peakRssMiB: number;
  /** Growth over what the process held before the run. */
  rssMiB: number;
  heapMiB: number;
}

/** Samples RSS and heap while `fn` runs; the peak above what the process held before. */
async function withPeak<T>(fn: () => Promise<T>): Promise<{ value: T; peak: MemoryPeak }> {
  const before = process.memoryUsage();
  let rss = before.rss;
  let heap = before.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  try {
    const value = await fn();
    sample();
    const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
    return {
      value,
      peak: {
        peakRssMiB: mib(rss),
        rssMiB: mib(rss - before.rss),
        heapMiB: mib(heap - before.heapUsed),
      },
    };
  } finally {
    clearInterval(timer);
  }
}

/** Creates (once per table size) the source table, filled by generate_series. */
const prepared = new Map<number, Promise<string>>();
function sourceTable(rows: number): Promise<string> {
  let table = prepared.get(rows);
  if (!table) {
    table = (async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        const name = `items_${rows}`;
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
        await client.query(`DROP TABLE IF EXISTS ${SCHEMA}.${name}`);
        await client.query(
          `CREATE TABLE ${SCHEMA}.${name} (id BIGINT PRIMARY KEY, name TEXT NOT NULL, amount NUMERIC(12,2) NOT NULL, updated_at TIMESTAMPTZ(6) NOT NULL)`,
        );
        await client.query(
          `INSERT INTO ${SCHEMA}.${name} SELECT g, 'customer ' || g, (g % 100000) / 100.0, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * INTERVAL '1 millisecond' FROM generate_series(1, ${rows}) g`,
        );
        await client.query(`VACUUM ANALYZE ${SCHEMA}.${name}`);
        return `${SCHEMA}.${name}`;
      } finally {
        await client.end();
      }
    })();
    prepared.set(rows, table);
  }
  return table;
}

async function dropSource(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.end();
}

function scratch(): { dir: string; file: string } {
  const dir = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'patchbay-bench-sql-'));
  const file = join(dir, 'target.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(TARGET_DDL);
  db.close();
  return { dir, file };
}

function countRows(file: string): number {
  const db = new Database(file, { readonly: true });
  const n = (db.prepare('SELECT COUNT(*) AS n FROM items').get() as { n: number }).n;
  db.close();
  return n;
}

/** The baseline: a server-side cursor and a batched insert per FETCH. */
async function bareCopy(table: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const inserts = new Map<number, Database.Statement>();
  const insert = (n: number) => {
    let stmt = inserts.get(n);
    if (!stmt) {
      const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
      stmt = db.prepare(
        `INSERT INTO items (${COLUMNS.join(', ')}) VALUES ${Array(n).fill(tuple).join(', ')}`,
      );
      inserts.set(n, stmt);
    }
    return stmt;
  };
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(
      `DECLARE c NO SCROLL CURSOR FOR SELECT id, name, amount, updated_at::text AS updated_at FROM ${table}`,
    );
    // 500 rows per statement, as the sink's default batch size.
    for (;;) {
      const { rows } = await client.query<Record<string, unknown>>(`FETCH ${PAGE} FROM c`);
      if (rows.length === 0) break;
      db.transaction(() => {
        for (let i = 0; i < rows.length; i += 500) {
          const chunk = rows.slice(i, i + 500);
          insert(chunk.length).run(...chunk.flatMap((r) => COLUMNS.map((c) => r[c])));
        }
      })();
    }
    await client.query('COMMIT');
  } finally {
    db.close();
    await client.end();
  }
}

/** A real runtime run: sql-extract (postgres) → sql-upsert (sqlite). */
async function patchbayCopy(table: string, dir: string, file: string): Promise<void> {
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  const url = new URL(PG_URL);
  const integration = defineIntegration({
    id: 'bench-sql',
    owner: 'bench',
    pattern: 'sql-extract',
    trigger: { type: 'manual' },
    source: sqlExtract({
      dialect: 'postgres',
      host: url.hostname,
      port: Number(url.port || 5432),
      database: url.pathname.slice(1),
      user: decodeURIComponent(url.username),
      table,
      primaryKey: 'id',
      mode: 'full',
      pageSize: PAGE,
    } as never),
    sink: sqlUpsert({ dialect: 'sqlite', file, table: 'items', key: 'id' } as never),
    idempotencyKey: { fields: ['id'] },
    policies: { breaker: false },
    concurrency: 1,
  });
  const runtime = await createRuntime({
    integrations: [integration],
    store,
    logger: pino({ level: 'silent' }),
  });
  try {
    const result = await runtime.run('bench-sql');
    if (result.status !== 'succeeded') throw new Error(`run ${result.status}`);
  } finally {
    await runtime.stop();
    await store.close();
  }
}

/**
 * The scenario, for `bench/run.ts`.
 *
 * @example
 * ```ts
 * const result = await runScenario(sqlExtractScenario(), { log: console.log });
 * ```
 */
export function sqlExtractScenario(): Scenario {
  const memory: Record<string, MemoryPeak[]> = {};
  const repeats = Number(process.env['BENCH_REPEATS'] ?? 3);
  let remaining = repeats * 4;
  const variant = (
    caseName: string,
    rows: number,
    name: string,
    copy: (table: string, dir: string, file: string) => Promise<void>,
    baseline = false,
  ): Variant => ({
    name,
    ...(baseline ? { baseline: true } : {}),
    run: async (): Promise<Sample> => {
      const table = await sourceTable(rows);
      const { dir, file } = scratch();
      try {
        const start = performance.now();
        const { peak } = await withPeak(() => copy(table, dir, file));
        const elapsedMs = performance.now() - start;
        const copied = countRows(file);
        if (copied !== rows) throw new Error(`${name}: copied ${copied} of ${rows} rows`);
        (memory[`${caseName} · ${name}`] ??= []).push(peak);
        return { ops: copied, elapsedMs };
      } finally {
        rmSync(dir, { recursive: true, force: true });
        if (--remaining === 0) await dropSource();
      }
    },
  });
  const variants = (caseName: string, rows: number): Variant[] => [
    variant(caseName, rows, 'bare pg cursor + batched SQLite insert', (t, _d, f) => bareCopy(t, f)),
    variant(caseName, rows, 'patchbay sql-extract → sql-upsert (runtime run)', patchbayCopy),
  ];
  const [bare, patchbay] = variants('throughput', ROWS);
  const [largeBare, largePatchbay] = variants('bounded memory', LARGE_ROWS);
  return {
    name: 'sql.extract',
    description: `rows/s from PostgreSQL into SQLite (${ROWS.toLocaleString('en-US')} and ${LARGE_ROWS.toLocaleString('en-US')} rows)`,
    cases: [
      { name: `throughput, ${ROWS} rows`, variants: [{ ...bare!, baseline: true }, patchbay!] },
      {
        name: `bounded memory, ${LARGE_ROWS} rows`,
        variants: [{ ...largeBare!, baseline: true }, largePatchbay!],
      },
    ],
    params: {
      rows: ROWS,
      largeRows: LARGE_ROWS,
      pageSize: PAGE,
      sinkBatchSize: 500,
      memory,
      note: 'memory, per repeat, MiB: peakRssMiB = process RSS peak during the run; rssMiB / heapMiB = peak above the process before it',
    },
  };
}
