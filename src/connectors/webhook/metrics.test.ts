/**
 * The receiver's metrics as an operator sees them: real signed requests to
 * the receiver on the admin server, then a scrape of its real `/metrics`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { permanent } from '../../core/errors.js';
import { startAdminServer, type AdminServer } from '../../observability/admin-server.js';
import { PatchbayMetrics } from '../../observability/metrics.js';
import { captureLog } from '../../observability/testing.js';
import { WebhookMetrics } from '../../observability/webhook-metrics.js';
import { createRuntime, type Runtime } from '../../runtime/runtime.js';
import { singleAttempt } from '../../runtime/services.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import type { Store } from '../../store/types.js';
import { webhookRoutes, webhookTargets } from './routes.js';
import type { WebhookEvent } from './source.js';
import {
  eventually,
  inboxSettled,
  post,
  signedRequest,
  testSecrets,
  webhookIntegration,
} from './__fixtures__/harness.js';

let cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

/** Parses the Prometheus text into `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

function series(name: string, labels: Record<string, string>): string {
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${name}{${inner}}`;
}

describe('receiver metrics on /metrics', () => {
  it('count accepted, duplicate, every rejection reason, stale events and failures, with ack latency', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-webhook-metrics-'));
    const raw: SqliteStore = await openSqliteStore({ path: join(dir, 'state.db') });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => raw.close());
    let storeDown = false;
    // A store that refuses writes on demand: the receiver must answer 503.
    const store: Store = {
      ...raw,
      inbox: new Proxy(raw.inbox, {
        get(target, key) {
          if (key === 'append') {
            return (item: Parameters<Store['inbox']['append']>[0]) =>
              storeDown ? Promise.reject(new Error('disk on fire')) : target.append(item);
          }
          const value = Reflect.get(target, key) as unknown;
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        },
      }),
    };
    const applied: string[] = [];
    const metrics = new PatchbayMetrics();
    const webhookMetrics = new WebhookMetrics(metrics.registry);
    const log = captureLog();
    const runtime: Runtime = await createRuntime({
      integrations: [
        webhookIntegration(
          {
            steps: [
              (e: unknown) => {
                const payload = (e as WebhookEvent).payload as { n: number };
                if (payload.n === 99) throw permanent('handler refuses 99');
                return payload;
              },
            ],
            sink: {
              name: 'applied',
              idempotent: true,
              async write(records) {
                for (const r of records) applied.push(String((r.data as { n: number }).n));
              },
            },
          },
          { entityKey: 'body:entity', occurredAt: 'body:at', maxBodyBytes: 4096 },
        ),
      ],
      store,
      secrets: testSecrets(),
      logger: log.logger,
      metrics,
      guardFor: () => singleAttempt,
    });
    const server: AdminServer = await startAdminServer({
      port: 0,
      metrics,
      routes: (app) => {
        void app.register(
          webhookRoutes({
            targets: webhookTargets(runtime.integrations.values()),
            store,
            secrets: testSecrets(),
            logger: log.logger,
            webhookMetrics,
          }),
        );
      },
    });
    cleanup.push(() => server.close());
    await runtime.start();
    cleanup.push(() => runtime.stop({ drainMs: 2000 }));
    const url = `${server.url}/webhooks/hooks`;
    const status = async (req: { headers: Record<string, string>; body: string }) =>
      (await post(url, req)).status;

    // accepted, then a duplicate delivery of the same event
    expect(await status(signedRequest('evt_new', { n: 2, entity: 'a', at: 2000 }))).toBe(200);
    expect(await status(signedRequest('evt_new', { n: 2, entity: 'a', at: 2000 }))).toBe(200);
    await eventually(async () => applied.includes('2'), 'the newer event applied');
    // an older event for the same entity arrives late: stored, then skipped
    expect(await status(signedRequest('evt_old', { n: 1, entity: 'a', at: 1000 }))).toBe(200);
    // an event the handler refuses: a processing failure (dead letter)
    expect(await status(signedRequest('evt_bad', { n: 99, entity: 'b', at: 1 }))).toBe(200);
    await eventually(() => inboxSettled(store), 'the inbox settled');

    // every rejection
    const tampered = signedRequest('evt_t', { n: 3 });
    tampered.body = JSON.stringify({ n: 4 });
    expect(await status(tampered)).toBe(401);
    expect(await status(signedRequest('evt_m', null, { body: '{"n": oops' }))).toBe(400);
    expect(await status(signedRequest('evt_l', { pad: 'x'.repeat(5000) }))).toBe(413);
    const text = signedRequest('evt_x', { n: 5 });
    text.headers['content-type'] = 'text/plain';
    expect(await status(text)).toBe(415);
    storeDown = true;
    expect(await status(signedRequest('evt_d', { n: 6 }))).toBe(503);
    storeDown = false;

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const m = parse(await res.text());
    const requests = (outcome: string, code: string, reason: string) =>
      m.get(
        series('patchbay_webhook_requests_total', {
          integration: 'hooks',
          outcome,
          status: code,
          reason,
        }),
      );
    expect(requests('accepted', '200', 'stored')).toBe(3);
    expect(requests('duplicate', '200', 'duplicate')).toBe(1);
    expect(requests('rejected', '401', 'bad_signature')).toBe(1);
    expect(requests('rejected', '400', 'malformed_body')).toBe(1);
    expect(requests('rejected', '413', 'body_too_large')).toBe(1);
    expect(requests('rejected', '415', 'unsupported_media_type')).toBe(1);
    expect(requests('rejected', '503', 'store_unavailable')).toBe(1);
    const events = (event: string) =>
      m.get(series('patchbay_webhook_events_total', { integration: 'hooks', event }));
    expect(events('stale_skipped')).toBe(1);
    // Processing failures are the pipeline's own series for the same integration.
    expect(
      m.get(
        series('patchbay_integration_items_total', {
          integration: 'hooks',
          stage: 'dead_lettered',
        }),
      ),
    ).toBe(1);
    // The ack-latency histogram: every accepted answer observed, each within +Inf.
    const ack = (suffix: string, extra: Record<string, string> = {}) =>
      m.get(
        series(`patchbay_webhook_ack_latency_ms${suffix}`, {
          ...(suffix === '_bucket' ? extra : {}),
          integration: 'hooks',
          outcome: 'accepted',
          ...(suffix === '_bucket' ? {} : extra),
        }),
      );
    expect(ack('_count')).toBe(3);
    expect(ack('_bucket', { le: '+Inf' })).toBe(3);
    expect(ack('_sum')).toBeGreaterThan(0);
  });
});
