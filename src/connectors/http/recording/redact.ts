/**
 * Redaction rules for recorded HTTP exchanges. A fixture file is checked in,
 * attached to incident tickets and pasted into chats, so it must never hold a
 * credential: headers that carry one, query parameters that carry one, JSON
 * fields an integration marks as sensitive, and any value the process-wide
 * secret registry (core/secrets/redaction.ts) has seen are all replaced
 * with {@link REDACTED} before anything is written.
 */
import { redactDeep, redactText } from '../../../core/secrets/redaction.js';

/**
 * The placeholder that replaces a redacted value; the same one the secret registry uses.
 *
 * @example
 * ```ts
 * fixture.exchanges[0].request.headers.authorization === REDACTED; // true
 * ```
 */
export const REDACTED = '[redacted]';

/**
 * Headers whose value is a credential or a session. Lower case.
 *
 * @example
 * ```ts
 * DEFAULT_REDACTED_HEADERS.includes('authorization'); // true
 * ```
 */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
];

/**
 * Query parameters that commonly carry a key or a token. Compared case-insensitively.
 *
 * @example
 * ```ts
 * DEFAULT_REDACTED_QUERY.includes('api_key'); // true
 * ```
 */
export const DEFAULT_REDACTED_QUERY: readonly string[] = [
  'api_key',
  'apikey',
  'api-key',
  'key',
  'token',
  'access_token',
  'client_secret',
  'secret',
  'password',
  'signature',
  'sig',
];

/**
 * JSON keys redacted at any depth, in requests and responses (a token
 * endpoint's answer is as secret as the request that earned it). Compared
 * case-insensitively with `-` and `_` ignored.
 *
 * @example
 * ```ts
 * DEFAULT_SENSITIVE_KEYS.includes('client_secret'); // true
 * ```
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'api_key',
  'private_key',
];

/**
 * What to redact besides the defaults; stored in the fixture so replay applies the same rules.
 *
 * @example
 * ```ts
 * const rules: RedactionRules = { headers: ['x-tenant-key'], query: ['session'], bodyPaths: ['cards[*].number'] };
 * ```
 */
export interface RedactionRules {
  /** Extra header names (case-insensitive). */
  headers?: readonly string[] | undefined;
  /** Extra query parameter names (case-insensitive). */
  query?: readonly string[] | undefined;
  /**
   * JSON field paths in request and response bodies: dotted names, `[n]` or
   * `[*]` for array items and `*` for any key, e.g. `customer.taxId`,
   * `items[*].card.number`, `*.token`.
   */
  bodyPaths?: readonly string[] | undefined;
  /** Extra JSON keys redacted at any depth. */
  sensitiveKeys?: readonly string[] | undefined;
}

/**
 * The rules with defaults applied, in the form the functions below need.
 *
 * @example
 * ```ts
 * const compiled: CompiledRules = compileRules({ sensitiveKeys: ['pin'] });
 * compiled.sensitiveKeys.has('pin'); // true
 * ```
 */
export interface CompiledRules {
  headers: Set<string>;
  query: Set<string>;
  bodyPaths: string[][];
  sensitiveKeys: Set<string>;
}

const normKey = (k: string) => k.toLowerCase().replace(/[-_]/g, '');

/**
 * Merges `rules` with the defaults.
 *
 * @example
 * ```ts
 * const rules = compileRules({ bodyPaths: ['customer.taxId'] });
 * redactHeaders({ Authorization: 'Bearer x' }, rules); // { Authorization: '[redacted]' }
 * ```
 */
export function compileRules(rules: RedactionRules = {}): CompiledRules {
  return {
    headers: new Set([...DEFAULT_REDACTED_HEADERS, ...(rules.headers ?? [])].map(lower)),
    query: new Set([...DEFAULT_REDACTED_QUERY, ...(rules.query ?? [])].map(lower)),
    bodyPaths: (rules.bodyPaths ?? []).map(splitPath),
    sensitiveKeys: new Set(
      [...DEFAULT_SENSITIVE_KEYS, ...(rules.sensitiveKeys ?? [])].map(normKey),
    ),
  };
}

const lower = (s: string) => s.toLowerCase();

/** `items[*].card.number` → `['items', '*', 'card', 'number']`; indices become keys. */
function splitPath(path: string): string[] {
  return path
    .trim()
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+|\*)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '');
}

/**
 * A copy of `headers` with credential headers and known secrets replaced.
 * Multi-value headers are joined, as a fixture compares and shows them as text.
 *
 * @example
 * ```ts
 * redactHeaders({ 'x-api-key': 'k-123', accept: 'application/json' }, compileRules());
 * // { 'x-api-key': '[redacted]', accept: 'application/json' }
 * ```
 */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
  rules: CompiledRules,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    out[name] = rules.headers.has(name.toLowerCase()) ? REDACTED : redactText(value);
  }
  return out;
}

/**
 * The URL as a fixture stores it: secret-bearing query values replaced and
 * known secrets scrubbed from the path and every parameter. Replay applies
 * the same function to the live URL before comparing.
 *
 * @example
 * ```ts
 * redactUrl(new URL('https://api.example.com/v1/x?api_key=abc&page=2'), compileRules());
 * // 'https://api.example.com/v1/x?api_key=%5Bredacted%5D&page=2'
 * ```
 */
export function redactUrl(url: URL, rules: CompiledRules): string {
  const copy = new URL(url.href);
  // Credentials in the authority (https://user:pass@host) are never kept.
  if (copy.username !== '') copy.username = REDACTED;
  if (copy.password !== '') copy.password = REDACTED;
  // Only a secret typed verbatim into the path is found; decoding first could throw on bad escapes.
  const path = redactText(copy.pathname);
  if (path !== copy.pathname) copy.pathname = path;
  const params = [...copy.searchParams.entries()];
  if (params.length > 0) {
    copy.search = '';
    for (const [name, value] of params) {
      copy.searchParams.append(
        name,
        rules.query.has(name.toLowerCase()) ? REDACTED : redactText(value),
      );
    }
  }
  return copy.href;
}

/**
 * A form-encoded body (`grant_type=...&client_secret=...`, what an OAuth2
 * token request sends) with credential parameters and known secrets
 * replaced, or `undefined` when the text is not form-encoded. Needed because
 * form encoding changes a secret's characters (`+` becomes `%2B`), so the
 * secret registry's scrub of the raw value would miss it.
 *
 * @example
 * ```ts
 * redactForm('grant_type=client_credentials&client_secret=s%2B1', compileRules());
 * // 'grant_type=client_credentials&client_secret=%5Bredacted%5D'
 * ```
 */
export function redactForm(text: string, rules: CompiledRules): string | undefined {
  if (!/^[^=&\s]+=[^&\s]*(?:&[^=&\s]+=[^&\s]*)*$/.test(text)) return undefined;
  const out = new URLSearchParams();
  for (const [name, value] of new URLSearchParams(text)) {
    const hide = rules.query.has(name.toLowerCase()) || rules.sensitiveKeys.has(normKey(name));
    out.append(name, hide ? REDACTED : redactText(value));
  }
  return out.toString();
}

/**
 * A deep copy of a parsed JSON body with sensitive keys, configured paths
 * and known secret values replaced.
 *
 * @example
 * ```ts
 * redactJson({ customer: { taxId: 'DE123' }, password: 'p' }, compileRules({ bodyPaths: ['customer.taxId'] }));
 * // { customer: { taxId: '[redacted]' }, password: '[redacted]' }
 * ```
 */
export function redactJson(value: unknown, rules: CompiledRules): unknown {
  let out = redactKeys(value, rules.sensitiveKeys, 0);
  for (const path of rules.bodyPaths) out = redactPath(out, path);
  return redactDeep(out);
}

function redactKeys(value: unknown, keys: Set<string>, depth: number): unknown {
  // Deeper than any real payload: stop rather than recurse without bound.
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => redactKeys(v, keys, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = keys.has(normKey(k)) && v !== null ? REDACTED : redactKeys(v, keys, depth + 1);
  }
  return out;
}

function redactPath(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) return value === undefined ? value : REDACTED;
  if (value === null || typeof value !== 'object') return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) {
    return value.map((v, i) => (head === '*' || head === String(i) ? redactPath(v, rest) : v));
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const k of Object.keys(out)) {
    if (head === '*' || head === k) out[k] = redactPath(out[k], rest);
  }
  return out;
}
