/**
 * The typed wrapper pattern: an integration declares the few calls it makes
 * to a system (`createIncident(alert)`) once, as functions over a tiny HTTP
 * helper, and gets every implementation it needs from that one declaration:
 * live (real HTTP, optionally through the policy pipeline), fixture
 * (hand-written answers, no HTTP at all), recording (live plus a fixture
 * file) and replay (answers from a recorded file). Mapping code in the
 * integration depends on the interface, never on which one it got.
 */
import type { ConnectorContext } from '../../../core/connector.js';
import { PatchbayError } from '../../../core/errors.js';
import { headerValue } from '../../../policies/rate-limit-headers.js';
import { noAuth, type HttpAuth } from '../auth/types.js';
import { guardedCall } from '../call.js';
import { classifyResponse, type StatusOverrides } from '../classify-response.js';
import {
  createHttpClient,
  safeTarget,
  type HttpClient,
  type HttpRequest,
  type HttpResponse,
} from '../client.js';
import type { Fixture } from './fixture.js';
import { recordingClient, type RecorderOptions, type RecordingClient } from './recorder.js';
import { replayClient, type ReplayOptions } from './replay.js';

/**
 * One request as an operation describes it; the base URL and defaults are added.
 *
 * @example
 * ```ts
 * (http, q: string) => http.request<Hit[]>({ method: 'GET', path: '/search', query: { q, limit: 10 } })
 * ```
 */
export interface ThinRequest {
  method: string;
  /** Relative to the base URL, e.g. `/api/incidents`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined> | undefined;
  /** Sent as JSON unless a string. */
  body?: unknown;
  headers?: Record<string, string> | undefined;
}

/**
 * What an operation gets back: the status, headers and the parsed body.
 *
 * @example
 * ```ts
 * const res: ThinResponse<Incident> = await http.request({ method: 'POST', path: '/incidents', body });
 * res.status; // 201
 * ```
 */
export interface ThinResponse<T> {
  status: number;
  headers: HttpResponse['headers'];
  /** Parsed JSON when the response says JSON, the text otherwise, `undefined` when empty. */
  data: T;
}

/**
 * The helper operations are written against. Non-2xx statuses throw classified errors.
 *
 * @example
 * ```ts
 * const ops = { close: (http: ThinHttp, id: string) => http.patch(`/incidents/${id}`, { state: 'closed' }) };
 * ```
 */
export interface ThinHttp {
  request<T = unknown>(req: ThinRequest): Promise<ThinResponse<T>>;
  get<T = unknown>(path: string, query?: ThinRequest['query']): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  put<T = unknown>(path: string, body?: unknown): Promise<T>;
  patch<T = unknown>(path: string, body?: unknown): Promise<T>;
  delete<T = unknown>(path: string): Promise<T>;
}

// `any` is what lets an operation declare its own parameters (`alert: Alert`);
// the mapped types below restore the precise signature for callers.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Operation = (http: ThinHttp, ...args: any[]) => Promise<unknown>;
/**
 * The declared operations, by name.
 *
 * @example
 * ```ts
 * const ops = { getIncident: (http, id: string) => http.get(`/incidents/${id}`) } satisfies Operations;
 * ```
 */
export type Operations = Record<string, Operation>;

/**
 * The interface integrations call: each operation without its `http` parameter.
 *
 * @example
 * ```ts
 * type Crm = ThinApi<typeof ops>; // { getIncident(id: string): Promise<unknown> }
 * ```
 */
export type ThinApi<O extends Operations> = {
  [K in keyof O]: O[K] extends (http: ThinHttp, ...args: infer A) => Promise<infer R>
    ? (...args: A) => Promise<R>
    : never;
};

/**
 * The interface a definition implements, for integration code that should
 * not care which mode it was given.
 *
 * @example
 * ```ts
 * const escalate = (api: ApiOf<typeof crm>, alert: Alert) => api.createIncident(alert);
 * await escalate(crm.fixture({ createIncident: async () => ({ incidentId: 'INC-1' }) }), alert);
 * ```
 */
export type ApiOf<D> = D extends ClientDefinition<infer O> ? ThinApi<O> : never;

/**
 * Hand-written answers for fixture mode; operations left out throw when called.
 *
 * @example
 * ```ts
 * const fakes: ThinFakes<typeof ops> = { getIncident: (id) => ({ id, status: 'open' }) };
 * ```
 */
export type ThinFakes<O extends Operations> = {
  [K in keyof O]?: O[K] extends (http: ThinHttp, ...args: infer A) => Promise<infer R>
    ? (...args: A) => R | Promise<R>
    : never;
};

/**
 * Where and how the live implementation sends.
 *
 * @example
 * ```ts
 * crm.live({ baseUrl: 'https://crm.example.com', auth, ctx, overrides: { successOn: [409] } } satisfies LiveOptions);
 * ```
 */
export interface LiveOptions {
  baseUrl: string | URL;
  /** Default: a new client, closed by `close()`. A given client is not closed. */
  client?: HttpClient | undefined;
  auth?: HttpAuth | undefined;
  /** Sent with every request. */
  headers?: Record<string, string> | undefined;
  overrides?: StatusOverrides | undefined;
  timeoutMs?: number | undefined;
  /** Send through this connector context's policy pipeline, with call lines and audit rows. */
  ctx?: ConnectorContext | undefined;
}

/**
 * A live, recording or replaying implementation.
 *
 * @example
 * ```ts
 * const client: ThinClient<typeof ops> = crm.live({ baseUrl });
 * try { await client.getIncident('INC-1'); } finally { await client.close(); }
 * ```
 */
export type ThinClient<O extends Operations> = ThinApi<O> & { close(): Promise<void> };

/**
 * What {@link defineClient} returns: one declaration, every implementation.
 *
 * @example
 * ```ts
 * const crm: ClientDefinition<typeof ops> = defineClient('crm', ops);
 * const fake = crm.fixture({ getIncident: (id) => ({ id }) });
 * ```
 */
export interface ClientDefinition<O extends Operations> {
  readonly name: string;
  /** Real HTTP. */
  live(options: LiveOptions): ThinClient<O>;
  /** Live, with every exchange recorded (redacted) into `recorder`. */
  record(options: LiveOptions & RecorderOptions): ThinClient<O> & { recorder: RecordingClient };
  /** Answers from a recorded fixture; `baseUrl` must be the one recorded against. */
  replay(fixture: Fixture, options: Omit<LiveOptions, 'client'> & ReplayOptions): ThinClient<O>;
  /** Hand-written answers; `calls` lists what was asked, in order. */
  fixture(
    fakes: ThinFakes<O>,
  ): ThinApi<O> & { calls: Array<{ operation: string; args: unknown[] }> };
}

/**
 * Declares a thin client once; see {@link ClientDefinition} for the implementations.
 *
 * @example
 * ```ts
 * interface Alert { id: string; severity: 'low' | 'high'; summary: string }
 * const crm = defineClient('crm', {
 *   createIncident: (http, alert: Alert) =>
 *     http.post<{ incidentId: string }>('/api/incidents', { title: alert.summary, priority: alert.severity }),
 * });
 *
 * const live = crm.live({ baseUrl: 'https://crm.example.com', auth: bearer, ctx });
 * const fake = crm.fixture({ createIncident: async (a) => ({ incidentId: `INC-${a.id}` }) });
 * const replayed = crm.replay(await loadFixture('fixtures/crm.json'), { baseUrl: 'https://crm.example.com' });
 * await live.createIncident(alert); // same signature in all three
 * ```
 */
export function defineClient<O extends Operations>(
  name: string,
  operations: O,
): ClientDefinition<O> {
  const over = (client: HttpClient, options: LiveOptions, ownsClient: boolean): ThinClient<O> => {
    const http = thinHttp(client, options);
    const api = {} as Record<string, unknown>;
    for (const [op, fn] of Object.entries(operations)) {
      api[op] = (...args: unknown[]) => fn(http, ...args);
    }
    api['close'] = () => (ownsClient ? client.close() : Promise.resolve());
    return api as ThinClient<O>;
  };
  return {
    name,
    live: (options) =>
      over(
        options.client ?? createHttpClient(withTimeout(options.timeoutMs)),
        options,
        options.client === undefined,
      ),
    record(options) {
      const inner = options.client ?? createHttpClient(withTimeout(options.timeoutMs));
      const recorder = recordingClient(inner, {
        name: options.name ?? name,
        redact: options.redact,
      });
      const api = over(recorder, options, options.client === undefined);
      return Object.assign(api, { recorder });
    },
    replay: (fixture, options) => over(replayClient(fixture, options), options, true),
    fixture(fakes) {
      const calls: Array<{ operation: string; args: unknown[] }> = [];
      const api = {} as Record<string, unknown>;
      for (const op of Object.keys(operations)) {
        api[op] = async (...args: unknown[]) => {
          calls.push({ operation: op, args });
          const fake = (fakes as Record<string, ((...a: unknown[]) => unknown) | undefined>)[op];
          if (fake === undefined) {
            throw new PatchbayError('config', `${name}.${op} has no fixture answer`, {
              code: 'THIN_CLIENT_NO_FIXTURE',
              retryable: false,
            });
          }
          return fake(...args);
        };
      }
      return Object.assign(api as ThinApi<O>, { calls });
    },
  };
}

const withTimeout = (timeoutMs: number | undefined) =>
  timeoutMs === undefined ? {} : { timeoutMs };

function thinHttp(client: HttpClient, options: LiveOptions): ThinHttp {
  const base = String(options.baseUrl);
  // `new URL('/x', 'https://h/api')` would drop `/api`; join paths instead.
  const baseWithSlash = base.endsWith('/') ? base : `${base}/`;
  const auth = options.auth ?? noAuth;
  const build = (spec: ThinRequest): HttpRequest => {
    const url = new URL(spec.path.replace(/^\//, ''), baseWithSlash);
    for (const [k, v] of Object.entries(spec.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const hasBody = spec.body !== undefined;
    return {
      method: spec.method.toUpperCase(),
      url,
      headers: {
        accept: 'application/json',
        ...(hasBody && typeof spec.body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
        ...spec.headers,
      },
      body: !hasBody
        ? undefined
        : typeof spec.body === 'string'
          ? spec.body
          : JSON.stringify(spec.body),
    };
  };
  const send = async (spec: ThinRequest): Promise<HttpResponse> => {
    if (options.ctx !== undefined) {
      const call = { client, auth, overrides: options.overrides, timeoutMs: options.timeoutMs };
      return (await guardedCall(options.ctx, () => build(spec), call)).response;
    }
    const req = build(spec);
    await auth.apply(req, new AbortController().signal);
    const res = await client.send(req, undefined, options.timeoutMs);
    const outcome = classifyResponse(
      res,
      `${req.method} ${safeTarget(req.url)}`,
      options.overrides,
    );
    if (outcome.type === 'error') throw outcome.error;
    return res;
  };
  const request = async <T>(spec: ThinRequest): Promise<ThinResponse<T>> => {
    const res = await send(spec);
    return { status: res.status, headers: res.headers, data: parseBody(res, spec) as T };
  };
  const data = async <T>(spec: ThinRequest) => (await request<T>(spec)).data;
  return {
    request,
    get: (path, query) => data({ method: 'GET', path, query }),
    post: (path, body) => data({ method: 'POST', path, body }),
    put: (path, body) => data({ method: 'PUT', path, body }),
    patch: (path, body) => data({ method: 'PATCH', path, body }),
    delete: (path) => data({ method: 'DELETE', path }),
  };
}

function parseBody(res: HttpResponse, spec: ThinRequest): unknown {
  if (res.body.length === 0) return undefined;
  const text = res.body.toString('utf8');
  const type = (headerValue(res.headers, 'content-type') ?? '').toLowerCase();
  if (!type.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PatchbayError(
      'parse',
      `${spec.method} ${spec.path}: response body is not valid JSON`,
      {
        code: 'MALFORMED_JSON',
        status: res.status,
        cause: err,
      },
    );
  }
}
