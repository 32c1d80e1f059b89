/**
 * The one structured line per external call, and the single entry point
 * connectors use to leave both that line and the call's metrics.
 */
import type { ErrorKind } from '../core/errors.js';
import type { Logger } from './logger.js';
import type { PatchbayMetrics } from './metrics.js';
import { scrubUrl } from './scrub.js';

/**
 * Everything known about one external call, after it finished.
 *
 * @example
 * ```ts
 * const record: CallRecord = {
 *   integration: 'gps-positions', connector: 'http', operation: 'GET /positions',
 *   target: 'https://gps.example.com/api/positions', outcome: 'success',
 *   latencyMs: 84, attempt: 1,
 * };
 * ```
 */
export interface CallRecord {
  /** Integration id, e.g. `gps-positions`. */
  integration: string;
  /** Connector kind, e.g. `http`, `sql`, `sftp`. */
  connector: string;
  /** What was done, e.g. `GET /positions`, `SELECT loads`, `put`. */
  operation: string;
  /** Where: URL, host, queue or path. Credentials in it are removed before logging. */
  target: string;
  outcome: 'success' | 'failure';
  /** Classified kind of a failure. */
  errorKind?: ErrorKind;
  /** Stable code of a failure, e.g. `HTTP_503`. */
  errorCode?: string;
  /** Wall-clock duration of this attempt in milliseconds. */
  latencyMs: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** The idempotency key the call carried, if any. */
  idempotencyKey?: string;
  /** The service identity used (client id, certificate subject, key id), never a credential. */
  identity?: string;
  /** The answer was last-known-good data served while the breaker was open. */
  stale?: boolean;
}

/**
 * Writes the call line: message `call`, level `info` for success and `warn`
 * for failure, every {@link CallRecord} field at the top level (absent
 * optional fields are omitted). The logger scrubs secrets; the target also
 * loses URL credentials and secret query parameters here.
 *
 * @example
 * ```ts
 * logCall(logger, { integration: 'gps-positions', connector: 'http', operation: 'GET /positions',
 *   target: 'https://gps.example.com/api/positions', outcome: 'failure', errorKind: 'http_5xx',
 *   errorCode: 'HTTP_503', latencyMs: 120, attempt: 2 });
 * // {"level":"warn",...,"integration":"gps-positions",...,"errorKind":"http_5xx","msg":"call"}
 * ```
 */
export function logCall(logger: Logger, record: CallRecord): void {
  // Fields are copied one by one, in a fixed order, so every line has the
  // same shape and nothing else a caller attached to the record slips in.
  const line = {
    integration: record.integration,
    connector: record.connector,
    operation: record.operation,
    target: scrubUrl(record.target),
    outcome: record.outcome,
    errorKind: record.errorKind,
    errorCode: record.errorCode,
    // performance.now() differences carry noise digits; 0.01 ms is plenty.
    latencyMs: Math.round(record.latencyMs * 100) / 100,
    attempt: record.attempt,
    idempotencyKey: record.idempotencyKey,
    identity: record.identity,
    stale: record.stale,
  };
  if (record.outcome === 'success') logger.info(line, 'call');
  else logger.warn(line, 'call');
}

/**
 * Where {@link recordCall} sends a call. Either may be absent (e.g. in a unit test).
 *
 * @example
 * ```ts
 * const sinks: CallSinks = { logger: ctx.logger, metrics };
 * recordCall(sinks, { integration: 'gps-positions', connector: 'http', operation: 'GET /positions',
 *   target: 'https://api.gps.example.com', outcome: 'success', latencyMs: 182, attempt: 1 });
 * ```
 */
export interface CallSinks {
  logger?: Logger;
  metrics?: PatchbayMetrics;
}

/**
 * What connectors call after every external call: writes the call line
 * ({@link logCall}) and counts it in the metrics (success or error by kind,
 * latency, stale served).
 *
 * @example
 * ```ts
 * const started = performance.now();
 * try {
 *   const res = await fetch(url);
 *   recordCall(ctx, { integration, connector: 'http', operation: 'GET /positions', target: url,
 *     outcome: 'success', latencyMs: performance.now() - started, attempt });
 * } catch (err) {
 *   const e = classify(err);
 *   recordCall(ctx, { integration, connector: 'http', operation: 'GET /positions', target: url,
 *     outcome: 'failure', errorKind: e.kind, errorCode: e.code,
 *     latencyMs: performance.now() - started, attempt });
 *   throw e;
 * }
 * ```
 */
export function recordCall(sinks: CallSinks, record: CallRecord): void {
  sinks.metrics?.recordCall(record);
  if (sinks.logger) logCall(sinks.logger, record);
}
