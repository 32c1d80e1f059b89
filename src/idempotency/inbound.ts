/**
 * Idempotency for Patchbay's own endpoints, with the semantics of Stripe and
 * the IETF `Idempotency-Key` draft, as a framework-neutral function:
 *
 * - same key, same parameters → the stored status and body are replayed
 *   (with `Idempotent-Replayed: true`), the handler does not run again;
 * - same key, different parameters → 422;
 * - same key while the first request is still in flight → 409 (with `Retry-After`);
 * - keys of 1–255 printable ASCII characters, else 400;
 * - outcomes kept 24 h by default. Server errors (5xx) and thrown errors are
 *   not stored: the claim is released so the client may retry.
 */
import type { Duration } from '../core/duration.js';
import type { JsonValue } from '../core/json-safe.js';
import type { IdempotencyRepo } from '../store/types.js';
import { ownerId } from '../policies/clock.js';
import { readBoolean, readDuration, readObject } from '../policies/validate.js';
import { configError } from '../core/errors.js';
import { checkIdempotencyKey, fingerprint } from './key.js';

/**
 * What the HTTP layer knows about the request.
 *
 * @example
 * ```ts
 * const request: InboundRequest = {
 *   key: req.headers['idempotency-key'] as string | undefined,
 *   method: 'POST',
 *   path: '/v1/replays',
 *   params: req.body,
 * };
 * const r = await handleIdempotentRequest(idem, request, handler);
 * ```
 */
export interface InboundRequest {
  /** The `Idempotency-Key` header value, if any. */
  key: string | undefined;
  method: string;
  /** Route path, e.g. `/v1/replays`; part of the fingerprint. */
  path: string;
  /** The parameters (parsed body and/or query) that make two requests "the same". */
  params?: unknown;
}

/**
 * A response as stored and replayed.
 *
 * @example
 * ```ts
 * const handler = async (): Promise<IdempotentResponse> => ({
 *   status: 201,
 *   headers: { location: `/v1/replays/${replay.id}` },
 *   body: { id: replay.id, state: 'queued' },
 * });
 * ```
 */
export interface IdempotentResponse {
  status: number;
  headers?: Record<string, string>;
  body: JsonValue;
}

/**
 * What to send back.
 *
 * @example
 * ```ts
 * const r: InboundResult = await handleIdempotentRequest(idem, request, handler);
 * if (r.replayed) logger.info({ key: request.key }, 'answered from the stored response');
 * reply.code(r.status).headers(r.headers).send(r.body);
 * ```
 */
export interface InboundResult extends IdempotentResponse {
  headers: Record<string, string>;
  /** True when this is a stored response replayed. */
  replayed: boolean;
}

/**
 * Options; defaults shown.
 *
 * @example
 * ```ts
 * const idem = inboundIdempotency({
 *   repo: store.idempotency,
 *   scope: 'admin-api',
 *   required: true,
 *   lease: '2m',
 *   retention: '48h',
 * } satisfies InboundOptions);
 * ```
 */
export interface InboundOptions {
  repo: IdempotencyRepo;
  /** Namespace, e.g. `admin-api` or the route. Required. */
  scope: string;
  /** Reject requests without a key (400). Default `false` (they simply run). */
  required?: boolean;
  /** How long the first request's claim holds; set ≥ the handler's longest run. Default `"5m"`. */
  lease?: Duration;
  /** How long outcomes are replayed. Default `"24h"`. */
  retention?: Duration;
}

const PROBLEM = { 'content-type': 'application/problem+json' };

function problem(
  status: number,
  title: string,
  detail: string,
  extra: Record<string, string> = {},
) {
  return {
    status,
    headers: { ...PROBLEM, ...extra },
    body: { type: 'about:blank', title, status, detail },
    replayed: false,
  } satisfies InboundResult;
}

/**
 * Validated options of {@link handleIdempotentRequest}, reusable across requests.
 *
 * @example
 * ```ts
 * const idem = inboundIdempotency({ repo: store.idempotency, scope: 'admin-api' });
 * ```
 */
export function inboundIdempotency(options: InboundOptions) {
  const path = { subject: 'idempotency', prefix: 'inbound' };
  const o = readObject(options, path, ['repo', 'scope', 'required', 'lease', 'retention']);
  if (typeof o['scope'] !== 'string' || o['scope'].length === 0) {
    throw configError('idempotency', 'inbound.scope', 'a non-empty string');
  }
  if (typeof o['repo'] !== 'object' || o['repo'] === null) {
    throw configError('idempotency', 'inbound.repo', 'an IdempotencyRepo (store.idempotency)');
  }
  return {
    repo: options.repo,
    scope: o['scope'],
    required: readBoolean(o, 'required', false, path),
    leaseMs: readDuration(o, 'lease', '5m', path, { positive: true }),
    retentionMs: readDuration(o, 'retention', '24h', path, { positive: true }),
    owner: ownerId('inbound'),
  };
}

/**
 * Runs `handler` at most once per idempotency key and answers repeats from
 * the stored response. The HTTP layer copies `status`, `headers` and `body`
 * onto its reply.
 *
 * @example
 * ```ts
 * const idem = inboundIdempotency({ repo: store.idempotency, scope: 'admin-api' });
 * app.post('/v1/replays', async (req, reply) => {
 *   const r = await handleIdempotentRequest(idem,
 *     { key: req.headers['idempotency-key'] as string | undefined, method: 'POST', path: '/v1/replays', params: req.body },
 *     async () => ({ status: 201, body: await startReplay(req.body) }));
 *   return reply.code(r.status).headers(r.headers).send(r.body);
 * });
 * ```
 */
export async function handleIdempotentRequest(
  options: ReturnType<typeof inboundIdempotency> | InboundOptions,
  request: InboundRequest,
  handler: () => Promise<IdempotentResponse>,
): Promise<InboundResult> {
  const o = 'leaseMs' in options ? options : inboundIdempotency(options);
  const key = request.key;
  if (key === undefined) {
    if (o.required)
      return problem(
        400,
        'Idempotency-Key is missing',
        'This endpoint requires an Idempotency-Key header.',
      );
    const r = await handler();
    return { ...r, headers: { ...r.headers }, replayed: false };
  }
  const bad = checkIdempotencyKey(key);
  if (bad !== undefined)
    return problem(400, 'Invalid Idempotency-Key', `The Idempotency-Key is ${bad}.`);

  const now = Date.now();
  const print = fingerprint({
    method: request.method.toUpperCase(),
    path: request.path,
    params: request.params ?? null,
  });
  const claim = await o.repo.claim(o.scope, key, {
    owner: o.owner,
    leaseMs: o.leaseMs,
    fingerprint: print,
    now,
  });
  switch (claim.status) {
    case 'mismatch':
      return problem(
        422,
        'Idempotency-Key is already used',
        'This Idempotency-Key was used with different request parameters.',
      );
    case 'in_flight': {
      const seconds = Math.max(1, Math.ceil((claim.leaseUntil - now) / 1000));
      return problem(
        409,
        'A request is outstanding for this Idempotency-Key',
        'The first request with this Idempotency-Key is still being processed; retry later.',
        { 'retry-after': String(seconds) },
      );
    }
    case 'done': {
      const stored = claim.outcome as unknown as IdempotentResponse;
      return {
        status: stored.status,
        headers: { ...stored.headers, 'idempotent-replayed': 'true' },
        body: stored.body,
        replayed: true,
      };
    }
    case 'claimed':
      break;
  }
  let response: IdempotentResponse;
  try {
    response = await handler();
  } catch (err) {
    await o.repo.release(o.scope, key, o.owner);
    throw err;
  }
  if (response.status >= 500) {
    await o.repo.release(o.scope, key, o.owner);
  } else {
    const stored: IdempotentResponse = {
      status: response.status,
      headers: response.headers ?? {},
      body: response.body,
    };
    await o.repo.complete(o.scope, key, stored as unknown as JsonValue, Date.now() + o.retentionMs);
  }
  return { ...response, headers: { ...response.headers }, replayed: false };
}
