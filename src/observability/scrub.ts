/**
 * One scrubber for everything that leaves the process as text: log records,
 * admin API error bodies, readiness details. It is structural (it knows which
 * keys hold secrets and how to print errors and {@link Secret}s), while the
 * redaction registry in `core/secrets` knows the secret *values*; the two
 * together mean a secret leaks neither by its name nor by its value.
 */
import { classify } from '../core/classify.js';
import type { SerializedError } from '../core/errors.js';
import { Secret, redactText } from '../core/secrets/index.js';

/**
 * What every scrubbed value is replaced with.
 *
 * @example
 * ```ts
 * scrub({ user: 'app', password: 'hunter2' }); // { user: 'app', password: '[redacted]' }
 * if (line.includes(REDACTED)) console.log('a secret was removed from this line');
 * ```
 */
export const REDACTED = '[redacted]';

// Deep enough for real log payloads, shallow enough that a pathological
// object cannot make a log call expensive.
const MAX_DEPTH = 8;

/**
 * Key endings that mark a secret, compared after lower-casing and dropping
 * `-` and `_`. Matching the *end* catches `accessToken`, `refresh_token`,
 * `x-api-key`, `set-cookie`, `dbPassword` and `client_secret`, while leaving
 * `tokenUrl`, `secretRef` (a reference, which is safe to show) and
 * `idempotencyKey` alone.
 */
const SECRET_KEY =
  /(?:password|passwd|pwd|passphrase|secrets?|token|authorization|apikey|cookies?|privatekey|credentials?|sessionid|signature)$/;

const keyCache = new Map<string, boolean>();

/**
 * True when a property name looks like it holds a secret (password, token,
 * secret, authorization, apiKey, cookie, set-cookie, client_secret,
 * private_key, credentials, session id, signature, ...), in any casing and
 * with `-`/`_` separators.
 *
 * @example
 * ```ts
 * isSecretKey('client_secret'); // true
 * isSecretKey('X-Api-Key');     // true
 * isSecretKey('tokenUrl');      // false
 * ```
 */
export function isSecretKey(key: string): boolean {
  let hit = keyCache.get(key);
  if (hit === undefined) {
    hit = SECRET_KEY.test(key.toLowerCase().replace(/[-_]/g, ''));
    // Keys come from code, so the set is small; the cap only guards against
    // logging objects keyed by data (ids), which would grow it without bound.
    if (keyCache.size < 10_000) keyCache.set(key, hit);
  }
  return hit;
}

/**
 * Removes credentials from a URL-like string: the user-info part
 * (`https://user:pass@host`) and the values of query parameters whose names
 * look secret (`?api_key=...`). Non-URLs are returned with known secret
 * values scrubbed only.
 *
 * @example
 * ```ts
 * scrubUrl('https://app:hunter22@erp.example.com/x?api_key=abc&page=2');
 * // 'https://[redacted]@erp.example.com/x?api_key=[redacted]&page=2'
 * ```
 */
export function scrubUrl(target: string): string {
  let out = target.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, `$1${REDACTED}@`);
  out = out.replace(/([?&;])([^=&;#\s]+)=([^&;#\s]*)/g, (match, sep: string, name: string) =>
    isSecretKey(safeDecode(name)) ? `${sep}${name}=${REDACTED}` : match,
  );
  return redactText(out);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * An error as it may be written anywhere: classified into Patchbay's
 * taxonomy and reduced to {@link SerializedError} (no stack, whose frames and
 * messages can carry connection strings), with secrets scrubbed from the
 * message, cause and details.
 *
 * @example
 * ```ts
 * serializeError(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
 * // { name: 'PatchbayError', kind: 'connection', code: 'UNCLASSIFIED', message: ..., retryable: true, ... }
 * ```
 */
export function serializeError(err: unknown): SerializedError {
  return scrub(classify(err).toJSON());
}

/**
 * Deep-copies a value into something safe to write: known secret values are
 * removed from every string, {@link Secret}s become `[redacted]`, values under
 * secret-looking keys ({@link isSecretKey}) become `[redacted]`, errors become
 * {@link serializeError} output, cycles become `[circular]` and nesting
 * beyond 8 levels becomes `[too deep]`. Functions and symbols are dropped.
 *
 * @example
 * ```ts
 * scrub({ user: 'app', password: 'x', nested: { token: secret } });
 * // { user: 'app', password: '[redacted]', nested: { token: '[redacted]' } }
 * ```
 */
export function scrub<T>(value: T): T {
  return walk(value, 0, new WeakSet()) as T;
}

function walk(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (value instanceof Secret) return REDACTED;
  if (value instanceof Error) return serializeError(value);
  if (value instanceof Date) return value;
  if (value instanceof URL) return scrubUrl(value.href);
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1, seen));
    if (value instanceof Map) return walkEntries(value.entries(), depth, seen);
    if (value instanceof Set) return [...value].map((v) => walk(v, depth + 1, seen));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      return walk((toJSON as () => unknown).call(value), depth + 1, seen);
    }
    return walkEntries(Object.entries(value), depth, seen);
  } finally {
    seen.delete(value);
  }
}

function walkEntries(
  entries: Iterable<[unknown, unknown]>,
  depth: number,
  seen: WeakSet<object>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) {
    const key = String(k);
    if (isSecretKey(key)) {
      // Keep absent values absent: "no token" is useful and leaks nothing.
      out[key] = v === undefined || v === null || v === '' ? v : REDACTED;
      continue;
    }
    const scrubbed = walk(v, depth + 1, seen);
    if (scrubbed !== undefined) out[redactText(key)] = scrubbed;
  }
  return out;
}
