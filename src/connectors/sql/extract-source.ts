/**
 * `sql-extract`: watermarked, keyset-paged, read-only pulls from PostgreSQL,
 * MySQL/MariaDB and SQLite.
 *
 * A live delta run resumes after the saved (watermark, key) position, or —
 * with a lookback — re-reads from `watermark - lookback` and skips the rows
 * it remembers having read, so a transaction that commits late is picked up
 * exactly once. The runtime saves each page's checkpoint only after the page
 * is acknowledged downstream. A replay reads `[from, to)` of the watermark
 * and returns no checkpoint: it never moves the live watermark.
 */
import {
  defineConnector,
  type ReadContext,
  type SourceBatch,
  type SourceItem,
  type SourceSession,
} from '../../core/connector.js';
import { configError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import type { JsonValue } from '../../core/json-safe.js';
import { GuardedConnection } from './connection.js';
import { reconcileDue, reconcilePages } from './reconcile-source.js';
import { checkExtract } from './check.js';
import { sqlExtractConfig, type SqlExtractConfig } from './extract-config.js';
import { quoteName } from './identifiers.js';
import { pageQuery, type KeysetSource } from './keyset.js';
import type { Row } from './types.js';
import {
  boundFor,
  minusLookback,
  watermarkOrder,
  watermarkTime,
  type WatermarkValue,
} from './watermark.js';

export { sqlExtractConfig, type SqlExtractConfig } from './extract-config.js';

/**
 * The checkpoint `sql-extract` saves (kind `watermark`).
 *
 * @example
 * ```ts
 * const saved = (await store.checkpoints.get('hr-employees'))?.value as SqlWatermark | undefined;
 * ```
 */
export interface SqlWatermark {
  watermark: WatermarkValue;
  /** Key of the last row at that watermark. */
  key: unknown[];
  /** With a lookback: `[watermark, ...key]` of rows already read inside the window. */
  seen?: string[];
  /** With `reconcile`: when the last complete reconcile started (ms since the epoch). */
  reconciledAt?: number;
}

const KIND = 'sql-extract';

function scalar(value: unknown): WatermarkValue {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function lookbackAmount(cfg: SqlExtractConfig): number {
  if (cfg.lookback === undefined) return 0;
  return typeof cfg.lookback === 'number'
    ? cfg.lookback
    : parseDuration(cfg.lookback, 'lookback', KIND);
}

/** Everything one session needs, computed once from the config. */
interface Plan {
  src: KeysetSource;
  wmCol: string | undefined;
  pkCols: string[];
  quotedPk: string[];
  orderCols: string[];
  lookback: number;
}

function plan(cfg: SqlExtractConfig, db: GuardedConnection): Plan {
  const d = db.dialect;
  const q = (name: string, field: string) => quoteName(d, name, KIND, field);
  const pkCols = typeof cfg.primaryKey === 'string' ? [cfg.primaryKey] : cfg.primaryKey;
  const wmCol = cfg.mode === 'delta' ? cfg.watermark : undefined;
  const orderCols = wmCol ? [wmCol, ...pkCols] : pkCols;
  if (cfg.query !== undefined && /;\s*\S/.test(cfg.query)) {
    throw configError(KIND, 'query', 'a single SELECT statement');
  }
  const from = cfg.table ? q(cfg.table, 'table') : `(${cfg.query!.replace(/;\s*$/, '')}) AS pb_src`;
  const needed = [...orderCols, ...(cfg.softDelete ? [cfg.softDelete.column] : [])];
  const select = cfg.columns
    ? [...new Set([...cfg.columns, ...needed])].map((c) => q(c, 'columns')).join(', ')
    : '*';
  return {
    src: {
      dialect: d,
      from,
      select,
      order: orderCols.map((c) => q(c, 'primaryKey')),
      watermark: wmCol ? q(wmCol, 'watermark') : undefined,
    },
    wmCol,
    pkCols,
    quotedPk: pkCols.map((c) => q(c, 'primaryKey')),
    orderCols,
    lookback: lookbackAmount(cfg),
  };
}

/**
 * A run: the delta (or full) pages, then — when due — a reconcile. Every
 * checkpoint carries `reconciledAt` forward, so saving a page never makes the
 * next run think it has never reconciled.
 */
async function* readRun(
  cfg: SqlExtractConfig,
  db: GuardedConnection,
  p: Plan,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch<Row>> {
  const startedAt = Date.now();
  const stored = (ctx.checkpoint?.value as Partial<SqlWatermark> | null | undefined) ?? undefined;
  const reconciledAt = ctx.mode === 'replay' ? undefined : stored?.reconciledAt;
  let base: Record<string, JsonValue> =
    cfg.mode === 'delta' && stored?.watermark !== undefined
      ? { ...(stored as Record<string, JsonValue>) }
      : {};
  let items = 0;
  for await (const batch of readPages(cfg, db, p, ctx)) {
    items += batch.items.length;
    if (batch.checkpoint) {
      base = batch.checkpoint.value as Record<string, JsonValue>;
      if (reconciledAt !== undefined) base = { ...base, reconciledAt };
      batch.checkpoint = { ...batch.checkpoint, value: base };
    }
    yield batch;
  }
  // A run that spent its budget on changes leaves the reconcile to a later run.
  const spent = items >= ctx.budget.maxItems || Date.now() >= ctx.budget.deadline;
  if (ctx.signal.aborted || spent || !reconcileDue(cfg, ctx, reconciledAt, startedAt)) return;
  const keys = { from: p.src.from, pkCols: p.pkCols, quotedPk: p.quotedPk };
  yield* reconcilePages(cfg, db, keys, ctx, base, startedAt);
}

/** Drops remembered rows that fell out of the lookback window, and the oldest beyond `max`. */
function pruneSeen(
  seen: Set<string>,
  watermark: WatermarkValue,
  lookback: number,
  max: number,
): string[] {
  const bound = minusLookback(watermark, lookback);
  const boundOrder = bound === undefined ? undefined : watermarkOrder(bound);
  const kept = [...seen]
    .map((id) => ({ id, order: watermarkOrder((JSON.parse(id) as unknown[])[0]) ?? 0 }))
    .filter((e) => boundOrder === undefined || e.order >= boundOrder)
    .sort((a, b) => a.order - b.order);
  return kept.slice(Math.max(0, kept.length - max)).map((e) => e.id);
}

async function* readPages(
  cfg: SqlExtractConfig,
  db: GuardedConnection,
  p: Plan,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch<Row>> {
  const replay = ctx.mode === 'replay';
  const live = cfg.mode === 'delta' && !replay;
  const stored = (ctx.checkpoint?.value as Partial<SqlWatermark> | null | undefined) ?? undefined;
  // In full mode a checkpoint holds only `reconciledAt`: no position to resume from.
  const saved = live && stored?.watermark !== undefined ? (stored as SqlWatermark) : undefined;
  let position: Position | undefined = saved
    ? { watermark: saved.watermark, key: saved.key }
    : undefined;
  const seen = p.lookback > 0 && live ? new Set(saved?.seen ?? []) : undefined;

  let after: unknown[] | undefined;
  let from: unknown;
  let to: unknown;
  if (replay) {
    if (!ctx.range || !p.wmCol)
      throw configError(KIND, 'replay', 'a watermark range (--from, --to) and a watermark column');
    from = boundFor(db.dialect.name, ctx.range.from);
    to = boundFor(db.dialect.name, ctx.range.to);
  } else if (saved && seen) {
    from = minusLookback(saved.watermark, p.lookback);
    if (from === undefined) after = [saved.watermark, ...saved.key];
  } else if (saved) {
    after = [saved.watermark, ...saved.key];
  } else if (live) {
    from = boundFor(db.dialect.name, cfg.initialValue);
  }

  // A live run stops at the newest watermark it saw when it started: rows written while it
  // pages belong to the next run, so a busy table cannot keep one run going for ever.
  let upTo: unknown;
  if (live) {
    const [top] = await db.call(ctx, 'SELECT', (conn) =>
      conn.query(`SELECT MAX(${p.src.watermark!}) AS pb_max FROM ${p.src.from}`),
    );
    upTo = top?.['pb_max'];
    if (upTo === null || upTo === undefined) return;
  }

  let read = 0;
  // Budget and shutdown are honoured at page boundaries only, so every page is whole.
  const mayRead = () =>
    !ctx.signal.aborted && read < ctx.budget.maxItems && Date.now() < ctx.budget.deadline;
  const fetchPage = () => {
    const stmt = pageQuery(p.src, { after, from, to, upTo, limit: cfg.pageSize });
    return db.call(ctx, 'SELECT', (conn) => conn.query(stmt.sql, stmt.params));
  };
  let next: Promise<Row[]> | undefined = mayRead() ? fetchPage() : undefined;
  try {
    while (next) {
      const rows = await next;
      next = undefined;
      if (rows.length === 0) return;
      read += rows.length;
      const last = rows[rows.length - 1]!;
      after = p.orderCols.map((c) => last[c]);
      // The next page is asked for before this one is handed on, so the database reads
      // while the sink writes. Its position is fixed by this page's last row, and its
      // checkpoint is still only saved once it, too, has been acknowledged.
      if (rows.length === cfg.pageSize && mayRead()) next = fetchPage();
      const out = toBatch(cfg, p, rows, live, seen, position);
      position = out.position;
      if (out.batch) yield out.batch;
    }
  } finally {
    // A consumer that stops early leaves a page in flight: settle it so it cannot reject unheard.
    await next?.catch(() => undefined);
  }
}

type Position = { watermark: WatermarkValue; key: unknown[] };

/** Turns one page into a batch and, on live runs, the checkpoint after it. */
function toBatch(
  cfg: SqlExtractConfig,
  p: Plan,
  rows: Row[],
  live: boolean,
  seen: Set<string> | undefined,
  position: Position | undefined,
): { batch: SourceBatch<Row> | undefined; position: Position | undefined } {
  const last = rows[rows.length - 1]!;
  const items: SourceItem<Row>[] = [];
  for (const row of rows) {
    const key = p.pkCols.map((c) => row[c]);
    if (seen) {
      const id = JSON.stringify([scalar(row[p.wmCol!]), ...key]);
      if (seen.has(id)) continue;
      seen.add(id);
    }
    if (cfg.softDelete) row[cfg.softDelete.flag] = row[cfg.softDelete.column] != null;
    const wm = p.wmCol ? row[p.wmCol] : undefined;
    items.push({ key: key.map(String).join('|'), data: row, occurredAt: watermarkTime(wm) });
  }

  let checkpoint: SourceBatch['checkpoint'];
  if (live) {
    const lastWm = scalar(last[p.wmCol!]);
    const lastOrder = watermarkOrder(lastWm);
    const prevOrder = position ? watermarkOrder(position.watermark) : undefined;
    // With a lookback the page may lie behind the saved position: the position never moves back.
    if (!position || lastOrder === undefined || prevOrder === undefined || lastOrder >= prevOrder) {
      position = { watermark: lastWm, key: p.pkCols.map((c) => last[c]) };
    }
    const value: SqlWatermark = { watermark: position.watermark, key: position.key };
    if (seen) value.seen = pruneSeen(seen, position.watermark, p.lookback, cfg.maxSeen);
    checkpoint = { kind: 'watermark', value: JSON.parse(JSON.stringify(value)) };
  }
  return { batch: items.length > 0 || checkpoint ? { items, checkpoint } : undefined, position };
}

/**
 * The SQL extract source.
 *
 * @example
 * ```ts
 * import { sqlExtract } from 'patchbay/sql';
 * source: sqlExtract({
 *   dialect: 'postgres', host: 'replica.hr.internal', database: 'hr', user: 'patchbay_reader',
 *   password: 'env:HR_DB_PASSWORD', table: 'employees', watermark: 'updated_at', primaryKey: 'id',
 *   lookback: '5m', pageSize: 1000, softDelete: { column: 'deleted_at' },
 * })
 * ```
 */
export const sqlExtract = defineConnector({
  kind: KIND,
  title: 'SQL extract',
  description:
    'Watermarked, keyset-paged, read-only pulls from PostgreSQL, MySQL/MariaDB and SQLite, with a statement timeout and a lookback window.',
  direction: 'source',
  config: sqlExtractConfig,
  capabilities: {
    ack: 'none',
    checkpoint: 'watermark',
    replay: 'time-range',
    idempotentWrites: false,
    connectionTest: true,
  },
  async connect(cfg, ctx): Promise<SourceSession<Row>> {
    const db = await GuardedConnection.open(cfg, ctx, { readOnly: true });
    let p: Plan;
    try {
      p = plan(cfg, db);
    } catch (err) {
      await db.close();
      throw err;
    }
    return {
      read: (readCtx) => readRun(cfg, db, p, readCtx),
      check: () => checkExtract(db, ctx, cfg.table, cfg.file),
      close: () => db.close(),
    };
  },
});
