/**
 * Outbound idempotency keys: derived deterministically from the action and
 * a canonical serialisation of the input, so the same input gives the same
 * key across restarts and processes, and sent in a configurable header.
 */
import { createHash } from 'node:crypto';
import { PatchbayError } from '../core/errors.js';
import { canonicalize } from './canonical.js';

/**
 * The header idempotency keys travel in by default.
 * @example
 * ```ts
 * headers.set(DEFAULT_IDEMPOTENCY_HEADER, key);
 * ```
 */
export const DEFAULT_IDEMPOTENCY_HEADER = 'Idempotency-Key';

/**
 * The longest key accepted (Stripe's limit).
 * @example
 * ```ts
 * if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw new Error('key too long');
 * ```
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Version tag mixed into every derived key; bumped only if the derivation ever changes. */
const VERSION = 'patchbay-idempotency-v1';

/**
 * A deterministic idempotency key: `sha256(version, action, canonical(input))`
 * as 43 base64url characters. `action` separates operations on the same
 * input (`create-invoice` vs `send-invoice`).
 *
 * @throws a non-retryable `validation` error when `input` has no canonical form (NaN, cycles)
 * @example
 * ```ts
 * const key = deriveIdempotencyKey('create-order', { customer: 7, lines: [{ sku: 'A1', qty: 2 }] });
 * // same input, same key, in any process: e.g. 'q0U5Yk6W1u3bq2V7j7cX2m3gS8v1wq9z0fV8XyXKc3E'
 * ```
 */
export function deriveIdempotencyKey(action: string, input: unknown): string {
  if (typeof action !== 'string' || action.length === 0) {
    throw new PatchbayError('validation', 'an idempotency key needs a non-empty action', {
      code: 'NO_ACTION',
      retryable: false,
    });
  }
  return createHash('sha256')
    .update(VERSION)
    .update('\n')
    .update(action)
    .update('\n')
    .update(canonicalize(input))
    .digest('base64url');
}

/**
 * A fingerprint of request parameters, to tell a replay from a reuse of a
 * key with different parameters: hex sha256 of the canonical form.
 *
 * @example
 * ```ts
 * fingerprint({ amount: 100, currency: 'EUR' }) === fingerprint({ currency: 'EUR', amount: 100 }); // true
 * ```
 */
export function fingerprint(params: unknown): string {
  return createHash('sha256').update(canonicalize(params)).digest('hex');
}

/**
 * The header object to send a key in.
 *
 * @param header - default `Idempotency-Key`
 * @example
 * ```ts
 * await fetch(url, { method: 'POST', headers: { ...idempotencyHeaders(key), 'content-type': 'application/json' } });
 * ```
 */
export function idempotencyHeaders(
  key: string,
  header: string = DEFAULT_IDEMPOTENCY_HEADER,
): Record<string, string> {
  return { [header]: key };
}

/**
 * Why a client-supplied key is unacceptable, or `undefined` when it is fine:
 * 1–255 printable ASCII characters, not only spaces.
 *
 * @example
 * ```ts
 * checkIdempotencyKey('x'.repeat(256)); // 'longer than 255 characters'
 * ```
 */
export function checkIdempotencyKey(key: string): string | undefined {
  if (key.trim().length === 0) return 'empty';
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return `longer than ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  }
  if (!/^[\x20-\x7e]+$/.test(key)) return 'not printable ASCII';
  return undefined;
}
