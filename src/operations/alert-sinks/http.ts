/**
 * One JSON GET/POST/PATCH for the HTTP alert sinks: a non-2xx answer becomes a
 * classified error (5xx, 429 and timeouts retryable; other 4xx permanent),
 * and the response body is parsed when it is JSON.
 */
import { classify, httpError } from '../../core/classify.js';
import { redactText } from '../../core/secrets/index.js';

/**
 * Sends JSON and returns the parsed answer (or `undefined`).
 *
 * @example
 * ```ts
 * const body = await sendJson('POST', 'https://hooks.example.com/x', { text: 'hi' }, {}, signal, 'POST hook');
 * ```
 */
export async function sendJson(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  body: string | object | undefined,
  headers: Record<string, string>,
  signal: AbortSignal,
  what: string,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      ...(body === undefined
        ? {}
        : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      signal,
    });
  } catch (err) {
    throw classify(err);
  }
  const text = await res.text();
  if (!res.ok) {
    const retryAfter = Number(res.headers.get('retry-after'));
    throw httpError(res.status, what, {
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      // Peers echo requests; a revealed credential must not reach the outbox's last_error.
      details: { body: redactText(text.slice(0, 500)) },
    });
  }
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
