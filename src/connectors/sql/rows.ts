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
  /** `Object.keys(values).join(',')` when `toRow` already knew it (rows of one shape share it). */
  shape?: string | undefined;
}

const checkedNames = new Set<string>();

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value))
    return JSON.stringify(value);
  return value;
}

function checkName(col: string): void {
  // Every row of a table carries the same few field names: each is validated once.
  if (!checkedNames.has(col) && !isIdentifier(col)) {
    // Never quoted into SQL: a field name that is not a plain identifier is bad data.
    throw permanent('sql-upsert: field name is not a plain identifier', {
      code: 'BAD_COLUMN',
      details: { field: col.slice(0, 64) },
    });
  }
  if (checkedNames.size < 10_000) checkedNames.add(col);
}

/**
 * Rows of one source share their field names and order. For such a field
 * list (and no `columns` option), the row's values are built by a function
 * compiled once: one object literal with constant keys instead of a keyed
 * store per field, so a row costs one allocation instead of a growing object.
 */
interface RowShape {
  /** The record's own keys this was compiled for (`Object.keys` order). */
  fields: readonly string[];
  build: (
    fields: Record<string, unknown>,
    idempotencyKey: string | undefined,
    plain: (v: unknown) => unknown,
  ) => Record<string, unknown>;
  /** `Object.keys` of the values built, joined by `,`. */
  shape: string;
}

/** Compiled shapes per config, the last one used first: one source's rows nearly always share it. */
interface Shapes {
  last: RowShape | undefined;
  byFields: Map<string, RowShape>;
}
const shapesOf = new WeakMap<SqlUpsertConfig, Shapes>();
/** Beyond this many field lists per config (sparse records), rows are built field by field. */
const MAX_SHAPES = 64;

function sameFields(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function shapeFor(cfg: SqlUpsertConfig, names: string[]): RowShape | undefined {
  let shapes = shapesOf.get(cfg);
  if (shapes === undefined) {
    shapes = { last: undefined, byFields: new Map() };
    shapesOf.set(cfg, shapes);
  }
  if (shapes.last !== undefined && sameFields(shapes.last.fields, names)) return shapes.last;
  const id = names.join('\u0000');
  let compiled = shapes.byFields.get(id);
  if (compiled === undefined) {
    if (shapes.byFields.size >= MAX_SHAPES) return undefined;
    compiled = compileShape(cfg, names);
    shapes.byFields.set(id, compiled);
  }
  shapes.last = compiled;
  return compiled;
}

function compileShape(cfg: SqlUpsertConfig, fields: string[]): RowShape {
  const entries: string[] = [];
  const columns: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const col = fields[i] as string;
    if (col === cfg.deleteFlag) continue;
    checkName(col);
    entries.push(`${JSON.stringify(col)}: p(f[${JSON.stringify(col)}])`);
    columns.push(col);
  }
  const idem = cfg.idempotencyKeyColumn;
  if (idem) {
    // As an assignment after the fields would: a field of that name keeps its place.
    entries.push(`${JSON.stringify(idem)}: k`);
    if (!columns.includes(idem)) columns.push(idem);
  }
  const build = new Function(
    'f',
    'k',
    'p',
    `return { ${entries.join(', ')} };`,
  ) as RowShape['build'];
  return { fields, build, shape: columns.join(',') };
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
  let values: Record<string, unknown>;
  let shape: string | undefined;
  const names = cfg.columns ? undefined : Object.keys(fields);
  const compiled = names && shapeFor(cfg, names);
  if (compiled) {
    values = compiled.build(fields, record.idempotencyKey, plain);
    shape = compiled.shape;
  } else {
    values = {};
    for (const col of names ?? (cfg.columns as string[])) {
      if (col === cfg.deleteFlag) continue;
      checkName(col);
      if (col in fields) values[col] = plain(fields[col]);
    }
  }
  if (cfg.idempotencyKeyColumn) {
    if (!record.idempotencyKey)
      throw permanent('sql-upsert: record has no idempotency key', { code: 'NO_IDEMPOTENCY_KEY' });
    if (!compiled) values[cfg.idempotencyKeyColumn] = record.idempotencyKey;
  }
  // `JSON.stringify(keyValues.map(String))`, without the two arrays.
  const keys = keyColumns(cfg);
  let key = '[';
  for (let i = 0; i < keys.length; i++) {
    const c = keys[i] as string;
    const v = values[c];
    if (v === undefined || v === null) {
      throw permanent(`sql-upsert: record has no value for key column ${c}`, {
        code: 'NO_KEY',
        details: { column: c },
      });
    }
    key += (i === 0 ? '' : ',') + JSON.stringify(String(v));
  }
  key += ']';
  if (cfg.versionColumn && (cfg.conflict === 'last-write-wins' || cfg.conflict === 'park')) {
    if (values[cfg.versionColumn] === undefined) {
      throw permanent(`sql-upsert: record has no ${cfg.versionColumn}`, { code: 'NO_VERSION' });
    }
  }
  return {
    values,
    key,
    deleted: cfg.deleteFlag ? fields[cfg.deleteFlag] === true : false,
    shape,
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
    const shape = row.shape ?? Object.keys(row.values).join(',');
    let group = byShape.get(shape);
    if (!group) {
      const columns = Object.keys(row.values).sort();
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
