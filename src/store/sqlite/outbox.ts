import type Database from 'better-sqlite3';
import type { SerializedError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import type {
  EpochMs,
  OutboxEnqueue,
  OutboxItem,
  OutboxRepo,
  OutboxRequeue,
  OutboxStatus,
} from '../types.js';
import {
  decodeError,
  decodeJson,
  encodeJson,
  optionalTime,
  requireDuration,
  requireInt,
  requireOneOf,
  requireText,
  requireTime,
  toRowId,
} from './codec.js';
import type { SqliteContext } from './context.js';
import { invalidArgument, leaseLost, notFound } from './store-errors.js';

interface OutboxRow {
  id: number;
  integration_id: string;
  destination: string;
  payload: string;
  idempotency_key: string | null;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
  last_error: string | null;
}

const COLUMNS = `id, integration_id, destination, payload, idempotency_key, status, attempts,
  next_attempt_at, created_at, last_error`;

function toItem(row: OutboxRow): OutboxItem {
  return {
    id: String(row.id),
    integrationId: row.integration_id,
    destination: row.destination,
    payload: decodeJson<JsonValue>(row.payload),
    idempotencyKey: row.idempotency_key,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    lastError: decodeError(row.last_error),
  };
}

/**
 * The SQLite outbox. `attempts` counts claims; a delivery whose lease ran out
 * (the worker died mid-send) is claimable again, so deliveries are
 * at-least-once and should carry their idempotency key to the peer. Claims
 * take the earliest due deliveries first (ties in enqueue order) and return
 * them in enqueue order. Marking a delivery is fenced by its claim: only
 * the owner of a `delivering` row may record its outcome.
 *
 * @example
 * ```ts
 * await store.outbox.enqueue({ integrationId: 'orders', destination: 'smtp:ops@example.com', payload: { id: 7 }, idempotencyKey: 'order-7' });
 * const due = await store.outbox.claimDue({ limit: 10, leaseMs: 30_000, owner: 'sender-1' });
 * for (const item of due) await store.outbox.markDelivered(item.id, 'sender-1');
 * ```
 */
export class SqliteOutboxRepo implements OutboxRepo {
  readonly #ctx: SqliteContext;
  readonly #insert: Database.Statement<[Record<string, unknown>]>;
  readonly #byKey: Database.Statement<[string, string], { id: number }>;
  readonly #claim: Database.Statement<[Record<string, unknown>], OutboxRow>;
  readonly #delivered: Database.Statement<[number, string]>;
  readonly #failed: Database.Statement<[Record<string, unknown>]>;
  readonly #holder: Database.Statement<[number], { status: string; lease_owner: string | null }>;
  readonly #count: Database.Statement<[string], { n: number }>;
  readonly #countStatus: Database.Statement<[string, string], { n: number }>;
  readonly #window: Database.Statement<[Record<string, unknown>], OutboxRow>;
  readonly #requeue: Database.Statement<[Record<string, unknown>]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#insert = db.prepare(
      `INSERT INTO outbox (integration_id, destination, payload, idempotency_key, status,
         next_attempt_at, due_at, created_at)
       VALUES (@integrationId, @destination, @payload, @idempotencyKey, 'pending',
         @notBefore, @notBefore, @createdAt)
       ON CONFLICT (integration_id, idempotency_key) DO NOTHING`,
    );
    this.#byKey = db.prepare(
      'SELECT id FROM outbox WHERE integration_id = ? AND idempotency_key = ?',
    );
    this.#claim = db.prepare(
      `UPDATE outbox SET status = 'delivering', attempts = attempts + 1, lease_owner = @owner,
         due_at = @until
       WHERE id IN (SELECT id FROM outbox WHERE due_at <= @now
                    AND (@integrationId IS NULL OR integration_id = @integrationId)
                    ORDER BY due_at, id LIMIT @limit)
       RETURNING ${COLUMNS}`,
    );
    // Fenced like the inbox: a sender whose lease ran out and whose message
    // was claimed again (or requeued) must not overwrite the new outcome.
    this.#delivered = db.prepare(
      `UPDATE outbox SET status = 'delivered', due_at = NULL, lease_owner = NULL
       WHERE id = ? AND status = 'delivering' AND lease_owner = ?`,
    );
    this.#failed = db.prepare(
      `UPDATE outbox SET status = @status, due_at = @due,
         next_attempt_at = coalesce(@next, next_attempt_at), lease_owner = NULL,
         last_error = @error
       WHERE id = @id AND status = 'delivering' AND lease_owner = @owner`,
    );
    this.#holder = db.prepare('SELECT status, lease_owner FROM outbox WHERE id = ?');
    this.#count = db.prepare('SELECT count(*) AS n FROM outbox WHERE integration_id = ?');
    this.#countStatus = db.prepare(
      'SELECT count(*) AS n FROM outbox WHERE integration_id = ? AND status = ?',
    );
    // Statuses arrive as a JSON array, so one statement serves every combination.
    const inWindow = `integration_id = @integrationId AND destination = @destination
         AND created_at >= @from AND created_at <= @to
         AND status IN (SELECT value FROM json_each(@statuses))`;
    this.#window = db.prepare(`SELECT ${COLUMNS} FROM outbox WHERE ${inWindow} ORDER BY id`);
    this.#requeue = db.prepare(
      `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = @now, due_at = @now,
         lease_owner = NULL, last_error = NULL
       WHERE ${inWindow}`,
    );
  }

  async enqueue(item: OutboxEnqueue): Promise<{ id: string; duplicate: boolean }> {
    const createdAt = this.#ctx.now();
    const row = {
      integrationId: requireText('integrationId', item.integrationId),
      destination: requireText('destination', item.destination),
      payload: encodeJson(item.payload, 'payload'),
      idempotencyKey:
        item.idempotencyKey == null ? null : requireText('idempotencyKey', item.idempotencyKey),
      notBefore: optionalTime('notBefore', item.notBefore) ?? createdAt,
      createdAt,
    };
    return this.#ctx.write(() => {
      const info = this.#insert.run(row);
      if (info.changes > 0) return { id: String(info.lastInsertRowid), duplicate: false };
      const existing = this.#byKey.get(row.integrationId, row.idempotencyKey as string);
      return { id: String(existing?.id), duplicate: true };
    });
  }

  async claimDue(opts: {
    limit: number;
    leaseMs: number;
    owner: string;
    now?: EpochMs;
    integrationId?: string;
  }): Promise<OutboxItem[]> {
    const limit = requireInt('limit', opts.limit, 0);
    const leaseMs = requireDuration('leaseMs', opts.leaseMs);
    const owner = requireText('owner', opts.owner);
    const now = requireTime('now', opts.now ?? this.#ctx.now());
    const integrationId =
      opts.integrationId === undefined ? null : requireText('integrationId', opts.integrationId);
    if (limit === 0) return [];
    const rows = await this.#ctx.write(() =>
      this.#claim.all({ integrationId, owner, now, until: now + leaseMs, limit }),
    );
    return rows.sort((a, b) => a.id - b.id).map(toItem);
  }

  async markDelivered(id: string, owner: string): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) throw notFound('outbox item', id);
    requireText('owner', owner);
    await this.#ctx.write(() => {
      if (this.#delivered.run(rowId, owner).changes === 0) throw this.#refused(rowId, id, owner);
    });
  }

  async markFailed(
    id: string,
    owner: string,
    error: SerializedError,
    nextAttemptAt: EpochMs | null,
  ): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) throw notFound('outbox item', id);
    const next = optionalTime('nextAttemptAt', nextAttemptAt);
    const params = {
      id: rowId,
      owner: requireText('owner', owner),
      status: next === null ? 'dead' : 'pending',
      due: next,
      next,
      error: encodeJson(error, 'error'),
    };
    await this.#ctx.write(() => {
      if (this.#failed.run(params).changes === 0) throw this.#refused(rowId, id, owner);
    });
  }

  /** Why a fenced update changed nothing; read in the same write, so it is what the update saw. */
  #refused(rowId: number, id: string, owner: string): Error {
    const row = this.#holder.get(rowId);
    if (!row) return notFound('outbox item', id);
    return leaseLost('outbox item', id, owner, { status: row.status, holder: row.lease_owner });
  }

  async requeue(window: OutboxRequeue): Promise<OutboxItem[]> {
    const statuses: unknown = window.statuses;
    if (!Array.isArray(statuses) || statuses.length === 0) {
      throw invalidArgument('statuses', 'a non-empty list of dead, delivered', statuses);
    }
    const params = {
      integrationId: requireText('integrationId', window.integrationId),
      destination: requireText('destination', window.destination),
      from: requireTime('from', window.from),
      to: requireTime('to', window.to),
      statuses: JSON.stringify(
        statuses.map((s) => requireOneOf('statuses', s, ['dead', 'delivered'] as const)),
      ),
      now: requireTime('now', window.now ?? this.#ctx.now()),
    };
    if (params.from > params.to)
      throw invalidArgument('to', `at least from (${params.from})`, params.to);
    // Read and update in one write: nothing can claim or finish a row in between.
    return this.#ctx.write(() => {
      const before = this.#window.all(params).map(toItem);
      this.#requeue.run(params);
      return before;
    });
  }

  async count(integrationId: string, status?: OutboxStatus): Promise<number> {
    return this.#ctx.read(
      () =>
        (status === undefined
          ? this.#count.get(integrationId)
          : this.#countStatus.get(integrationId, status)
        )?.n ?? 0,
    );
  }
}
