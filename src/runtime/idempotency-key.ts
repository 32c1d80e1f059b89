/**
 * Derives an item's idempotency key from the integration's spec: a function
 * of the record, or a list of field paths whose values are joined.
 */
import { permanent } from '../core/errors.js';
import type { IdempotencyKeySpec } from '../core/integration.js';

/** Reads a dotted path, split once when the key function is built (it runs once per record). */
function readPath(record: unknown, parts: readonly string[]): unknown {
  let current = record;
  for (const part of parts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * Compiles a key spec into a function. A record missing a key field is bad
 * data: the function throws a permanent error naming the field.
 *
 * @example
 * ```ts
 * const keyOf = idempotencyKeyFunction({ fields: ['customer.id', 'orderNo'] });
 * keyOf({ customer: { id: 7 }, orderNo: 'A1' }); // '7|A1'
 * ```
 */
export function idempotencyKeyFunction(spec: IdempotencyKeySpec): (record: unknown) => string {
  if (typeof spec === 'function') {
    return (record) => {
      const key = spec(record);
      if (typeof key !== 'string' || key.length === 0) {
        throw permanent('idempotency key function returned no key', { code: 'NO_IDEMPOTENCY_KEY' });
      }
      return key;
    };
  }
  const fields = spec.fields.map((field) => ({ field, parts: field.split('.') }));
  return (record) => {
    let key = '';
    for (let i = 0; i < fields.length; i++) {
      const { field, parts } = fields[i] as { field: string; parts: string[] };
      const value = readPath(record, parts);
      if (value === undefined || value === null || value === '') {
        throw permanent(`record has no value for idempotency key field "${field}"`, {
          code: 'NO_IDEMPOTENCY_KEY',
          details: { field },
        });
      }
      const part = typeof value === 'object' ? JSON.stringify(value) : String(value);
      key = i === 0 ? part : `${key}|${part}`;
    }
    return key;
  };
}
