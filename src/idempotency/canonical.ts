/**
 * A stable, canonical serialisation: the same value always gives the same
 * text, across restarts, processes and machines. It follows the JSON
 * Canonicalization Scheme (RFC 8785) for JSON values (object keys sorted by
 * UTF-16 code units, ECMAScript number formatting, `-0` as `0`) and extends
 * it for the JavaScript values that show up in integration inputs.
 */
import { PatchbayError } from '../core/errors.js';

function notCanonical(what: string, path: string): PatchbayError {
  return new PatchbayError('validation', `cannot derive a stable key: ${what} at ${path}`, {
    code: 'NOT_CANONICAL',
    retryable: false,
    details: { path },
  });
}

/**
 * Serialises `value` canonically.
 *
 * - objects: own enumerable string keys, sorted; `undefined`, functions and
 *   symbols are left out (as in JSON); `toJSON()` is honoured;
 * - numbers: ECMAScript shortest form; `NaN` and `±Infinity` are rejected;
 * - `bigint`: its decimal digits, as a number; `Date`: ISO string;
 *   `Uint8Array`/`Buffer`: base64 string; `Map`: an object; `Set`: an array
 *   sorted by each member's canonical text (a set has no order);
 * - cycles are rejected.
 *
 * @throws a non-retryable `validation` PatchbayError (code `NOT_CANONICAL`)
 * @example
 * ```ts
 * canonicalize({ b: 1, a: [true, null], c: undefined }); // '{"a":[true,null],"b":1}'
 * canonicalize({ a: 1, b: 2 }) === canonicalize({ b: 2, a: 1 }); // true
 * ```
 */
export function canonicalize(value: unknown): string {
  return write(value, '$', new Set());
}

function write(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw notCanonical(`the number ${value}`, path);
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
    default:
      break;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (obj instanceof Date) {
    if (Number.isNaN(obj.getTime())) throw notCanonical('an invalid date', path);
    return JSON.stringify(obj.toISOString());
  }
  if (obj instanceof Uint8Array) return JSON.stringify(Buffer.from(obj).toString('base64'));
  if (seen.has(obj)) throw notCanonical('a cycle', path);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((v, i) => write(v, `${path}[${i}]`, seen)).join(',')}]`;
    }
    if (obj instanceof Set) {
      const members = [...obj].map((v, i) => write(v, `${path}{${i}}`, seen));
      return `[${members.sort().join(',')}]`;
    }
    if (obj instanceof Map) {
      const entries: Record<string, unknown> = {};
      for (const [k, v] of obj) entries[String(k)] = v;
      return writeObject(entries, path, seen);
    }
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(obj), path, seen);
    return writeObject(obj as Record<string, unknown>, path, seen);
  } finally {
    seen.delete(obj);
  }
}

function writeObject(obj: Record<string, unknown>, path: string, seen: Set<object>): string {
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${write(v, `${path}.${key}`, seen)}`);
  }
  return `{${parts.join(',')}}`;
}
