import type Database from 'better-sqlite3';
import { requireInt, requireText, toRowId } from './codec.js';
import type { SqliteContext } from './context.js';

/**
 * The read-and-remove half shared by the tables that park items for an
 * operator (dead letters, rejects): page by integration in insertion order,
 * get by id, count, remove. Each repository keeps its own insert and retry
 * statements, because what "the same item again" means differs per table.
 *
 * @example
 * ```ts
 * const rows = new ParkedRows(ctx, 'dead_letters', COLUMNS, 'item_key', toLetter);
 * const page = await rows.list('orders', { limit: 50 });
 * ```
 */
export class ParkedRows<Row, Item> {
  readonly #ctx: SqliteContext;
  readonly #toItem: (row: Row) => Item;
  readonly #list: Database.Statement<[string, number, number], Row>;
  readonly #get: Database.Statement<[number], Row>;
  readonly #count: Database.Statement<[string], { n: number }>;
  readonly #countAll: Database.Statement<[], { n: number }>;
  readonly #any: Database.Statement<[string], { found: number }>;
  readonly #remove: Database.Statement<[number]>;
  readonly #resolve: Database.Statement<[string, string]>;

  /**
   * `table`, `columns` and `keyColumn` (the item's key, unique per
   * integration) are constants of the calling repository, never input.
   */
  constructor(
    ctx: SqliteContext,
    table: string,
    columns: string,
    keyColumn: string,
    toItem: (row: Row) => Item,
  ) {
    this.#ctx = ctx;
    this.#toItem = toItem;
    const db = ctx.db;
    this.#list = db.prepare(
      `SELECT ${columns} FROM ${table} WHERE integration_id = ? AND id > ? ORDER BY id LIMIT ?`,
    );
    this.#get = db.prepare(`SELECT ${columns} FROM ${table} WHERE id = ?`);
    this.#count = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE integration_id = ?`);
    this.#countAll = db.prepare(`SELECT count(*) AS n FROM ${table}`);
    // One index probe, not a count of every row: the runtime asks after each batch write.
    this.#any = db.prepare(
      `SELECT EXISTS (SELECT 1 FROM ${table} WHERE integration_id = ?) AS found`,
    );
    this.#remove = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
    // One statement for the whole list: the keys arrive as a JSON array.
    this.#resolve = db.prepare(
      `DELETE FROM ${table} WHERE integration_id = ?
         AND ${keyColumn} IN (SELECT value FROM json_each(?))`,
    );
  }

  /** One page for an integration, oldest first, after `afterId`. */
  async list(
    integrationId: string,
    opts: { limit?: number; afterId?: string } = {},
  ): Promise<Item[]> {
    const limit = requireInt('limit', opts.limit ?? 100, 0);
    const after = opts.afterId === undefined ? 0 : (toRowId(opts.afterId) ?? 0);
    const rows = await this.#ctx.read(() => this.#list.all(integrationId, after, limit));
    return rows.map(this.#toItem);
  }

  /** The item with this id, or `undefined` (also for ids that are not row ids). */
  async get(id: string): Promise<Item | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.#ctx.read(() => this.#get.get(rowId));
    return row && this.#toItem(row);
  }

  /** How many items an integration (or, without one, every integration) has parked. */
  async count(integrationId?: string): Promise<number> {
    return this.#ctx.read(
      () =>
        (integrationId === undefined ? this.#countAll.get() : this.#count.get(integrationId))?.n ??
        0,
    );
  }

  /** Whether an integration has any item parked. */
  async any(integrationId: string): Promise<boolean> {
    return this.#ctx.read(() => this.#any.get(integrationId)?.found === 1);
  }

  /** Removes the items of an integration with these keys durably; returns how many existed. */
  async resolve(integrationId: string, keys: readonly string[]): Promise<number> {
    requireText('integrationId', integrationId);
    if (keys.length === 0) return 0;
    const json = JSON.stringify(keys);
    return this.#ctx.writeStatement(() => this.#resolve.run(integrationId, json).changes);
  }

  /** Removes the items with these ids durably; returns how many existed. */
  async remove(ids: readonly string[]): Promise<number> {
    const rowIds = ids.map(toRowId).filter((id): id is number => id !== undefined);
    if (rowIds.length === 0) return 0;
    return this.#ctx.write(() =>
      [...new Set(rowIds)].reduce((n, id) => n + this.#remove.run(id).changes, 0),
    );
  }
}
