/**
 * The shapes one batch moves through (counters, dependencies, mapped items)
 * and the rule that decides whether an error stops the run or dead-letters
 * only its item.
 */
import type { ConnectorContext, SinkRecord, SourceItem } from '../core/connector.js';
import type { PatchbayError } from '../core/errors.js';
import type { PreparedIntegration } from './prepare.js';
import type { CallGuard, RuntimeServices } from './services.js';

/**
 * Counters of one batch (or one run).
 *
 * @example
 * ```ts
 * const counts: ItemCounts = (await runtime.run('orders-to-warehouse')).counts;
 * console.log(`read ${counts.read}, wrote ${counts.written}, skipped ${counts.skipped}, dead-lettered ${counts.deadLettered}`);
 * console.log(counts.errorsByKind); // e.g. { validation: 3, http_5xx: 1 }
 * ```
 */
export interface ItemCounts {
  read: number;
  written: number;
  skipped: number;
  deadLettered: number;
  errorsByKind: Record<string, number>;
}

/**
 * A fresh set of zero counters.
 *
 * @example
 * ```ts
 * const counts = emptyCounts(); counts.read += 10;
 * ```
 */
export function emptyCounts(): ItemCounts {
  return { read: 0, written: 0, skipped: 0, deadLettered: 0, errorsByKind: {} };
}

/** What writes a batch of records to the integration's sink. */
export type SinkWriter = (records: SinkRecord[], ctx: ConnectorContext) => Promise<void>;

/**
 * Raised inside a run when a transient failure outlived its retries.
 *
 * @example
 * ```ts
 * throw new TransientBatchFailure(httpError(503, 'PUT /orders'));
 * ```
 */
export class TransientBatchFailure extends Error {
  constructor(readonly error: PatchbayError) {
    super(error.message);
  }
}

/** One source item and the sink records its steps produced. */
export interface Mapped {
  item: SourceItem;
  records: SinkRecord[];
}

/** Everything processBatch needs besides the batch. */
export interface BatchDeps {
  services: RuntimeServices;
  prepared: PreparedIntegration;
  guard: CallGuard;
  writeSink: SinkWriter;
  /** The sink runs each call through `ctx.guard` itself: write once, unwrapped. */
  sinkGuardsOwnCalls?: boolean;
  sinkName: string;
  ctx: ConnectorContext;
  mode: 'live' | 'replay';
  dryRun: boolean;
  counts: ItemCounts;
  /** Replaces the default dead-letter write (used when retrying dead letters). */
  onDeadLetter?: (
    item: SourceItem,
    stage: string,
    error: PatchbayError,
    attempts: number,
  ) => Promise<void>;
}

/**
 * Errors that stop the run (the batch is read again next time) rather than
 * dead-letter the item: transient ones, and ones that are about the
 * destination rather than the item — an expired credential or a missing
 * table must not quietly empty the pipeline into the dead-letter queue.
 */
const STOPS_RUN = new Set(['circuit_open', 'cancelled', 'auth', 'config']);
/** True when the error stops the run rather than dead-lettering the item. */
export function isTransient(err: PatchbayError): boolean {
  return err.retryable || STOPS_RUN.has(err.kind);
}

/** Counts one error against its kind. */
export function countError(counts: ItemCounts, err: PatchbayError): void {
  counts.errorsByKind[err.kind] = (counts.errorsByKind[err.kind] ?? 0) + 1;
}
