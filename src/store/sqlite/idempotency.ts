import type Database from 'better-sqlite3';
import type { JsonValue } from '../../core/json-safe.js';
import type { EpochMs, IdempotencyClaim, IdempotencyRepo } from '../types.js';
import { decodeJson, encodeJson, requireDuration, requireText, requireTime } from './codec.js';
import type { SqliteContext } from './context.js';

interface IdempotencyRow {
  status: 'in_flight' | 'done';
  owner: string | null;
  fingerprint: string | null;
  outcome: string | null;
  expires_at: number;
}

/**
 * The SQLite idempotency records. A record is live until `expires_at` (the
 * lease end while in flight, the retention end once done); an expired record
 * is as good as absent. A live record whose stored fingerprint differs from
 * the caller's answers `mismatch` whatever its state: the key was reused for
 * a different request, which is a caller bug to surface, not to replay.
 * An unexpired claim answers `in_flight` even to its own owner, because two
 * concurrent requests in one process share an owner.
 *
 * @example
 * ```ts
 * const c = await store.idempotency.claim('stripe', key, { owner: 'w1', leaseMs: 60_000, fingerprint });
 * if (c.status === 'claimed') { const out = await call(); await store.idempotency.complete('stripe', key, out, Date.now() + 86_400_000); }
 * ```
 */
export class SqliteIdempotencyRepo implements IdempotencyRepo {
  readonly #ctx: SqliteContext;
  readonly #get: Database.Statement<[string, string], IdempotencyRow>;
  readonly #claim: Database.Statement<[Record<string, unknown>]>;
  readonly #complete: Database.Statement<[Record<string, unknown>]>;
  readonly #release: Database.Statement<[string, string, string]>;
  readonly #purge: Database.Statement<[number]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#get = db.prepare(
      `SELECT status, owner, fingerprint, outcome, expires_at FROM idempotency
       WHERE scope = ? AND key = ?`,
    );
    this.#claim = db.prepare(
      `INSERT INTO idempotency (scope, key, status, owner, fingerprint, outcome, expires_at)
       VALUES (@scope, @key, 'in_flight', @owner, @fingerprint, NULL, @until)
       ON CONFLICT (scope, key) DO UPDATE SET status = 'in_flight', owner = excluded.owner,
         fingerprint = excluded.fingerprint, outcome = NULL, expires_at = excluded.expires_at`,
    );
    this.#complete = db.prepare(
      `INSERT INTO idempotency (scope, key, status, owner, fingerprint, outcome, expires_at)
       VALUES (@scope, @key, 'done', NULL, NULL, @outcome, @expiresAt)
       ON CONFLICT (scope, key) DO UPDATE SET status = 'done', owner = NULL,
         outcome = excluded.outcome, expires_at = excluded.expires_at`,
    );
    this.#release = db.prepare(
      `DELETE FROM idempotency WHERE scope = ? AND key = ? AND status = 'in_flight' AND owner = ?`,
    );
    this.#purge = db.prepare('DELETE FROM idempotency WHERE expires_at <= ?');
  }

  async claim(
    scope: string,
    key: string,
    opts: { owner: string; leaseMs: number; fingerprint?: string; now?: EpochMs },
  ): Promise<IdempotencyClaim> {
    requireText('scope', scope);
    requireText('key', key);
    const owner = requireText('owner', opts.owner);
    const leaseMs = requireDuration('leaseMs', opts.leaseMs);
    const fingerprint =
      opts.fingerprint === undefined ? null : requireText('fingerprint', opts.fingerprint);
    const now = requireTime('now', opts.now ?? this.#ctx.now());
    return this.#ctx.write((): IdempotencyClaim => {
      const row = this.#get.get(scope, key);
      if (row && row.expires_at > now) {
        if (fingerprint !== null && row.fingerprint !== null && row.fingerprint !== fingerprint) {
          return { status: 'mismatch', fingerprint: row.fingerprint };
        }
        if (row.status === 'done') {
          return {
            status: 'done',
            outcome: decodeJson<JsonValue>(row.outcome ?? 'null'),
            fingerprint: row.fingerprint,
          };
        }
        return { status: 'in_flight', owner: row.owner ?? '', leaseUntil: row.expires_at };
      }
      this.#claim.run({ scope, key, owner, fingerprint, until: now + leaseMs });
      return { status: 'claimed' };
    });
  }

  async complete(
    scope: string,
    key: string,
    outcome: JsonValue,
    expiresAt: EpochMs,
  ): Promise<void> {
    const params = {
      scope: requireText('scope', scope),
      key: requireText('key', key),
      outcome: encodeJson(outcome, 'outcome'),
      expiresAt: requireTime('expiresAt', expiresAt),
    };
    await this.#ctx.write(() => this.#complete.run(params));
  }

  async release(scope: string, key: string, owner: string): Promise<void> {
    await this.#ctx.write(() => this.#release.run(scope, key, owner));
  }

  async purgeExpired(now?: EpochMs): Promise<number> {
    const at = requireTime('now', now ?? this.#ctx.now());
    return this.#ctx.write(() => this.#purge.run(at).changes);
  }
}
