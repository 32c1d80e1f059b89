/**
 * What servers say about their limits, in every dialect seen in the field:
 *
 * - `Retry-After` as delay-seconds (`120`) or an HTTP-date (IMF-fixdate,
 *   RFC 850 or asctime, RFC 9110 §10.2.3);
 * - `X-RateLimit-Limit` / `-Remaining` / `-Reset` (also `X-Rate-Limit-*` and
 *   the early IETF drafts' `RateLimit-Limit` / `-Remaining` / `-Reset`);
 *   `Reset` is read as epoch milliseconds above 10^12, epoch seconds above
 *   10^9, and delta seconds otherwise;
 * - the IETF `RateLimit` / `RateLimit-Policy` fields, both the draft-07
 *   dictionary (`limit=100, remaining=50, reset=30`) and the draft-08+
 *   structured lists (`"default";r=50;t=30` and `"default";q=100;w=60`).
 *
 * When several policies or partitions are listed, the most restrictive wins.
 */

/**
 * Response headers: a fetch/undici `Headers`, or a plain object such as node's `IncomingHttpHeaders`.
 *
 * @example
 * ```ts
 * const fromFetch: HeadersLike = (await fetch(url)).headers;
 * const fromNode: HeadersLike = incomingMessage.headers; // IncomingHttpHeaders
 * parseRateLimitHeaders(fromNode).retryAfterMs;
 * ```
 */
export type HeadersLike =
  | { get(name: string): string | null }
  | Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * What a response taught about the server's limits. Absent fields were not stated.
 *
 * @example
 * ```ts
 * const info: RateLimitInfo = parseRateLimitHeaders(res.headers);
 * if (info.remaining === 0 && info.resetMs) logger.info(`quota spent; resets in ${info.resetMs} ms`);
 * ```
 */
export interface RateLimitInfo {
  /** Wait this long before the next request (`Retry-After`). */
  retryAfterMs?: number;
  /** Requests allowed per window. */
  limit?: number;
  /** Requests left in the current window. */
  remaining?: number;
  /** Milliseconds until the current window resets. */
  resetMs?: number;
  /** The server's quota policy: `quota` requests per `windowMs`. */
  policy?: { quota: number; windowMs: number };
}

/**
 * Reads one header case-insensitively; arrays are joined with `, `.
 *
 * @example
 * ```ts
 * headerValue({ 'retry-after': '5' }, 'Retry-After'); // '5'
 * ```
 */
export function headerValue(headers: HeadersLike, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const obj = headers as Record<string, unknown>;
  let v = obj[name.toLowerCase()];
  if (v === undefined) {
    const lower = name.toLowerCase();
    for (const key of Object.keys(obj)) {
      if (key.toLowerCase() === lower) {
        v = obj[key];
        break;
      }
    }
  }
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.join(', ') : String(v);
}

/**
 * Parses a `Retry-After` value into milliseconds from `now` (never negative).
 * Accepts delay-seconds and the three HTTP-date forms; asctime dates without
 * a zone are read as GMT, as HTTP requires. Returns `undefined` when the
 * value is absent or unreadable.
 *
 * @example
 * ```ts
 * parseRetryAfter('120');                                   // 120_000
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('2015-10-21T07:28:00Z')); // 30_000
 * ```
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // HTTP-dates always carry a time of day; anything else (negative numbers, words) is ignored.
  if (!/\d{1,2}:\d{2}:\d{2}/.test(text)) return undefined;
  const zoned = /\b(GMT|UTC|UT|Z)\b|[+-]\d{4}$/i.test(text) ? text : `${text} GMT`;
  const at = Date.parse(zoned);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function firstNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /-?\d+(\.\d+)?/.exec(text);
  if (!m) return undefined;
  const n = Number(m[0]);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A reset value: epoch ms, epoch seconds or delta seconds → ms from now. */
function resetToMs(value: number, now: number): number {
  if (value > 1e12) return Math.max(0, value - now);
  if (value > 1e9) return Math.max(0, value * 1000 - now);
  return value * 1000;
}

/** Splits a structured-field list into items of `{ value, params }`. */
function parseItems(text: string): Array<{ value: string; params: Map<string, string> }> {
  const items: Array<{ value: string; params: Map<string, string> }> = [];
  for (const raw of text.split(',')) {
    const parts = raw.split(';').map((p) => p.trim());
    const value = (parts.shift() ?? '').replace(/^"|"$/g, '');
    const params = new Map<string, string>();
    for (const p of parts) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
    items.push({ value, params });
  }
  return items;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function readIetf(info: RateLimitInfo, rateLimit: string | undefined, policy: string | undefined) {
  if (rateLimit !== undefined) {
    if (/\b(limit|remaining|reset)\s*=/i.test(rateLimit)) {
      // draft-07 dictionary: limit=100, remaining=50, reset=30
      const dict = new Map<string, number>();
      for (const part of rateLimit.split(/[,;]/)) {
        const [k, v] = part.split('=').map((s) => s.trim().toLowerCase());
        const n = firstNumber(v);
        if (k && n !== undefined) dict.set(k, n);
      }
      info.limit = minDefined(info.limit, dict.get('limit'));
      info.remaining = minDefined(info.remaining, dict.get('remaining'));
      const reset = dict.get('reset');
      if (reset !== undefined) info.resetMs = minDefined(info.resetMs, reset * 1000);
    } else {
      // draft-08+: "policy";r=50;t=30 — keep the partition with the fewest remaining
      let best: { r: number; t: number | undefined } | undefined;
      for (const item of parseItems(rateLimit)) {
        const r = firstNumber(item.params.get('r'));
        if (r === undefined) continue;
        const t = firstNumber(item.params.get('t'));
        if (best === undefined || r < best.r) best = { r, t };
      }
      if (best) {
        info.remaining = minDefined(info.remaining, best.r);
        if (best.t !== undefined) info.resetMs = minDefined(info.resetMs, best.t * 1000);
      }
    }
  }
  if (policy !== undefined) {
    for (const item of parseItems(policy)) {
      const quota = firstNumber(item.params.get('q')) ?? firstNumber(item.value);
      const window = firstNumber(item.params.get('w'));
      if (quota === undefined || window === undefined || window <= 0) continue;
      const windowMs = window * 1000;
      if (
        info.policy === undefined ||
        quota / windowMs < info.policy.quota / info.policy.windowMs
      ) {
        info.policy = { quota, windowMs };
      }
    }
  }
}

/**
 * Reads every rate-limit dialect from response headers. Returns an empty
 * object when the server said nothing.
 *
 * @example
 * ```ts
 * parseRateLimitHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' });
 * // { remaining: 0, resetMs: 30_000 }
 * parseRateLimitHeaders(new Headers({ RateLimit: '"default";r=5;t=10', 'RateLimit-Policy': '"default";q=100;w=60' }));
 * // { remaining: 5, resetMs: 10_000, policy: { quota: 100, windowMs: 60_000 } }
 * ```
 */
export function parseRateLimitHeaders(
  headers: HeadersLike,
  now: number = Date.now(),
): RateLimitInfo {
  const info: RateLimitInfo = {};
  const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'), now);
  if (retryAfter !== undefined) info.retryAfterMs = retryAfter;

  for (const prefix of ['x-ratelimit-', 'x-rate-limit-', 'ratelimit-']) {
    info.limit = minDefined(info.limit, firstNumber(headerValue(headers, `${prefix}limit`)));
    info.remaining = minDefined(
      info.remaining,
      firstNumber(headerValue(headers, `${prefix}remaining`)),
    );
    const reset = firstNumber(headerValue(headers, `${prefix}reset`));
    if (reset !== undefined) {
      // the bare IETF draft header is always delta-seconds
      const ms = prefix === 'ratelimit-' ? reset * 1000 : resetToMs(reset, now);
      info.resetMs = minDefined(info.resetMs, ms);
    }
  }
  const resetAfter = firstNumber(headerValue(headers, 'x-ratelimit-reset-after'));
  if (resetAfter !== undefined) info.resetMs = minDefined(info.resetMs, resetAfter * 1000);

  readIetf(info, headerValue(headers, 'ratelimit'), headerValue(headers, 'ratelimit-policy'));
  for (const key of Object.keys(info) as Array<keyof RateLimitInfo>) {
    if (info[key] === undefined) delete info[key];
  }
  return info;
}
