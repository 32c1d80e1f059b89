/**
 * Values that survive `JSON.stringify` and a round trip unchanged.
 *
 * @example
 * ```ts
 * const details: JsonValue = { orderId: 1042, tags: ['rush'], shippedAt: null };
 * await store.cache.set('lkg', 'GET /rates', details);
 * ```
 */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 8;
const MAX_STRING = 4096;

/**
 * Converts anything into a JSON-safe value: drops functions and symbols,
 * turns bigints and dates into strings, buffers into a length note, errors
 * into `{ name, message }`, cuts cycles, deep nesting and long strings.
 * Objects with their own `toJSON` (such as secrets) are asked first, which is
 * how a secret turns into `"[redacted]"` here.
 *
 * @example
 * ```ts
 * toJsonSafe({ when: new Date(0), big: 10n }); // { when: '1970-01-01T00:00:00.000Z', big: '10' }
 * ```
 */
export function toJsonSafe(value: unknown, depth = 0, seen = new WeakSet<object>()): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
      return value.length > MAX_STRING
        ? `${value.slice(0, MAX_STRING)}…(${value.length} chars)`
        : value;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return null;
  }
  const obj = value as object;
  if (seen.has(obj)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (Buffer.isBuffer(obj) || obj instanceof Uint8Array) return `[${obj.byteLength} bytes]`;
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function' && !(obj instanceof Error)) {
    return toJsonSafe((obj as { toJSON: () => unknown }).toJSON(), depth + 1, seen);
  }
  seen.add(obj);
  try {
    if (obj instanceof Error) return { name: obj.name, message: obj.message };
    if (Array.isArray(obj)) return obj.map((v) => toJsonSafe(v, depth + 1, seen));
    if (obj instanceof Map) return toJsonSafe(Object.fromEntries(obj), depth + 1, seen);
    if (obj instanceof Set) return toJsonSafe([...obj], depth + 1, seen);
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === 'function' || typeof v === 'symbol' || v === undefined) continue;
      out[k] = toJsonSafe(v, depth + 1, seen);
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}
