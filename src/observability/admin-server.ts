/**
 * The admin HTTP server the runtime starts: `/metrics`, `/healthz`,
 * `/readyz`, plus whatever admin API routes the runtime adds. Loopback by
 * default, because the admin API can replay and drop data.
 */
import type { AddressInfo } from 'node:net';
import { fastify, type FastifyError, type FastifyInstance } from 'fastify';
import type { ErrorKind } from '../core/errors.js';
import { redactText } from '../core/secrets/index.js';
import type { Logger } from './logger.js';
import type { PatchbayMetrics } from './metrics.js';
import { describeFailure, type HealthReport, type ReadyReport } from './readiness.js';
import { scrub, serializeError } from './scrub.js';

/**
 * Options for {@link buildAdminApp}.
 *
 * @example
 * ```ts
 * const app = buildAdminApp({
 *   metrics,
 *   logger,
 *   ready: readinessChecks({ store: () => store.ping() }),
 *   readyTimeoutMs: 3000,
 *   routes: (app) => app.get('/v1/integrations', async () => runtime.list()),
 * } satisfies AdminAppOptions);
 * const res = await app.inject({ method: 'GET', url: '/readyz' });
 * ```
 */
export interface AdminAppOptions {
  /** Served on `GET /metrics`. */
  metrics: PatchbayMetrics;
  /** Where server errors (5xx) are logged. Default: not logged. Requests themselves are never logged (scrapes would drown the log). */
  logger?: Logger;
  /** Liveness body. Default `{ status: 'ok', uptimeSeconds }`. */
  health?: () => HealthReport;
  /** Readiness; see {@link readinessChecks}. Default: always ready, no checks. */
  ready?: () => Promise<ReadyReport>;
  /** A `ready()` slower than this answers 503. Default 5000. */
  readyTimeoutMs?: number;
  /** Adds routes (the runtime's admin API). Use `app.register` inside for async plugins. */
  routes?: (app: FastifyInstance) => void;
}

/**
 * Options for {@link startAdminServer}.
 *
 * @example
 * ```ts
 * const server = await startAdminServer({
 *   metrics,
 *   ready: readinessChecks({ store: () => store.ping() }),
 *   host: '0.0.0.0', // inside a container, so the probe can reach it
 *   port: 9464,
 * } satisfies AdminServerOptions);
 * ```
 */
export interface AdminServerOptions extends AdminAppOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port. Default 9464 (the Prometheus exporter convention); 0 picks a free port. */
  port?: number;
}

/**
 * A listening admin server.
 *
 * @example
 * ```ts
 * const server: AdminServer = await startAdminServer({ metrics, port: 0 });
 * const text = await (await fetch(`${server.url}/metrics`)).text();
 * await server.close();
 * ```
 */
export interface AdminServer {
  /** Base URL, e.g. `http://127.0.0.1:9464`. */
  url: string;
  app: FastifyInstance;
  /** Stops listening and waits for open requests. */
  close(): Promise<void>;
}

/**
 * The body of every admin error response.
 *
 * @example
 * ```ts
 * const res = await fetch(`${server.url}/v1/nope`);
 * const { error } = (await res.json()) as AdminErrorBody;
 * console.error(`${res.status} ${error.kind}/${error.code}: ${error.message}`);
 * ```
 */
export interface AdminErrorBody {
  error: { kind: ErrorKind; code: string; message: string };
}

const NO_STORE = 'no-store';

/**
 * Builds the admin app without listening, for in-process tests with
 * `app.inject()` and for embedding.
 *
 * Routes: `GET /metrics` (Prometheus text), `GET /healthz` (200
 * `{ status: 'ok' }` while the process serves), `GET /readyz` (200 when
 * `ready()` says ready, else 503 with the failing checks), JSON 404 for
 * unknown routes, and a JSON error handler answering
 * `{ error: { kind, code, message } }` with no stack and no secret.
 *
 * @example
 * ```ts
 * const app = buildAdminApp({ metrics: new PatchbayMetrics() });
 * const res = await app.inject({ method: 'GET', url: '/healthz' });
 * res.json(); // { status: 'ok', uptimeSeconds: 12 }
 * ```
 */
export function buildAdminApp(options: AdminAppOptions): FastifyInstance {
  const { metrics, logger } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 5000;
  // Fastify's own logger stays off: requests (scrapes every 15 s) are not
  // worth a line, and errors are logged below through the scrubbing logger.
  const app = fastify({ logger: false });

  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.prometheus();
    return reply
      .header('content-type', metrics.contentType)
      .header('cache-control', NO_STORE)
      .send(text);
  });

  app.get('/healthz', async (_req, reply) => {
    const body = options.health?.() ?? {
      status: 'ok',
      uptimeSeconds: Math.round(process.uptime()),
    };
    return reply.header('cache-control', NO_STORE).send(scrub(body));
  });

  app.get('/readyz', async (_req, reply) => {
    const report = await readiness(options.ready, readyTimeoutMs);
    return reply
      .code(report.ready ? 200 : 503)
      .header('cache-control', NO_STORE)
      .send(scrub(report));
  });

  app.setNotFoundHandler((req, reply) => {
    const body: AdminErrorBody = {
      error: {
        kind: 'http_4xx',
        code: 'NOT_FOUND',
        message: redactText(`no route ${req.method} ${req.url.split('?')[0] ?? ''}`),
      },
    };
    return reply.code(404).send(body);
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const { status, body } = errorResponse(err);
    if (status >= 500) {
      logger?.error(
        { err, method: req.method, url: req.url.split('?')[0] },
        'admin request failed',
      );
    }
    return reply.code(status).send(body);
  });

  options.routes?.(app);
  return app;
}

/**
 * Starts the admin server and resolves once it listens.
 *
 * Defaults: host `127.0.0.1`, port 9464, always ready, health `{ status: 'ok' }`.
 *
 * @example
 * ```ts
 * import { startAdminServer, PatchbayMetrics, createLogger, readinessChecks } from 'patchbay/observability';
 * const server = await startAdminServer({
 *   metrics: new PatchbayMetrics({ defaultMetrics: true }),
 *   logger: createLogger(),
 *   ready: readinessChecks({ store: () => store.ping() }),
 * });
 * console.log(`${server.url}/metrics`);
 * await server.close();
 * ```
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const app = buildAdminApp(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 9464 });
  const address = app.server.address() as AddressInfo;
  const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  options.logger?.info({ url }, 'admin server listening');
  return { url, app, close: () => app.close() };
}

async function readiness(
  ready: (() => Promise<ReadyReport>) | undefined,
  timeoutMs: number,
): Promise<ReadyReport> {
  if (!ready) return { ready: true, checks: [] };
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<ReadyReport>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ready: false,
            checks: [{ name: 'ready', ok: false, detail: `timed out after ${timeoutMs} ms` }],
          }),
        timeoutMs,
      );
      timer.unref();
    });
    return await Promise.race([ready(), timeout]);
  } catch (err) {
    return { ready: false, checks: [{ name: 'ready', ok: false, detail: describeFailure(err) }] };
  } finally {
    clearTimeout(timer);
  }
}

const STATUS_BY_KIND: Partial<Record<ErrorKind, number>> = {
  validation: 400,
  parse: 400,
  config: 400,
  timeout: 504,
  overloaded: 503,
  rate_limited: 503,
  circuit_open: 503,
};

/**
 * Status and body for an error thrown by an admin route. Fastify's own
 * client errors (bad JSON, unsupported media type, body too large) keep
 * their status and code; everything else is classified.
 */
function errorResponse(err: FastifyError): { status: number; body: AdminErrorBody } {
  const e = serializeError(err);
  const fastifyStatus = err.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return {
      status: fastifyStatus,
      body: {
        error: {
          kind: e.kind,
          code: typeof err.code === 'string' ? err.code : e.code,
          message: e.message,
        },
      },
    };
  }
  // A route may answer a client error by throwing `http_4xx` with a status (e.g. 404).
  const status =
    e.kind === 'http_4xx' && e.status !== undefined && e.status >= 400 && e.status < 500
      ? e.status
      : (STATUS_BY_KIND[e.kind] ?? 500);
  return { status, body: { error: { kind: e.kind, code: e.code, message: e.message } } };
}
