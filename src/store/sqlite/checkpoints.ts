import type Database from 'better-sqlite3';
import type { JsonValue } from '../../core/json-safe.js';
import type { Checkpoint, CheckpointKind, CheckpointRepo, EpochMs } from '../types.js';
import { decodeJson, encodeJson, requireOneOf, requireText, requireTime } from './codec.js';
import type { SqliteContext } from './context.js';

const KINDS: readonly CheckpointKind[] = ['cursor', 'watermark', 'offset', 'lsn', 'file-marker'];

interface CheckpointRow {
  stream: string;
  kind: CheckpointKind;
  value: string;
  updated_at: number;
}

function toCheckpoint(row: CheckpointRow): Checkpoint {
  return { kind: row.kind, value: decodeJson<JsonValue>(row.value), updatedAt: row.updated_at };
}

/**
 * The SQLite checkpoints: one position per (integration, stream); `stream`
 * defaults to `'default'` when reading.
 *
 * @example
 * ```ts
 * await store.checkpoints.set('gps-positions', 'default', { kind: 'cursor', value: 'abc' });
 * const cp = await store.checkpoints.get('gps-positions'); // { kind: 'cursor', value: 'abc', updatedAt }
 * ```
 */
export class SqliteCheckpointRepo implements CheckpointRepo {
  readonly #ctx: SqliteContext;
  readonly #get: Database.Statement<[string, string], CheckpointRow>;
  readonly #set: Database.Statement<[Record<string, unknown>]>;
  readonly #list: Database.Statement<[string], CheckpointRow>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    const columns = 'stream, kind, value, updated_at';
    this.#get = db.prepare(
      `SELECT ${columns} FROM checkpoints WHERE integration_id = ? AND stream = ?`,
    );
    this.#set = db.prepare(
      `INSERT INTO checkpoints (integration_id, stream, kind, value, updated_at)
       VALUES (@integrationId, @stream, @kind, @value, @updatedAt)
       ON CONFLICT (integration_id, stream) DO UPDATE SET kind = excluded.kind,
         value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.#list = db.prepare(
      `SELECT ${columns} FROM checkpoints WHERE integration_id = ? ORDER BY stream`,
    );
  }

  async get(integrationId: string, stream = 'default'): Promise<Checkpoint | undefined> {
    const row = await this.#ctx.read(() => this.#get.get(integrationId, stream));
    return row && toCheckpoint(row);
  }

  async set(
    integrationId: string,
    stream: string,
    checkpoint: Omit<Checkpoint, 'updatedAt'> & { updatedAt?: EpochMs },
  ): Promise<void> {
    const params = {
      integrationId: requireText('integrationId', integrationId),
      stream: requireText('stream', stream),
      kind: requireOneOf('kind', checkpoint.kind, KINDS),
      value: encodeJson(checkpoint.value, 'value'),
      updatedAt: requireTime('updatedAt', checkpoint.updatedAt ?? this.#ctx.now()),
    };
    await this.#ctx.write(() => this.#set.run(params));
  }

  async list(integrationId: string): Promise<Array<Checkpoint & { stream: string }>> {
    const rows = await this.#ctx.read(() => this.#list.all(integrationId));
    return rows.map((row) => ({ stream: row.stream, ...toCheckpoint(row) }));
  }
}
