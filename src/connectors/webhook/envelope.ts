/**
 * Turning a verified request into the envelope the inbox stores and back:
 * header hygiene, media types, body parsing, and reading the event id,
 * entity key and event time from a header or a path in the JSON body.
 */

/**
 * Headers never stored: credentials a proxy or the provider may add. The
 * signature headers are kept on purpose (they are MACs, not secrets), so a
 * replay can verify the stored envelope again.
 */
const DROPPED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-auth-token',
  'x-gitlab-token',
]);

/**
 * The headers to persist: lower-case names, credentials removed (known
 * credential headers, and any header carrying one of `secrets` verbatim, as
 * providers that send a shared token instead of a signature do), repeated
 * headers joined with `, `.
 *
 * @example
 * ```ts
 * storableHeaders({ authorization: 'Bearer x', 'webhook-id': 'msg_1' }); // { 'webhook-id': 'msg_1' }
 * ```
 */
export function storableHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  secrets: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  // for...in, not Object.entries: no array per header on the ingest path.
  for (const name in headers) {
    const value = headers[name];
    const key = name.toLowerCase();
    if (value === undefined || DROPPED_HEADERS.has(key)) continue;
    const text = typeof value === 'string' ? value : value.join(', ');
    if (carriesSecret(text, secrets)) continue;
    out[key] = text;
  }
  return out;
}

function carriesSecret(text: string, secrets: readonly string[]): boolean {
  for (let i = 0; i < secrets.length; i++) {
    const secret = secrets[i] as string;
    if (secret.length > 0 && text.includes(secret)) return true;
  }
  return false;
}

/**
 * Single-valued lower-case headers, as the schemes read them.
 *
 * @example
 * ```ts
 * flatHeaders(req.headers)['webhook-id'];
 * ```
 */
export function flatHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name in headers) {
    const value = headers[name];
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The media type of a `Content-Type` header (no parameters, lower case).
 *
 * @example
 * ```ts
 * mediaType('Application/JSON; charset=utf-8'); // 'application/json'
 * ```
 */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Parses a body by its media type: JSON (`application/json`, `*+json`),
 * form fields, or text. Throws on malformed JSON.
 *
 * @example
 * ```ts
 * parseBody(Buffer.from('{"id":1}'), 'application/json'); // { id: 1 }
 * ```
 */
export function parseBody(body: Buffer, type: string): unknown {
  if (type === 'application/json' || type.endsWith('+json')) {
    return JSON.parse(body.toString('utf8')) as unknown;
  }
  if (type === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  }
  return body.toString('utf8');
}

function atPath(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * Reads a value by locator: `header:<name>` or `body:<dotted.path>`. Strings
 * and finite numbers are returned as strings; anything else is `undefined`.
 *
 * @example
 * ```ts
 * locate('body:data.object.id', headers, { data: { object: { id: 'cus_1' } } }); // 'cus_1'
 * ```
 */
export function locate(
  locator: string | undefined,
  headers: Readonly<Record<string, string | undefined>>,
  parsed: unknown,
): string | undefined {
  if (!locator) return undefined;
  const value = locator.startsWith('header:')
    ? headers[locator.slice(7).toLowerCase()]
    : atPath(parsed, locator.slice(5));
  if (typeof value === 'string') return value.length > 0 ? value : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Reads an event time: Unix seconds (up to 11 digits), Unix milliseconds, or
 * an ISO 8601 date-time; `undefined` when absent or unreadable.
 *
 * @example
 * ```ts
 * parseEventTime('1700000000');           // 1700000000000
 * parseEventTime('2026-11-23T10:00:00Z'); // 1795428000000
 * ```
 */
export function parseEventTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
