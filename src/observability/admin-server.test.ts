import { afterEach, describe, expect, it } from 'vitest';
import { PatchbayError } from '../core/errors.js';
import { Secret } from '../core/secrets/index.js';
import { buildAdminApp, startAdminServer, type AdminServer } from './admin-server.js';
import { PatchbayMetrics } from './metrics.js';
import { readinessChecks } from './readiness.js';
import { captureLog } from './testing.js';

const secret = new Secret('env:ADMIN', 'admin-secret-2468');

describe('buildAdminApp', () => {
  it('serves Prometheus text on /metrics', async () => {
    const metrics = new PatchbayMetrics();
    metrics.recordCall({ integration: 'gps-positions', outcome: 'success', latencyMs: 7 });
    const app = buildAdminApp({ metrics });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(metrics.contentType);
    expect(res.body).toContain('patchbay_integration_success_count{integration="gps-positions"} 1');
    expect(res.body).toContain(
      'patchbay_integration_latency_p99_ms{integration="gps-positions"} 7',
    );
    await app.close();
  });

  it('answers /healthz with 200 ok', async () => {
    const app = buildAdminApp({ metrics: new PatchbayMetrics() });
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
    const custom = buildAdminApp({
      metrics: new PatchbayMetrics(),
      health: () => ({ status: 'ok', version: '0.1.0' }),
    });
    expect((await custom.inject({ url: '/healthz' })).json()).toEqual({
      status: 'ok',
      version: '0.1.0',
    });
  });

  it('answers /readyz 200 when ready and 503 with the failing checks otherwise', async () => {
    let started = false;
    let storeUp = true;
    const ready = readinessChecks({
      store: async () => {
        if (!storeUp) throw new Error(`login failed for ${secret.reveal()}`);
      },
      runtime: () => started,
    });
    const app = buildAdminApp({ metrics: new PatchbayMetrics(), ready });

    let res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      ready: false,
      checks: [
        { name: 'store', ok: true },
        { name: 'runtime', ok: false, detail: 'not ready' },
      ],
    });

    started = true;
    res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ready: true });

    storeUp = false;
    res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks[0]).toEqual({
      name: 'store',
      ok: false,
      detail: 'UNCLASSIFIED: login failed for [redacted]',
    });
    expect(res.body).not.toContain(secret.reveal());
  });

  it('is ready by default and answers 503 when ready() rejects or hangs', async () => {
    const metrics = new PatchbayMetrics();
    expect((await buildAdminApp({ metrics }).inject({ url: '/readyz' })).statusCode).toBe(200);

    const rejecting = buildAdminApp({
      metrics,
      ready: () => Promise.reject(new Error(`bad ${secret.reveal()}`)),
    });
    const res = await rejecting.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      ready: false,
      checks: [{ name: 'ready', ok: false, detail: 'UNCLASSIFIED: bad [redacted]' }],
    });

    const hanging = buildAdminApp({
      metrics,
      ready: () => new Promise(() => {}),
      readyTimeoutMs: 10,
    });
    const hung = await hanging.inject({ url: '/readyz' });
    expect(hung.statusCode).toBe(503);
    expect(hung.json().checks[0].detail).toBe('timed out after 10 ms');
  });

  it('answers unknown routes with a JSON 404', async () => {
    const app = buildAdminApp({ metrics: new PatchbayMetrics() });
    const res = await app.inject({ method: 'GET', url: '/nope?token=abc' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      error: { kind: 'http_4xx', code: 'NOT_FOUND', message: 'no route GET /nope' },
    });
  });

  it('turns route errors into classified JSON without stacks or secrets, and logs 5xx', async () => {
    const log = captureLog();
    const app = buildAdminApp({
      metrics: new PatchbayMetrics(),
      logger: log.logger,
      routes: (a) => {
        a.get('/api/boom', async () => {
          throw new Error(`db at postgres://u:${secret.reveal()}@h`);
        });
        a.get('/api/missing', async () => {
          throw new PatchbayError('http_4xx', 'no dead letter 42', {
            code: 'NOT_FOUND',
            status: 404,
          });
        });
        a.get('/api/invalid', async () => {
          throw new PatchbayError('validation', 'ids must be numbers');
        });
        a.post('/api/echo', async (req) => req.body);
      },
    });

    const boom = await app.inject({ url: '/api/boom' });
    expect(boom.statusCode).toBe(500);
    expect(boom.json()).toEqual({
      error: {
        kind: 'connection',
        code: 'UNCLASSIFIED',
        message: 'db at postgres://u:[redacted]@h',
      },
    });
    expect(boom.body).not.toContain('stack');

    const missing = await app.inject({ url: '/api/missing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      error: { kind: 'http_4xx', code: 'NOT_FOUND', message: 'no dead letter 42' },
    });

    expect((await app.inject({ url: '/api/invalid' })).statusCode).toBe(400);

    const badJson = await app.inject({
      method: 'POST',
      url: '/api/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('FST_ERR_CTP_INVALID_JSON_BODY');

    const logged = log.records();
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 'error',
      msg: 'admin request failed',
      url: '/api/boom',
    });
    expect(log.text()).not.toContain(secret.reveal());
  });
});

describe('startAdminServer', () => {
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('listens on loopback, serves the routes and closes', async () => {
    const log = captureLog();
    server = await startAdminServer({
      port: 0,
      metrics: new PatchbayMetrics(),
      logger: log.logger,
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(log.records()[0]).toMatchObject({ msg: 'admin server listening', url: server.url });
  });
});
