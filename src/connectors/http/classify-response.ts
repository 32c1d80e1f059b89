/**
 * What an HTTP answer means for Patchbay: success, a deliberate drop, or one
 * of the error kinds, with per-integration overrides and `Retry-After`.
 */
import { z } from 'zod';
import { httpError } from '../../core/classify.js';
import { PatchbayError } from '../../core/errors.js';
import { headerValue, parseRetryAfter } from '../../policies/rate-limit-headers.js';
import type { HttpResponse } from './client.js';

const statusList = z.array(z.number().int().min(100).max(599));

/**
 * The status overrides every HTTP connector accepts (zod fields, spread into a config).
 * @example
 * ```ts
 * const config = z.object({ url: z.string(), ...statusOverridesSchema });
 * ```
 */
export const statusOverridesSchema = {
  successOn: statusList.default([]).meta({
    description: 'Statuses that count as success (e.g. 409 "already done")',
    examples: [[409]],
  }),
  dropOn: statusList.default([]).meta({
    description: 'Statuses after which the item is dropped without error (e.g. 410 Gone)',
    advanced: true,
  }),
  retryOn: statusList
    .default([])
    .meta({ description: 'Extra statuses to retry (e.g. 409 on a lock conflict)', advanced: true }),
};

/**
 * Per-integration status overrides.
 *
 * @example
 * ```ts
 * // a CRM that answers 409 when the incident exists and 423 while a record is locked
 * const overrides: StatusOverrides = { successOn: [409], retryOn: [423] };
 * const outcome = classifyResponse(res, 'POST /api/incidents', overrides);
 * ```
 */
export interface StatusOverrides {
  successOn?: readonly number[];
  dropOn?: readonly number[];
  retryOn?: readonly number[];
}

/**
 * How a response is to be treated.
 *
 * @example
 * ```ts
 * const outcome: ResponseOutcome = classifyResponse(res, 'DELETE /orders/4711', { dropOn: [404, 410] });
 * switch (outcome.type) {
 *   case 'error': throw outcome.error; // kind and retryAfterMs set from the status
 *   case 'drop': return; // already gone: nothing to do
 *   case 'not-modified': return cached;
 *   case 'success': return parseJsonResponse(res, 'DELETE /orders/4711');
 * }
 * ```
 */
export type ResponseOutcome =
  | { type: 'success' }
  | { type: 'drop' }
  | { type: 'not-modified' }
  | { type: 'error'; error: PatchbayError };

/**
 * Classifies a response. 2xx (and listed `successOn`) succeed, 304 is
 * "not modified", `dropOn` drops, everything else becomes an error whose
 * `retryAfterMs` comes from `Retry-After` (seconds or HTTP-date).
 *
 * @example
 * ```ts
 * const outcome = classifyResponse(res, 'POST /incidents', { successOn: [409] });
 * if (outcome.type === 'error') throw outcome.error;
 * ```
 */
export function classifyResponse(
  res: Pick<HttpResponse, 'status' | 'headers'>,
  what: string,
  overrides: StatusOverrides = {},
  now: number = Date.now(),
): ResponseOutcome {
  const { status } = res;
  if (overrides.successOn?.includes(status)) return { type: 'success' };
  if (overrides.dropOn?.includes(status)) return { type: 'drop' };
  if (status >= 200 && status < 300) return { type: 'success' };
  if (status === 304) return { type: 'not-modified' };
  const retryAfterMs = parseRetryAfter(headerValue(res.headers, 'retry-after'), now);
  const error = httpError(status, what, retryAfterMs === undefined ? {} : { retryAfterMs });
  if (overrides.retryOn?.includes(status) && !error.retryable) {
    return {
      type: 'error',
      error: new PatchbayError(error.kind, error.message, {
        code: error.code,
        status,
        retryable: true,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      }),
    };
  }
  return { type: 'error', error };
}

/**
 * Parses a JSON body after checking its content type, so a proxy's HTML
 * error page never reaches a mapping step. Both failures are `parse` errors
 * that are not retried: the same request will get the same answer.
 *
 * @example
 * ```ts
 * const body = parseJsonResponse(res, 'GET /v1/loads');
 * ```
 */
export function parseJsonResponse(res: HttpResponse, what: string, expect = 'json'): unknown {
  const type = headerValue(res.headers, 'content-type') ?? '';
  const mediaType = type.split(';')[0]?.trim().toLowerCase() ?? '';
  const ok =
    expect === 'json'
      ? mediaType === 'application/json' || mediaType.endsWith('+json')
      : mediaType === expect.toLowerCase();
  if (!ok) {
    throw new PatchbayError(
      'parse',
      `${what}: expected ${expect} content, got "${mediaType || 'none'}"`,
      {
        code: 'CONTENT_TYPE',
        status: res.status,
        details: { contentType: mediaType },
      },
    );
  }
  try {
    return JSON.parse(res.body.toString('utf8')) as unknown;
  } catch (err) {
    throw new PatchbayError('parse', `${what}: response body is not valid JSON`, {
      code: 'MALFORMED_JSON',
      status: res.status,
      cause: err,
    });
  }
}
