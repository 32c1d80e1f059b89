/**
 * The HTTP client of one integration: an undici {@link Agent} whose
 * keep-alive pools are shared by every call of that integration, a per-call
 * timeout and a response-size cap. It sends and reads; it does not decide
 * what a status means (see classify-response.ts) and it does not retry (the
 * integration's policy pipeline does).
 */
import { createHash } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { PatchbayError } from '../../core/errors.js';
import { classify } from '../../core/classify.js';
import { checkUrl, guardedLookup, type SsrfOptions } from './ssrf.js';

/**
 * Default per-call timeout: 30 s.
 * @example
 * ```ts
 * createHttpClient({ timeoutMs: DEFAULT_HTTP_TIMEOUT_MS });
 * ```
 */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
/**
 * Default response-size cap: 10 MiB.
 * @example
 * ```ts
 * createHttpClient({ maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES * 2 });
 * ```
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/**
 * Options of {@link createHttpClient}.
 *
 * @example
 * ```ts
 * const options: HttpClientOptions = {
 *   timeoutMs: 10_000,
 *   maxResponseBytes: 2 * 1024 * 1024,
 *   connections: 4,
 *   // re-read before every call, so a rotated client certificate needs no restart
 *   tls: async () => ({
 *     cert: await readFile('/etc/patchbay/tls/client.crt', 'utf8'),
 *     key: await readFile('/etc/patchbay/tls/client.key', 'utf8'),
 *   }),
 *   ssrf: { allowHosts: ['erp.internal.example.com'] },
 * };
 * const client = createHttpClient(options);
 * ```
 */
export interface HttpClientOptions {
  /** Per-call timeout in ms, headers and body included. Default 30 000. */
  timeoutMs?: number;
  /** A response body larger than this fails with a `parse` error. Default 10 MiB. */
  maxResponseBytes?: number;
  /** Keep-alive connections per origin. Default 10. */
  connections?: number;
  /**
   * TLS material (client certificate and key, pinned CA), fetched before
   * every call. When it changes (a rotated certificate) new connections use
   * it and the old pool is closed gracefully: rotation without a restart.
   */
  tls?: () => Promise<TlsMaterial>;
  /** Refuse internal addresses (for URLs taken from data); see ssrf.ts. Default off. */
  ssrf?: SsrfOptions | undefined;
}

/**
 * PEM text for mutual TLS and CA pinning.
 *
 * @example
 * ```ts
 * const client = createHttpClient({
 *   tls: async (): Promise<TlsMaterial> => ({
 *     cert: (await ctx.secrets.resolve('file:/etc/patchbay/tls/client.crt')).reveal(),
 *     key: (await ctx.secrets.resolve('file:/etc/patchbay/tls/client.key')).reveal(),
 *     ca: (await ctx.secrets.resolve('file:/etc/patchbay/tls/partner-ca.pem')).reveal(),
 *     servername: 'api.partner.example.com',
 *   }),
 * });
 * ```
 */
export interface TlsMaterial {
  cert?: string | undefined;
  key?: string | undefined;
  /** Only these CAs are trusted for the server certificate (replaces the system store). */
  ca?: string | undefined;
  /** SNI / certificate name to expect, when it differs from the URL's host. */
  servername?: string | undefined;
}

/**
 * A request as the connector builds it; auth may still add headers or query parameters.
 *
 * @example
 * ```ts
 * const req: HttpRequest = {
 *   method: 'PUT',
 *   url: new URL('https://erp.example.com/orders/4711'),
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ status: 'shipped' }),
 * };
 * await auth.apply(req, signal); // adds the Authorization header
 * const res = await client.send(req, signal);
 * ```
 */
export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
}

/**
 * A fully read response.
 *
 * @example
 * ```ts
 * const res: HttpResponse = await client.send(req, signal);
 * const etag = res.headers['etag'];
 * if (res.status === 200) {
 *   const loads = JSON.parse(res.body.toString('utf8')) as { data: unknown[] };
 *   console.log(`${loads.data.length} loads from ${res.url.host}`, etag);
 * }
 * ```
 */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  url: URL;
}

/**
 * One integration's HTTP client.
 *
 * @example
 * ```ts
 * const client: HttpClient = createHttpClient({ timeoutMs: 10_000 });
 * try {
 *   const res = await client.send(
 *     { method: 'GET', url: new URL('https://api.example.com/v1/loads?limit=100'), headers: { accept: 'application/json' } },
 *     signal,
 *   );
 *   console.log(res.status, res.body.length);
 * } finally {
 *   await client.close();
 * }
 * ```
 */
export interface HttpClient {
  /** Sends a request and reads its whole body; network failures come back classified. */
  send(req: HttpRequest, signal?: AbortSignal, timeoutMs?: number): Promise<HttpResponse>;
  /** Closes every pooled connection. */
  close(): Promise<void>;
}

/**
 * Creates a keep-alive client; one per integration, closed with its session.
 *
 * @example
 * ```ts
 * const client = createHttpClient({ timeoutMs: 5000 });
 * const res = await client.send({ method: 'GET', url: new URL('https://api.example.com/v1/loads'), headers: {} });
 * console.log(res.status, res.body.toString('utf8'));
 * await client.close();
 * ```
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const newAgent = (tls?: TlsMaterial) =>
    new Agent({
      connections: options.connections ?? 10,
      keepAliveTimeout: 10_000,
      // Our own timer covers headers and body together; undici's are a backstop.
      headersTimeout: timeoutMs + 1000,
      bodyTimeout: timeoutMs + 1000,
      connect: {
        ...(tls ? withoutUndefined(tls) : {}),
        ...(options.ssrf ? { lookup: guardedLookup(options.ssrf) } : {}),
      },
    });
  let agent = options.tls ? undefined : newAgent();
  let tlsFingerprint = '';
  const agentForCall = async (): Promise<Agent> => {
    if (!options.tls) return agent as Agent;
    const material = await options.tls();
    const fp = createHash('sha256')
      .update(JSON.stringify([material.cert, material.key, material.ca, material.servername]))
      .digest('hex');
    if (agent === undefined || fp !== tlsFingerprint) {
      // Calls in flight finish on the old pool; close() waits for them.
      const old = agent;
      agent = newAgent(material);
      tlsFingerprint = fp;
      void old?.close().catch(() => undefined);
    }
    return agent;
  };
  return {
    async send(req, signal, callTimeoutMs = timeoutMs) {
      const timer = new AbortController();
      const handle = setTimeout(
        () =>
          timer.abort(
            new PatchbayError(
              'timeout',
              `${req.method} ${safeTarget(req.url)} timed out after ${callTimeoutMs} ms`,
              { code: 'HTTP_TIMEOUT', details: { timeoutMs: callTimeoutMs } },
            ),
          ),
        callTimeoutMs,
      );
      const combined = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
      try {
        if (options.ssrf) checkUrl(req.url, options.ssrf);
        const dispatcher = await agentForCall();
        const res: Dispatcher.ResponseData = await request(req.url, {
          dispatcher,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          body: req.body ?? null,
          signal: combined,
        });
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > maxBytes) {
          res.body.destroy();
          throw tooLarge(req, maxBytes);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > maxBytes) {
            res.body.destroy();
            throw tooLarge(req, maxBytes);
          }
          chunks.push(chunk);
        }
        return {
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks),
          url: req.url,
        };
      } catch (err) {
        // An abort carries the reason we gave it (our timeout) or the caller's.
        if (combined.aborted && combined.reason instanceof PatchbayError) throw combined.reason;
        if (combined.aborted && signal?.aborted && signal.reason instanceof Error) {
          throw classify(signal.reason);
        }
        throw classifyNetworkError(err);
      } finally {
        clearTimeout(handle);
      }
    },
    close: async () => {
      await agent?.close();
    },
  };
}

function withoutUndefined(tls: TlsMaterial): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tls).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

/** TLS verification failures are identity problems (`auth`), not flaky networks. */
const TLS_AUTH_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
]);

function classifyNetworkError(err: unknown): PatchbayError {
  const code = (err as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    (TLS_AUTH_CODES.has(code) || (code.startsWith('ERR_SSL_') && /CERTIFICATE/.test(code)))
  ) {
    return new PatchbayError('auth', `TLS handshake refused: ${code}`, {
      code,
      retryable: false,
      cause: err,
    });
  }
  return classify(err);
}

function tooLarge(req: HttpRequest, maxBytes: number): PatchbayError {
  return new PatchbayError(
    'parse',
    `${req.method} ${safeTarget(req.url)}: response larger than ${maxBytes} bytes`,
    { code: 'RESPONSE_TOO_LARGE', retryable: false, details: { maxBytes } },
  );
}

/**
 * A URL as logs, audit rows and errors show it: origin and path only, so a
 * query parameter that carries a key never leaves the call site.
 *
 * @example
 * ```ts
 * safeTarget(new URL('https://api.example.com/v1/loads?api_key=abc')); // 'https://api.example.com/v1/loads'
 * ```
 */
export function safeTarget(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
