import type Database from 'better-sqlite3';
import type { AuditEntry, AuditRepo, EpochMs } from '../types.js';
import { requireInt, requireOneOf, requireText, requireTime } from './codec.js';
import type { SqliteContext } from './context.js';

interface AuditRow {
  id: number;
  at: number;
  integration_id: string;
  identity: string;
  target: string;
  action: string;
  outcome: 'success' | 'failure';
  error_kind: string | null;
  latency_ms: number;
  attempt: number;
  idempotency_key: string | null;
}

function toEntry(row: AuditRow): AuditEntry & { id: string } {
  return {
    id: String(row.id),
    at: row.at,
    integrationId: row.integration_id,
    identity: row.identity,
    target: row.target,
    action: row.action,
    outcome: row.outcome,
    ...(row.error_kind === null ? {} : { errorKind: row.error_kind }),
    latencyMs: row.latency_ms,
    attempt: row.attempt,
    ...(row.idempotency_key === null ? {} : { idempotencyKey: row.idempotency_key }),
  };
}

/**
 * The SQLite audit log. `list` answers in append order (oldest first),
 * filtered by integration and by `at >= since`, 100 entries by default.
 *
 * @example
 * ```ts
 * await store.audit.append({ at: Date.now(), integrationId: 'orders', identity: 'oauth2:erp', target: 'erp', action: 'POST /orders', outcome: 'success', latencyMs: 42, attempt: 1 });
 * const recent = await store.audit.list({ integrationId: 'orders', since: Date.now() - 3_600_000 });
 * ```
 */
export class SqliteAuditRepo implements AuditRepo {
  readonly #ctx: SqliteContext;
  readonly #insert: Database.Statement<[Record<string, unknown>]>;
  readonly #list: Database.Statement<[Record<string, unknown>], AuditRow>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    this.#insert = ctx.db.prepare(
      `INSERT INTO audit (at, integration_id, identity, target, action, outcome, error_kind,
         latency_ms, attempt, idempotency_key)
       VALUES (@at, @integrationId, @identity, @target, @action, @outcome, @errorKind,
         @latencyMs, @attempt, @idempotencyKey)`,
    );
    this.#list = ctx.db.prepare(
      `SELECT id, at, integration_id, identity, target, action, outcome, error_kind, latency_ms,
         attempt, idempotency_key
       FROM audit
       WHERE (@integrationId IS NULL OR integration_id = @integrationId)
         AND (@since IS NULL OR at >= @since)
       ORDER BY id LIMIT @limit`,
    );
  }

  async append(entry: AuditEntry): Promise<void> {
    const params = {
      at: requireTime('at', entry.at),
      integrationId: requireText('integrationId', entry.integrationId),
      identity: requireText('identity', entry.identity),
      target: requireText('target', entry.target),
      action: requireText('action', entry.action),
      outcome: requireOneOf('outcome', entry.outcome, ['success', 'failure'] as const),
      errorKind: entry.errorKind ?? null,
      latencyMs: requireTime('latencyMs', entry.latencyMs),
      attempt: requireInt('attempt', entry.attempt, 0),
      idempotencyKey: entry.idempotencyKey ?? null,
    };
    await this.#ctx.write(() => this.#insert.run(params));
  }

  async list(
    opts: { integrationId?: string; since?: EpochMs; limit?: number } = {},
  ): Promise<Array<AuditEntry & { id: string }>> {
    const params = {
      integrationId: opts.integrationId ?? null,
      since: opts.since === undefined ? null : requireTime('since', opts.since),
      limit: requireInt('limit', opts.limit ?? 100, 0),
    };
    const rows = await this.#ctx.read(() => this.#list.all(params));
    return rows.map(toEntry);
  }
}
