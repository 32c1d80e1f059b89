/**
 * One guarded HTTP call: sign, send, learn the rate-limit headers, classify,
 * log, audit. Everything an HTTP connector sends goes through
 * {@link guardedCall}, so every request sits inside the integration's policy
 * pipeline and leaves exactly one call line and one audit row per attempt.
 */
import type { ConnectorContext } from '../../core/connector.js';
import { classify } from '../../core/classify.js';
import { PatchbayError } from '../../core/errors.js';
import type { HeadersLike } from '../../policies/rate-limit-headers.js';
import { auditCall, type AuditBuffer } from './audit.js';
import type { HttpAuth } from './auth/types.js';
import { safeTarget, type HttpClient, type HttpRequest, type HttpResponse } from './client.js';
import {
  classifyResponse,
  type ResponseOutcome,
  type StatusOverrides,
} from './classify-response.js';

/**
 * What {@link guardedCall} needs besides the request.
 *
 * @example
 * ```ts
 * const options: CallOptions = {
 *   client: conn.client,
 *   auth: conn.auth,
 *   overrides: { successOn: [409] }, // 409: the incident already exists
 *   idempotencyKey: 'create-incident:INC-4711',
 *   auditBuffer: conn.auditBuffer,
 *   timeoutMs: 10_000,
 * };
 * const { response } = await guardedCall(ctx, () => ({
 *   method: 'POST',
 *   url: new URL('https://crm.example.com/api/incidents'),
 *   headers: { 'content-type': 'application/json', 'idempotency-key': 'create-incident:INC-4711' },
 *   body: JSON.stringify({ title: 'Truck late', priority: 2 }),
 * }), options);
 * ```
 */
export interface CallOptions {
  client: HttpClient;
  auth: HttpAuth;
  overrides?: StatusOverrides;
  /** Idempotency key sent with the request, for the call line and audit row. */
  idempotencyKey?: string | undefined;
  /** Write an audit row per attempt. Default true. */
  audit?: boolean;
  /**
   * Hold audit rows here instead of awaiting each append (one commit per
   * call); the connection flushes it at each acknowledged batch and on close.
   */
  auditBuffer?: AuditBuffer | undefined;
  /** Per-call timeout in ms; default the client's. */
  timeoutMs?: number | undefined;
  /**
   * Checks a successful response inside the attempt; what it throws is
   * classified, logged and audited as this attempt's failure, and retried
   * by the guard when retryable (e.g. a GraphQL `RATE_LIMITED` error in a 200).
   */
  inspect?: ((res: HttpResponse) => void) | undefined;
}

/**
 * A successful (or dropped, or not-modified) response with how it was classified.
 *
 * @example
 * ```ts
 * const { response, outcome }: CallResult = await guardedCall(ctx, build, {
 *   client: conn.client, auth: conn.auth, overrides: { dropOn: [410] },
 * });
 * if (outcome === 'drop') ctx.logger.info({ status: response.status }, 'order deleted upstream, skipped');
 * else if (outcome === 'success') records.push(parseJsonResponse(response, 'GET /orders/4711'));
 * ```
 */
export interface CallResult {
  response: HttpResponse;
  outcome: Exclude<ResponseOutcome, { type: 'error' }>['type'];
}

/**
 * Sends `build()`'s request through `ctx.guard`; each attempt builds a fresh
 * request, so auth is applied anew (fresh token, fresh signature timestamp).
 *
 * @example
 * ```ts
 * const { response } = await guardedCall(ctx, () => ({ method: 'GET', url: new URL(url), headers: {} }),
 *   { client, auth });
 * ```
 */
export function guardedCall(
  ctx: ConnectorContext,
  build: () => HttpRequest,
  options: CallOptions,
): Promise<CallResult> {
  return ctx.guard.execute(async (attemptCtx) => {
    const { signal, attempt } = attemptCtx;
    // The runtime's pipeline passes `learn`; the contract's minimal guard may not.
    const learn = (attemptCtx as { learn?: (h: HeadersLike) => void }).learn;
    const started = performance.now();
    const first = build();
    const target = safeTarget(first.url);
    const action = first.method.toUpperCase();
    const report = (outcome: 'success' | 'failure', error?: PatchbayError, notModified = false) => {
      const latencyMs = performance.now() - started;
      ctx.recordCall({
        ...(notModified ? { notModified } : {}),
        operation: action,
        target,
        outcome,
        errorKind: error?.kind,
        errorCode: error?.code,
        latencyMs,
        attempt,
        idempotencyKey: options.idempotencyKey,
        identity: options.auth.identity,
      });
      if (options.audit === false) return Promise.resolve();
      const facts = {
        identity: options.auth.identity,
        target,
        action,
        outcome,
        errorKind: error?.kind,
        latencyMs,
        attempt,
        idempotencyKey: options.idempotencyKey,
      };
      if (options.auditBuffer === undefined) return auditCall(ctx, facts);
      options.auditBuffer.add(facts);
      return Promise.resolve();
    };
    try {
      let req = first;
      await options.auth.apply(req, signal);
      let res = await options.client.send(req, signal, options.timeoutMs);
      learn?.(res.headers as HeadersLike);
      if (res.status === 401 && options.auth.invalidate?.(req)) {
        // One refresh-and-retry inside the attempt; a second 401 is an auth error, not a storm.
        req = build();
        await options.auth.apply(req, signal);
        res = await options.client.send(req, signal, options.timeoutMs);
        learn?.(res.headers as HeadersLike);
      }
      const outcome = classifyResponse(res, `${action} ${target}`, options.overrides);
      if (outcome.type === 'error') {
        const error =
          outcome.error.kind === 'auth'
            ? new PatchbayError('auth', outcome.error.message, {
                code: outcome.error.code,
                status: res.status,
                retryable: false,
                details: { identity: options.auth.identity },
              })
            : outcome.error;
        throw error;
      }
      if (outcome.type === 'success') options.inspect?.(res);
      await report('success', undefined, outcome.type === 'not-modified');
      return { response: res, outcome: outcome.type };
    } catch (err) {
      const error = classify(err);
      await report('failure', error);
      throw error;
    }
  }, ctx.signal);
}
