import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aged } from '../alerts/__fixtures__/status.js';
import { AlertEngine } from '../alerts/engine.js';
import { freshnessRule } from '../alerts/rules.js';
import type { AlertNotification } from '../alerts/types.js';
import { AlertDeliveryWorker } from './delivery.js';
import {
  canary,
  startHttpPeer,
  tempStore,
  type HttpPeer,
  type TempStore,
} from './__fixtures__/peers.js';
import { slackSink } from './slack.js';
import type { AlertSink } from './types.js';
import { signWebhook, verifyWebhook, webhookSink } from './webhook.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const hmacKey = canary('PB_TEST_WEBHOOK_KEY');

describe('webhook and Slack sinks against a local HTTP server', () => {
  let t: TempStore;
  let peer: HttpPeer;
  beforeEach(async () => {
    t = await tempStore();
    peer = await startHttpPeer();
  });
  afterEach(async () => {
    await peer.down();
    await t.cleanup();
  });

  async function raise(sink: AlertSink): Promise<AlertDeliveryWorker> {
    const engine = new AlertEngine({
      store: t.store,
      rules: [freshnessRule()],
      route: [sink.name],
    });
    await engine.evaluate([{ status: aged(1000) }], T0);
    return new AlertDeliveryWorker({ store: t.store, sinks: [sink], backoff: { jitter: 0 } });
  }

  it('posts the notification signed with HMAC-SHA256 over timestamp and body; a retry keeps its idempotency key', async () => {
    let fail = true;
    peer.handler = () => (fail ? ((fail = false), { status: 503 }) : undefined);
    const w = await raise(
      webhookSink({ name: 'hook', url: `${peer.url}/alerts`, secret: hmacKey.ref }),
    );
    expect(await w.tick(T0)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(await w.tick(T0 + 60_000)).toEqual({ delivered: 1, retried: 0, dead: 0 });

    const [first, second] = peer.received;
    expect(second?.url).toBe('/alerts');
    const h = second!.headers;
    const ts = String(h['x-patchbay-timestamp']);
    expect(verifyWebhook(hmacKey.value, ts, second!.body, String(h['x-patchbay-signature']))).toBe(
      true,
    );
    expect(verifyWebhook('wrong-key', ts, second!.body, String(h['x-patchbay-signature']))).toBe(
      false,
    );
    const tampered = second!.body.replace('gps-positions', 'gps-positionz');
    expect(verifyWebhook(hmacKey.value, ts, tampered, String(h['x-patchbay-signature']))).toBe(
      false,
    );
    expect(h['x-patchbay-event']).toBe('open');
    expect(h['idempotency-key']).toBe(`gps-positions:freshness:${T0}:open:1`);
    expect(first?.headers['idempotency-key']).toBe(h['idempotency-key']);

    const n = JSON.parse(second!.body) as AlertNotification;
    expect(n).toMatchObject({
      event: 'open',
      alert: {
        integration: 'gps-positions',
        expected: 'data at most 15m old',
        actual: 'last success 16m40s ago',
        since: T0,
      },
    });
    expect(n.alert.commands).toContain('patchbay replay gps-positions --from 2026-11-17');
    expect(JSON.stringify(peer.received)).not.toContain(hmacKey.value);
  });

  it('signWebhook is the documented sha256=<hex> of "<timestamp>.<body>"', () => {
    // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
    expect(signWebhook('key', '1700000000', '{"a":1}')).toBe(
      'sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03',
    );
  });

  it('posts Slack text with the alert, to the URL held in a secret reference', async () => {
    const slackUrl = canary('PB_TEST_SLACK_URL');
    process.env['PB_TEST_SLACK_URL'] = `${peer.url}/services/T000/B000/${slackUrl.value}`;
    const w = await raise(slackSink({ name: 'chat', url: slackUrl.ref }));
    expect(await w.tick(T0)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    const req = peer.received[0]!;
    expect(req.url).toBe(`/services/T000/B000/${slackUrl.value}`);
    const { text } = JSON.parse(req.body) as { text: string };
    expect(text).toContain(':rotating_light: *[patchbay] gps-positions: freshness (warning)*');
    expect(text).toContain('actual:      last success 16m40s ago');
    expect(text).toContain('patchbay status --only gps-positions');
  });

  it('keeps the Slack webhook token out of stored errors when the server echoes the path', async () => {
    const slackUrl = canary('PB_TEST_SLACK_URL2');
    process.env['PB_TEST_SLACK_URL2'] = `${peer.url}/services/T000/B000/${slackUrl.value}`;
    // Express-style 404 page, as a proxy in front of the webhook would answer.
    peer.handler = (req) => ({ status: 404, body: `Cannot POST ${req.url}` });
    const w = await raise(slackSink({ name: 'chat', url: slackUrl.ref }));
    expect(await w.tick(T0)).toEqual({ delivered: 0, retried: 0, dead: 1 });
    const dump = t.dump();
    expect(dump).toContain('HTTP_404');
    expect(dump).not.toContain(slackUrl.value);
  });
});
