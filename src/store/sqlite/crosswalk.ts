import type Database from 'better-sqlite3';
import type { CrosswalkRepo } from '../types.js';
import { requireText } from './codec.js';
import type { SqliteContext } from './context.js';

/**
 * The SQLite crosswalk: one target per (namespace, source id); `put`
 * overwrites. `lookupMany` is one query however many ids it gets (the ids
 * travel as one JSON array), so a batch of 10k rows costs one round trip.
 *
 * @example
 * ```ts
 * await store.crosswalk.put('customer:crm->erp', 'crm-17', 'erp-9001');
 * await store.crosswalk.lookup('customer:crm->erp', 'crm-17'); // 'erp-9001'
 * ```
 */
export class SqliteCrosswalkRepo implements CrosswalkRepo {
  readonly #ctx: SqliteContext;
  readonly #put: Database.Statement<[string, string, string]>;
  readonly #insert: Database.Statement<[string, string, string]>;
  readonly #lookup: Database.Statement<[string, string], { target_id: string }>;
  readonly #reverse: Database.Statement<[string, string], { source_id: string }>;
  readonly #many: Database.Statement<[string, string], { source_id: string; target_id: string }>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#put = db.prepare(
      `INSERT INTO crosswalk (namespace, source_id, target_id) VALUES (?, ?, ?)
       ON CONFLICT (namespace, source_id) DO UPDATE SET target_id = excluded.target_id`,
    );
    this.#insert = db.prepare(
      `INSERT INTO crosswalk (namespace, source_id, target_id) VALUES (?, ?, ?)
       ON CONFLICT (namespace, source_id) DO NOTHING`,
    );
    this.#lookup = db.prepare(
      'SELECT target_id FROM crosswalk WHERE namespace = ? AND source_id = ?',
    );
    this.#reverse = db.prepare(
      'SELECT source_id FROM crosswalk WHERE namespace = ? AND target_id = ? ORDER BY source_id',
    );
    this.#many = db.prepare(
      `SELECT source_id, target_id FROM crosswalk
       WHERE namespace = ? AND source_id IN (SELECT value FROM json_each(?))`,
    );
  }

  async put(namespace: string, sourceId: string, targetId: string): Promise<void> {
    requireText('namespace', namespace);
    requireText('sourceId', sourceId);
    requireText('targetId', targetId);
    await this.#ctx.write(() => this.#put.run(namespace, sourceId, targetId));
  }

  async putIfAbsent(namespace: string, sourceId: string, targetId: string): Promise<string> {
    requireText('namespace', namespace);
    requireText('sourceId', sourceId);
    requireText('targetId', targetId);
    await this.#ctx.write(() => this.#insert.run(namespace, sourceId, targetId));
    // Committed: whichever writer came first, this is what everyone reads.
    return (await this.lookup(namespace, sourceId)) as string;
  }

  async lookup(namespace: string, sourceId: string): Promise<string | undefined> {
    return this.#ctx.read(() => this.#lookup.get(namespace, sourceId)?.target_id);
  }

  async reverse(namespace: string, targetId: string): Promise<string[]> {
    const rows = await this.#ctx.read(() => this.#reverse.all(namespace, targetId));
    return rows.map((row) => row.source_id);
  }

  async lookupMany(namespace: string, sourceIds: readonly string[]): Promise<Map<string, string>> {
    if (sourceIds.length === 0) return new Map();
    const ids = JSON.stringify([...new Set(sourceIds)]);
    const rows = await this.#ctx.read(() => this.#many.all(namespace, ids));
    return new Map(rows.map((row) => [row.source_id, row.target_id]));
  }
}
