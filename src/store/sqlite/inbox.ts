import type Database from 'better-sqlite3';
import type { SerializedError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import type {
  EpochMs,
  InboxAppend,
  InboxAppendResult,
  InboxItem,
  InboxRangeQuery,
  InboxRepo,
  InboxStatus,
} from '../types.js';
import {
  decodeError,
  decodeJson,
  encodeJson,
  optionalTime,
  requireDuration,
  requireInt,
  requireText,
  requireTime,
  toRowId,
} from './codec.js';
import type { SqliteContext } from './context.js';
import { invalidArgument, leaseLost, notFound } from './store-errors.js';

interface InboxRow {
  id: number;
  integration_id: string;
  event_id: string | null;
  entity_key: string | null;
  occurred_at: number | null;
  received_at: number;
  headers: string;
  body: Buffer;
  meta: string;
  status: InboxStatus;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
}

const COLUMNS = `id, integration_id, event_id, entity_key, occurred_at, received_at, headers,
  body, meta, status, attempts, next_attempt_at, last_error`;

function toItem(row: InboxRow): InboxItem {
  return {
    id: String(row.id),
    integrationId: row.integration_id,
    eventId: row.event_id,
    entityKey: row.entity_key,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    headers: decodeJson<Record<string, string>>(row.headers),
    body: row.body,
    meta: decodeJson<Record<string, JsonValue>>(row.meta),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: decodeError(row.last_error),
  };
}

/**
 * The SQLite inbox. `attempts` counts claims, so an item that crashes its
 * worker every time still runs out of attempts. A claim takes pending items
 * first, in arrival order, then failed items whose next attempt is due and
 * items whose lease expired, earliest due first; that order is the index's
 * own, so a claim stays cheap behind a backlog of millions. A claimed batch
 * is returned in arrival order. Completing or failing an item is fenced by
 * its claim: only the owner of a `processing` item may finish it.
 *
 * @example
 * ```ts
 * const { id, duplicate } = await store.inbox.append({ integrationId: 'orders', eventId: 'evt_1', receivedAt: Date.now(), body });
 * const [item] = await store.inbox.claim('orders', { limit: 1, leaseMs: 30_000, owner: 'worker-1' });
 * await store.inbox.complete(item.id, 'worker-1');
 * ```
 */
export class SqliteInboxRepo implements InboxRepo {
  readonly #ctx: SqliteContext;
  readonly #insert: Database.Statement<
    [string, string | null, string | null, number | null, number, string, Buffer, string]
  >;
  readonly #byEvent: Database.Statement<[string, string], { id: number }>;
  readonly #claim: Database.Statement<[Record<string, unknown>], InboxRow>;
  readonly #complete: Database.Statement<[number, string]>;
  readonly #fail: Database.Statement<[Record<string, unknown>]>;
  readonly #holder: Database.Statement<[number], { status: string; lease_owner: string | null }>;
  readonly #get: Database.Statement<[number], InboxRow>;
  readonly #count: Database.Statement<[string], { n: number }>;
  readonly #countOpen: Database.Statement<[string, string], { n: number }>;
  readonly #countClosed: Database.Statement<[string, string], { n: number }>;
  readonly #listReceived: Database.Statement<[Record<string, unknown>], InboxRow>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    // Positional parameters: binding by name costs a lookup per column per row.
    this.#insert = db.prepare(
      `INSERT INTO inbox (integration_id, event_id, entity_key, occurred_at, received_at, headers,
         body, meta, status, due_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0)
       ON CONFLICT (integration_id, event_id) DO NOTHING`,
    );
    this.#byEvent = db.prepare('SELECT id FROM inbox WHERE integration_id = ? AND event_id = ?');
    this.#claim = db.prepare(
      `UPDATE inbox SET status = 'processing', attempts = attempts + 1, lease_owner = @owner,
         due_at = @until
       WHERE id IN (SELECT id FROM inbox WHERE integration_id = @integrationId
                    AND due_at <= @now ORDER BY due_at, id LIMIT @limit)
       RETURNING ${COLUMNS}`,
    );
    // Fenced: only the worker holding the claim may finish an item. A worker
    // whose lease ran out may still complete it until someone else claims it.
    this.#complete = db.prepare(
      `UPDATE inbox SET status = 'done', due_at = NULL, next_attempt_at = NULL, lease_owner = NULL
       WHERE id = ? AND status = 'processing' AND lease_owner = ?`,
    );
    this.#fail = db.prepare(
      `UPDATE inbox SET status = @status, due_at = @next, next_attempt_at = @next,
         lease_owner = NULL, last_error = @error
       WHERE id = @id AND status = 'processing' AND lease_owner = @owner`,
    );
    this.#holder = db.prepare('SELECT status, lease_owner FROM inbox WHERE id = ?');
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM inbox WHERE id = ?`);
    this.#count = db.prepare('SELECT count(*) AS n FROM inbox WHERE integration_id = ?');
    // Open items (pending, processing, failed) always have a due_at and closed
    // ones (done, dead) never do: each count reads its own partial index.
    this.#countOpen = db.prepare(
      'SELECT count(*) AS n FROM inbox WHERE integration_id = ? AND due_at IS NOT NULL AND status = ?',
    );
    this.#countClosed = db.prepare(
      'SELECT count(*) AS n FROM inbox WHERE integration_id = ? AND due_at IS NULL AND status = ?',
    );
    this.#listReceived = db.prepare(
      `SELECT ${COLUMNS} FROM inbox
       WHERE integration_id = @integrationId AND received_at >= @from AND received_at <= @to
         AND id > @afterId
       ORDER BY id LIMIT @limit`,
    );
  }

  async append(item: InboxAppend): Promise<InboxAppendResult> {
    const body: unknown = item.body;
    if (!(body instanceof Uint8Array)) throw invalidArgument('body', 'a Buffer', typeof body);
    const integrationId = requireText('integrationId', item.integrationId);
    const eventId = item.eventId == null ? null : requireText('eventId', item.eventId);
    const entityKey = item.entityKey == null ? null : requireText('entityKey', item.entityKey);
    const occurredAt = optionalTime('occurredAt', item.occurredAt);
    const receivedAt = requireTime('receivedAt', item.receivedAt);
    const headers = encodeJson(item.headers ?? {}, 'headers');
    const bytes = Buffer.isBuffer(body)
      ? body
      : Buffer.from(body.buffer, body.byteOffset, body.length);
    const meta = encodeJson(item.meta ?? {}, 'meta');
    // One statement changes the file (the SELECT runs only when the INSERT
    // changed nothing), so the write needs no savepoint of its own.
    return this.#ctx.writeStatement(() => {
      const info = this.#insert.run(
        integrationId,
        eventId,
        entityKey,
        occurredAt,
        receivedAt,
        headers,
        bytes,
        meta,
      );
      if (info.changes > 0) return { id: String(info.lastInsertRowid), duplicate: false };
      const existing = this.#byEvent.get(integrationId, eventId as string);
      return { id: String(existing?.id), duplicate: true };
    });
  }

  async claim(
    integrationId: string,
    opts: { limit: number; leaseMs: number; owner: string; now?: EpochMs },
  ): Promise<InboxItem[]> {
    requireText('integrationId', integrationId);
    const limit = requireInt('limit', opts.limit, 0);
    const leaseMs = requireDuration('leaseMs', opts.leaseMs);
    const owner = requireText('owner', opts.owner);
    const now = requireTime('now', opts.now ?? this.#ctx.now());
    if (limit === 0) return [];
    const rows = await this.#ctx.write(() =>
      this.#claim.all({ integrationId, owner, now, until: now + leaseMs, limit }),
    );
    // RETURNING gives no order guarantee; callers rely on arrival order.
    return rows.sort((a, b) => a.id - b.id).map(toItem);
  }

  async complete(id: string, owner: string): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) throw notFound('inbox item', id);
    requireText('owner', owner);
    await this.#ctx.write(() => {
      if (this.#complete.run(rowId, owner).changes === 0) throw this.#refused(rowId, id, owner);
    });
  }

  async fail(
    id: string,
    owner: string,
    error: SerializedError,
    nextAttemptAt: EpochMs | null,
  ): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) throw notFound('inbox item', id);
    const next = optionalTime('nextAttemptAt', nextAttemptAt);
    const params = {
      id: rowId,
      owner: requireText('owner', owner),
      status: next === null ? 'dead' : 'failed',
      next,
      error: encodeJson(error, 'error'),
    };
    await this.#ctx.write(() => {
      if (this.#fail.run(params).changes === 0) throw this.#refused(rowId, id, owner);
    });
  }

  /** Why a fenced update changed nothing; read in the same write, so it is what the update saw. */
  #refused(rowId: number, id: string, owner: string): Error {
    const row = this.#holder.get(rowId);
    if (!row) return notFound('inbox item', id);
    return leaseLost('inbox item', id, owner, { status: row.status, holder: row.lease_owner });
  }

  async get(id: string): Promise<InboxItem | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.#ctx.read(() => this.#get.get(rowId));
    return row && toItem(row);
  }

  async count(integrationId: string, status?: InboxStatus): Promise<number> {
    return this.#ctx.read(
      () =>
        (status === undefined
          ? this.#count.get(integrationId)
          : status === 'done' || status === 'dead'
            ? this.#countClosed.get(integrationId, status)
            : this.#countOpen.get(integrationId, status)
        )?.n ?? 0,
    );
  }

  async listReceived(integrationId: string, query: InboxRangeQuery): Promise<InboxItem[]> {
    requireText('integrationId', integrationId);
    const from = requireTime('from', query.from);
    const to = requireTime('to', query.to);
    const limit = requireInt('limit', query.limit, 0);
    let afterId = 0;
    if (query.afterId !== undefined) {
      const rowId = toRowId(query.afterId);
      if (rowId === undefined) throw invalidArgument('afterId', 'an inbox item id', query.afterId);
      afterId = rowId;
    }
    if (limit === 0 || from > to) return [];
    const rows = await this.#ctx.read(() =>
      this.#listReceived.all({ integrationId, from, to, afterId, limit }),
    );
    return rows.map(toItem);
  }
}
