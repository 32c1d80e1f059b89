/**
 * Conversions between the contract's values and SQLite columns, plus the
 * argument checks every repo shares. Checks run before a write is queued,
 * so a bad argument rejects at once and never occupies a group commit.
 */
import type { SerializedError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import { invalidArgument } from './store-errors.js';

/**
 * Serialises a JSON value for a TEXT column.
 *
 * @example
 * ```ts
 * encodeJson({ a: 1 }, 'payload'); // '{"a":1}'
 * ```
 */
export function encodeJson(value: unknown, field: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) throw invalidArgument(field, 'a JSON value', typeof value);
  return text;
}

/**
 * Parses a TEXT column written by {@link encodeJson}.
 *
 * @example
 * ```ts
 * decodeJson<{ a: number }>('{"a":1}').a; // 1
 * ```
 */
export function decodeJson<T = JsonValue>(text: string): T {
  return JSON.parse(text) as T;
}

/**
 * Parses a nullable error column.
 *
 * @example
 * ```ts
 * decodeError(null); // null
 * ```
 */
export function decodeError(text: string | null): SerializedError | null {
  return text === null ? null : decodeJson<SerializedError>(text);
}

/**
 * Turns a public id back into a rowid; `undefined` when the string cannot be
 * one of ours, which callers treat exactly like a missing row.
 *
 * @example
 * ```ts
 * toRowId('42'); // 42
 * toRowId('abc'); // undefined
 * ```
 */
export function toRowId(id: string): number | undefined {
  if (typeof id !== 'string' || !/^[1-9][0-9]{0,15}$/.test(id)) return undefined;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Rejects anything but a non-empty string.
 *
 * @example
 * ```ts
 * requireText('integrationId', item.integrationId);
 * ```
 */
export function requireText(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidArgument(field, 'a non-empty string', value);
  }
  return value;
}

/**
 * Rejects anything but a finite number (timestamps, latencies).
 *
 * @example
 * ```ts
 * const now = requireTime('now', opts.now ?? clock());
 * ```
 */
export function requireTime(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidArgument(field, 'a finite number', value);
  }
  return value;
}

/**
 * Like {@link requireTime} but lets `null` and `undefined` through as `null`.
 *
 * @example
 * ```ts
 * optionalTime('occurredAt', item.occurredAt); // number | null
 * ```
 */
export function optionalTime(field: string, value: unknown): number | null {
  return value === undefined || value === null ? null : requireTime(field, value);
}

/**
 * Rejects anything but an integer `>= min`.
 *
 * @example
 * ```ts
 * requireInt('limit', opts.limit, 0);
 * ```
 */
export function requireInt(field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw invalidArgument(field, `an integer >= ${min}`, value);
  }
  return value;
}

/**
 * Rejects a duration that is not a positive finite number of milliseconds.
 *
 * @example
 * ```ts
 * requireDuration('leaseMs', opts.leaseMs);
 * ```
 */
export function requireDuration(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument(field, 'a positive number of milliseconds', value);
  }
  return value;
}

/**
 * Rejects a value outside a closed list of strings.
 *
 * @example
 * ```ts
 * requireOneOf('mode', run.mode, ['live', 'replay', 'retry'] as const);
 * ```
 */
export function requireOneOf<T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidArgument(field, `one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}
