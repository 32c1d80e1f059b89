import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLog } from '../../observability/testing.js';
import { aged } from '../alerts/__fixtures__/status.js';
import { ALERT_OUTBOX, AlertEngine } from '../alerts/engine.js';
import { freshnessRule } from '../alerts/rules.js';
import { AlertDeliveryWorker, type AlertDeliveryOptions } from './delivery.js';
import { canary, tempStore, type TempStore } from './__fixtures__/peers.js';
import { startServiceNow, type ServiceNowPeer } from './__fixtures__/servicenow.js';
import { serviceNowSink } from './servicenow.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;
const password = canary('PB_TEST_DELIVERY_PASSWORD');

describe('AlertDeliveryWorker: outbox-backed delivery to a ticketing endpoint', () => {
  let t: TempStore;
  let sn: ServiceNowPeer;
  let engine: AlertEngine;
  const log = captureLog();
  const failures: Array<{ code: string; dead: boolean }> = [];

  beforeEach(async () => {
    t = await tempStore();
    sn = await startServiceNow();
    sn.expectAuth = `Basic ${Buffer.from(`patchbay:${password.value}`).toString('base64')}`;
    engine = new AlertEngine({ store: t.store, rules: [freshnessRule()], route: ['tickets'] });
    failures.length = 0;
  });
  afterEach(async () => {
    await sn.peer.down();
    await t.cleanup();
  });

  function worker(extra: Partial<AlertDeliveryOptions> = {}): AlertDeliveryWorker {
    const tickets = serviceNowSink({
      name: 'tickets',
      url: sn.peer.url,
      username: 'patchbay',
      password: password.ref,
    });
    return new AlertDeliveryWorker({
      store: t.store,
      sinks: [tickets],
      // No jitter: backoff is 5 s, 10 s, 20 s, ... so the test knows when a retry is due.
      backoff: { jitter: 0 },
      onError: (err, destination, dead) => {
        failures.push({ code: (err as { code: string }).code, dead });
        log.logger.warn({ err, destination, dead }, 'alert delivery failed');
      },
      ...extra,
    });
  }

  it('delivers an alert raised while the endpoint was down exactly once when it comes back', async () => {
    await sn.peer.down();
    const w = worker();
    await engine.evaluate([{ status: aged(1000) }], T0);
    await engine.evaluate([{ status: aged(2000) }], T0 + MIN); // update while still down
    expect(await w.tick(T0 + MIN)).toEqual({ delivered: 0, retried: 2, dead: 0 });
    // Not due again before its backoff: nothing is hammered.
    expect(await w.tick(T0 + MIN + 1_000)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(await t.store.outbox.count(ALERT_OUTBOX, 'pending')).toBe(2);

    await sn.peer.up();
    expect(await w.tick(T0 + 2 * MIN)).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(await w.tick(T0 + 60 * MIN)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(sn.incidents).toHaveLength(1);
    expect(sn.incidents[0]).toMatchObject({ urgency: '1' });
    expect(sn.peer.received.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(await t.store.outbox.count(ALERT_OUTBOX, 'delivered')).toBe(2);
    // The open found the peer down; the update waited for the open instead of failing on its own.
    expect(failures).toEqual([
      { code: 'ECONNREFUSED', dead: false },
      { code: 'TICKET_NOT_OPEN', dead: false },
    ]);
  });

  it('waits as long as a 503 asks with Retry-After before trying again', async () => {
    sn.mode = 'unavailable'; // 503 with Retry-After: 120
    const w = worker();
    await engine.evaluate([{ status: aged(1000) }], T0);
    expect(await w.tick(T0)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    sn.mode = 'ok';
    // The default backoff alone would retry after 5 s.
    expect(await w.tick(T0 + 60_000)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(await w.tick(T0 + 120_000)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(sn.incidents).toHaveLength(1);
  });

  it('marks a delivery dead after the attempt budget, with nothing secret in the error or the logs', async () => {
    sn.mode = 'unavailable'; // and the error page echoes the Authorization header
    const w = worker({ maxAttempts: 3 });
    await engine.evaluate([{ status: aged(1000) }], T0);
    const ticks = [];
    for (let i = 0; i < 4; i++) ticks.push(await w.tick(T0 + i * 10 * MIN));
    expect(ticks).toEqual([
      { delivered: 0, retried: 1, dead: 0 },
      { delivered: 0, retried: 1, dead: 0 },
      { delivered: 0, retried: 0, dead: 1 },
      { delivered: 0, retried: 0, dead: 0 },
    ]);
    expect(failures.map((f) => f.dead)).toEqual([false, false, true]);
    expect(await t.store.outbox.count(ALERT_OUTBOX, 'dead')).toBe(1);
    // The peer really got the credential; the store and the logs must not keep it.
    expect(sn.peer.received[0]?.headers['authorization']).toContain('Basic ');
    const basic = Buffer.from(`patchbay:${password.value}`).toString('base64');
    const dump = t.dump();
    expect(dump).toContain('HTTP_503');
    expect(dump).toContain('[redacted]');
    for (const leak of [password.value, basic]) {
      expect(dump).not.toContain(leak);
      expect(log.text()).not.toContain(leak);
    }
  });

  it('marks a permanent failure dead at once', async () => {
    sn.expectAuth = 'Basic something-else'; // 401: retrying will not fix the credentials
    const w = worker();
    await engine.evaluate([{ status: aged(1000) }], T0);
    expect(await w.tick(T0)).toEqual({ delivered: 0, retried: 0, dead: 1 });
    expect(failures).toEqual([{ code: 'HTTP_401', dead: true }]);
  });

  it('retries a delivery to a sink that is not configured, so a config fix can still deliver it', async () => {
    const w = new AlertDeliveryWorker({ store: t.store, sinks: [], backoff: { jitter: 0 } });
    await engine.evaluate([{ status: aged(1000) }], T0);
    expect(await w.tick(T0)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(await worker().tick(T0 + MIN)).toEqual({ delivered: 1, retried: 0, dead: 0 });
  });

  it('two workers in one process are two claim owners: the one that lost its claim counts nothing', async () => {
    const gate = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    const gates = [gate(), gate()];
    let calls = 0;
    const slow: AlertDeliveryOptions['sinks'][number] = {
      name: 'tickets',
      kind: 'test',
      secretRefs: [],
      async deliver() {
        await gates[calls++]?.promise;
      },
    };
    const opts = { store: t.store, sinks: [slow], leaseMs: 1_000, backoff: { jitter: 0 } };
    const a = new AlertDeliveryWorker(opts);
    const b = new AlertDeliveryWorker(opts);
    await engine.evaluate([{ status: aged(1000) }], T0);
    const first = a.tick(T0);
    // A's lease runs out while its delivery hangs; B claims the alert.
    const second = b.tick(T0 + 2_000);
    while (calls < 2) await new Promise((r) => setTimeout(r, 5));
    // A finishes first but no longer holds the claim: its mark is refused, B's counts.
    gates[0]?.resolve();
    expect(await first).toEqual({ delivered: 0, retried: 0, dead: 0 });
    gates[1]?.resolve();
    expect(await second).toEqual({ delivered: 1, retried: 0, dead: 0 });
  });
});
