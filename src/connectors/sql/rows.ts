/**
 * Turning sink records into rows: which columns, which key, which value
 * wins inside one batch. Pure functions, so they are tested without a database.
 */
import type { SinkRecord } from '../../core/connector.js';
import { permanent } from '../../core/errors.js';
import { isIdentifier } from './identifiers.js';
import { keyColumns, type SqlUpsertConfig } from './upsert-config.js';
import { watermarkOrder } from './watermark.js';

/**
 * A record ready to write.
 *
 * @example
 * ```ts
 * const row: TargetRow = toRow(cfg, record);
 * ```
 */
export interface TargetRow {
  /** Column → value, in column order. */
  values: Record<string, unknown>;
  /** The key values, JSON-encoded: identifies the row in the batch and in conflicts. */
  key: string;
  deleted: boolean;
}

const checkedNames = new Set<string>();

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value))
    return JSON.stringify(value);
  return value;
}

/**
 * Maps one record to a row; a record the table cannot take is a permanent error (dead-lettered alone).
 *
 * @example
 * ```ts
 * toRow(cfg, { data: { id: 1, name: 'Ada' }, idempotencyKey: '1', sourceKey: '1' });
 * ```
 */
export function toRow(cfg: SqlUpsertConfig, record: SinkRecord): TargetRow {
  const data = record.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw permanent('sql-upsert: a record must be an object of column values', {
      code: 'NOT_A_ROW',
    });
  }
  const fields = data as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  const wanted = cfg.columns ?? Object.keys(fields);
  for (const col of wanted) {
    if (col === cfg.deleteFlag) continue;
    // Every row of a table carries the same few field names: each is validated once.
    if (!checkedNames.has(col) && !isIdentifier(col)) {
      // Never quoted into SQL: a field name that is not a plain identifier is bad data.
      throw permanent('sql-upsert: field name is not a plain identifier', {
        code: 'BAD_COLUMN',
        details: { field: col.slice(0, 64) },
      });
    }
    if (checkedNames.size < 10_000) checkedNames.add(col);
    if (col in fields) values[col] = plain(fields[col]);
  }
  if (cfg.idempotencyKeyColumn) {
    if (!record.idempotencyKey)
      throw permanent('sql-upsert: record has no idempotency key', { code: 'NO_IDEMPOTENCY_KEY' });
    values[cfg.idempotencyKeyColumn] = record.idempotencyKey;
  }
  const key = keyColumns(cfg).map((c) => {
    const v = values[c];
    if (v === undefined || v === null) {
      throw permanent(`sql-upsert: record has no value for key column ${c}`, {
        code: 'NO_KEY',
        details: { column: c },
      });
    }
    return v;
  });
  if (cfg.versionColumn && (cfg.conflict === 'last-write-wins' || cfg.conflict === 'park')) {
    if (values[cfg.versionColumn] === undefined) {
      throw permanent(`sql-upsert: record has no ${cfg.versionColumn}`, { code: 'NO_VERSION' });
    }
  }
  return {
    values,
    key: JSON.stringify(key.map(String)),
    deleted: cfg.deleteFlag ? fields[cfg.deleteFlag] === true : false,
  };
}

function newer(a: unknown, b: unknown): boolean {
  const x = watermarkOrder(a);
  const y = watermarkOrder(b);
  return x !== undefined && y !== undefined ? x > y : String(a) > String(b);
}

/**
 * Keeps one row per key, as the conflict policy would: the last for
 * overwrite, the first for first-write-wins, the newest version otherwise.
 * (One INSERT cannot touch a row twice in PostgreSQL.)
 *
 * @example
 * ```ts
 * collapse(cfg, rows).length; // distinct keys
 * ```
 */
export function collapse(cfg: SqlUpsertConfig, rows: TargetRow[]): TargetRow[] {
  const byKey = new Map<string, TargetRow>();
  for (const row of rows) {
    const prev = byKey.get(row.key);
    if (!prev) byKey.set(row.key, row);
    else if (cfg.conflict === 'first-write-wins') continue;
    else if (cfg.conflict === 'overwrite') byKey.set(row.key, row);
    else if (newer(row.values[cfg.versionColumn!], prev.values[cfg.versionColumn!]))
      byKey.set(row.key, row);
  }
  return [...byKey.values()];
}

/**
 * Groups rows by their exact column set, so a record without a field never writes NULL over it.
 *
 * @example
 * ```ts
 * for (const [columns, rows] of groupByColumns(collapsed)) { ... }
 * ```
 */
export function groupByColumns(
  rows: TargetRow[],
): Map<string, { columns: string[]; rows: TargetRow[] }> {
  const groups = new Map<string, { columns: string[]; rows: TargetRow[] }>();
  // Rows of one source share their field order: group by it as it comes (cheap, no sort per
  // row) and sort the column list once per group for a stable statement text.
  const byShape = new Map<string, { columns: string[]; rows: TargetRow[] }>();
  for (const row of rows) {
    const names = Object.keys(row.values);
    const shape = names.join(',');
    let group = byShape.get(shape);
    if (!group) {
      const columns = names.sort();
      const id = columns.join(',');
      group = groups.get(id) ?? { columns, rows: [] };
      groups.set(id, group);
      byShape.set(shape, group);
    }
    group.rows.push(row);
  }
  return groups;
}

/**
 * Is the first version newer than the second? Numbers and timestamps compare by value, the rest as text.
 *
 * @example
 * ```ts
 * isNewerVersion('2026-11-23 12:00:01', '2026-11-23T12:00:00Z'); // true
 * ```
 */
export { newer as isNewerVersion };
