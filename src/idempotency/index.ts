/**
 * Idempotency: deterministic outbound keys, the "did I already do this?"
 * ledger, and Stripe/IETF semantics for inbound requests.
 *
 * @example
 * ```ts
 * import { deriveIdempotencyKey, idempotencyHeaders } from 'patchbay/idempotency';
 * const key = deriveIdempotencyKey('create-order', order);
 * await fetch(url, { method: 'POST', headers: idempotencyHeaders(key), body: JSON.stringify(order) });
 * ```
 */
export { canonicalize } from './canonical.js';
export {
  deriveIdempotencyKey,
  fingerprint,
  idempotencyHeaders,
  checkIdempotencyKey,
  DEFAULT_IDEMPOTENCY_HEADER,
  MAX_IDEMPOTENCY_KEY_LENGTH,
} from './key.js';
export { IdempotencyLedger, type LedgerOptions, type LedgerResult } from './ledger.js';
export {
  handleIdempotentRequest,
  inboundIdempotency,
  type InboundOptions,
  type InboundRequest,
  type InboundResult,
  type IdempotentResponse,
} from './inbound.js';
