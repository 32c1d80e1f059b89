/**
 * The audit row of a machine-to-machine call. Built from facts that are
 * safe to keep forever: the identity's name, the target without its query,
 * the action, outcome, latency, attempt and idempotency key. Credentials
 * never reach it, because nothing that holds them is passed in. Connectors
 * write rows through an {@link AuditBuffer}, so rows share commits.
 */
import type { ConnectorContext } from '../../core/connector.js';
import type { AuditEntry } from '../../store/types.js';

/**
 * One call as the audit log records it.
 * @example
 * ```ts
 * const facts: HttpAuditFacts = { identity: 'bearer', target: 'https://api.example.com/v1/loads',
 *   action: 'GET', outcome: 'success', latencyMs: 12, attempt: 1 };
 * ```
 */
export type HttpAuditFacts = Omit<AuditEntry, 'at' | 'integrationId'>;

/**
 * Appends one audit row. A failing audit store does not fail the call it
 * describes (the call already happened); it is logged instead.
 *
 * @example
 * ```ts
 * await auditCall(ctx, { identity: 'oauth2:gps', target: 'https://api.example.com/v1/loads',
 *   action: 'GET', outcome: 'success', latencyMs: 42, attempt: 1 });
 * ```
 */
export async function auditCall(ctx: ConnectorContext, facts: HttpAuditFacts): Promise<void> {
  try {
    await ctx.store.audit.append({ at: Date.now(), integrationId: ctx.integrationId, ...facts });
  } catch (err) {
    ctx.logger.warn(
      { err, integration: ctx.integrationId, target: facts.target },
      'audit append failed',
    );
  }
}

/**
 * Options of {@link AuditBuffer}.
 * @example
 * ```ts
 * const audit = new AuditBuffer(ctx, { maxRows: 50, maxDelayMs: 100 });
 * ```
 */
export interface AuditBufferOptions {
  /** Rows held before they are written at once. Default 100. */
  maxRows?: number;
  /** Longest a row waits when nothing else flushes it, in ms. Default 200. */
  maxDelayMs?: number;
}

/**
 * Audit rows of one connection, written in groups rather than one by one.
 *
 * Why: with a durable store every awaited append is its own commit and
 * fsync, which measured at about three quarters of a sequential poller's
 * time per page. Rows handed to the store in the same turn of the event loop
 * share one commit, so the buffer hands them over together: when a batch
 * with a checkpoint is acknowledged (`flush()` from the batch's `ack`, just
 * before the runtime saves the checkpoint; the store commits writes in the
 * order it received them, so the rows commit no later than the checkpoint),
 * when `maxRows` are held, after `maxDelayMs`, and on `close()`. The price:
 * a crash can lose the rows of the last `maxDelayMs` of calls that had no
 * checkpoint after them.
 *
 * @example
 * ```ts
 * const audit = new AuditBuffer(ctx);
 * audit.add({ identity: 'bearer', target: 'https://api.example.com/v1/loads', action: 'GET',
 *   outcome: 'success', latencyMs: 12, attempt: 1 });
 * void audit.flush(); // hand the rows to the store now; the checkpoint written next commits them
 * await audit.close(); // on session close: every row written
 * ```
 */
export class AuditBuffer {
  readonly #ctx: Pick<ConnectorContext, 'store' | 'logger' | 'integrationId'>;
  readonly #maxRows: number;
  readonly #maxDelayMs: number;
  #rows: AuditEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #writing = new Set<Promise<void>>();

  constructor(
    ctx: Pick<ConnectorContext, 'store' | 'logger' | 'integrationId'>,
    options: AuditBufferOptions = {},
  ) {
    this.#ctx = ctx;
    this.#maxRows = options.maxRows ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 200;
  }

  /** Rows held and not yet handed to the store. */
  get pending(): number {
    return this.#rows.length;
  }

  /** Holds one row; the time is taken now, not when it is written. */
  add(facts: HttpAuditFacts): void {
    this.#rows.push({ at: Date.now(), integrationId: this.#ctx.integrationId, ...facts });
    if (this.#rows.length >= this.#maxRows) {
      void this.flush();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.flush(), this.#maxDelayMs);
      // A held row must not keep a finished process alive; close() writes it.
      this.#timer.unref();
    }
  }

  /**
   * Hands every held row to the store in one synchronous sweep (so they share
   * one commit) and resolves when they are written. Never rejects: a failing
   * audit store is logged, as in {@link auditCall}.
   */
  flush(): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#rows;
    if (rows.length === 0) return Promise.resolve();
    this.#rows = [];
    const write = Promise.all(
      rows.map((row) =>
        this.#ctx.store.audit.append(row).catch((err: unknown) => {
          this.#ctx.logger.warn(
            { err, integration: this.#ctx.integrationId, target: row.target },
            'audit append failed',
          );
        }),
      ),
    ).then(() => undefined);
    this.#writing.add(write);
    void write.finally(() => this.#writing.delete(write));
    return write;
  }

  /** Writes every held row and waits for every write in progress. */
  async close(): Promise<void> {
    await this.flush();
    await Promise.all([...this.#writing]);
  }
}
