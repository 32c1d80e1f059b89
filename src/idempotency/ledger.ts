/**
 * The "did I already do this?" ledger, for targets that accept no
 * idempotency header: claim the key with a lease before the call, record
 * the outcome after it, and answer a repeat with the recorded outcome
 * instead of calling again.
 *
 * A failed call releases its claim so it can be tried again. Note what no
 * ledger can know: a call that failed *ambiguously* (a timeout after the
 * request was sent) may have been carried out by the target; its retry may
 * then repeat it. Prefer an idempotency header when the target has one.
 */
import { PatchbayError } from '../core/errors.js';
import type { Duration } from '../core/duration.js';
import type { JsonValue } from '../core/json-safe.js';
import type { IdempotencyRepo } from '../store/types.js';
import { ownerId } from '../policies/clock.js';
import { readDuration, readObject } from '../policies/validate.js';
import { configError } from '../core/errors.js';

/**
 * Options of the ledger; defaults shown.
 *
 * @example
 * ```ts
 * const ledger = new IdempotencyLedger(store.idempotency, {
 *   scope: 'erp-invoices:create',
 *   lease: '5m',
 *   retention: '7d',
 * } satisfies LedgerOptions);
 * ```
 */
export interface LedgerOptions {
  /** Namespace of the keys, e.g. the integration id plus the action. Required. */
  scope: string;
  /** How long a claim holds while the call runs; set ≥ the call's budget. Default `"20m"`. */
  lease?: Duration;
  /** How long a recorded outcome is kept. Default `"24h"`. */
  retention?: Duration;
  /** Who claims; default a process-unique id. */
  owner?: string;
}

/**
 * What {@link IdempotencyLedger.run} returns.
 *
 * @example
 * ```ts
 * const { value: invoice, replayed }: LedgerResult<Invoice> = await ledger.run(key, () => erp.createInvoice(draft));
 * if (replayed) logger.info({ invoiceId: invoice.id }, 'invoice already created earlier');
 * ```
 */
export interface LedgerResult<T> {
  value: T;
  /** True when the value is the recorded outcome of an earlier run. */
  replayed: boolean;
}

/**
 * The ledger over a store's `IdempotencyRepo`.
 *
 * @example
 * ```ts
 * const ledger = new IdempotencyLedger(store.idempotency, { scope: 'erp-invoices:create' });
 * const key = deriveIdempotencyKey('create-invoice', invoice);
 * const { value, replayed } = await ledger.run(key, () => pipeline.execute(() => erp.createInvoice(invoice)));
 * ```
 */
export class IdempotencyLedger {
  readonly scope: string;
  readonly leaseMs: number;
  readonly retentionMs: number;
  readonly owner: string;

  constructor(
    private readonly repo: IdempotencyRepo,
    options: LedgerOptions,
  ) {
    const path = { subject: 'idempotency', prefix: 'ledger' };
    const o = readObject(options, path, ['scope', 'lease', 'retention', 'owner']);
    if (typeof o['scope'] !== 'string' || o['scope'].length === 0) {
      throw configError('idempotency', 'ledger.scope', 'a non-empty string');
    }
    this.scope = o['scope'];
    this.leaseMs = readDuration(o, 'lease', '20m', path, { positive: true });
    this.retentionMs = readDuration(o, 'retention', '24h', path, { positive: true });
    this.owner = typeof o['owner'] === 'string' ? o['owner'] : ownerId('ledger');
  }

  /**
   * Runs `fn` once per `key`: the first caller runs it and records its
   * (JSON) result; later callers get the recorded result back.
   *
   * @param opts.fingerprint - a hash of the parameters; a repeat with a different one is rejected
   * @throws `overloaded` (code `IDEMPOTENCY_IN_FLIGHT`, retryable, with `retryAfterMs`) while another claim holds;
   *   `validation` (code `IDEMPOTENCY_MISMATCH`, permanent) when the fingerprint differs
   */
  async run<T>(
    key: string,
    fn: () => Promise<T>,
    opts: { fingerprint?: string } = {},
  ): Promise<LedgerResult<T>> {
    const now = Date.now();
    const claim = await this.repo.claim(this.scope, key, {
      owner: this.owner,
      leaseMs: this.leaseMs,
      now,
      ...(opts.fingerprint === undefined ? {} : { fingerprint: opts.fingerprint }),
    });
    switch (claim.status) {
      case 'done': {
        const outcome = claim.outcome as { value?: JsonValue } | null;
        return { value: (outcome?.value ?? undefined) as T, replayed: true };
      }
      case 'in_flight':
        throw new PatchbayError('overloaded', `"${key}" is being carried out by ${claim.owner}`, {
          code: 'IDEMPOTENCY_IN_FLIGHT',
          retryAfterMs: Math.max(0, claim.leaseUntil - now),
          details: { scope: this.scope, key },
        });
      case 'mismatch':
        throw new PatchbayError(
          'validation',
          `"${key}" was already used with different parameters`,
          { code: 'IDEMPOTENCY_MISMATCH', retryable: false, details: { scope: this.scope, key } },
        );
      case 'claimed':
        break;
    }
    let value: T;
    try {
      value = await fn();
    } catch (err) {
      await this.repo.release(this.scope, key, this.owner);
      throw err;
    }
    const outcome: JsonValue = value === undefined ? {} : { value: value as JsonValue };
    await this.repo.complete(this.scope, key, outcome, Date.now() + this.retentionMs);
    return { value, replayed: false };
  }
}
