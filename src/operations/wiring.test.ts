import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PatchbayMetrics } from '../observability/metrics.js';
import { captureLog } from '../observability/testing.js';
import { canary, tempStore, type TempStore } from './alert-sinks/__fixtures__/peers.js';
import { startServiceNow, type ServiceNowPeer } from './alert-sinks/__fixtures__/servicenow.js';
import { aged, status } from './alerts/__fixtures__/status.js';
import { ALERT_OUTBOX } from './alerts/engine.js';
import { startAlerting, type Alerting } from './wiring.js';

const token = canary('PB_TEST_WIRING_TOKEN');

describe('startAlerting', () => {
  let t: TempStore;
  let sn: ServiceNowPeer;
  let alerting: Alerting | undefined;
  beforeEach(async () => {
    t = await tempStore();
    sn = await startServiceNow();
  });
  afterEach(async () => {
    await alerting?.stop();
    alerting = undefined;
    await sn.peer.down();
    await t.cleanup();
  });

  it('runs the rules from the project config and delivers through the worker, logging failures without secrets', async () => {
    const log = captureLog();
    alerting = startAlerting({
      alerts: {
        sinks: { tickets: { type: 'servicenow', url: sn.peer.url, token: token.ref } },
        route: ['tickets'],
        evaluateEvery: 10,
      },
      store: t.store,
      logger: log.logger,
      read: async () => [aged(2000)],
    });
    expect(alerting.worker).toBeDefined();
    await expect.poll(() => t.store.outbox.count(ALERT_OUTBOX)).toBe(1);

    sn.mode = 'unavailable'; // 503 whose page echoes the bearer token
    expect(await alerting.worker!.tick()).toEqual({ delivered: 0, retried: 1, dead: 0 });
    const line = log.records().find((r) => r['msg'] === 'alert delivery failed; will retry');
    expect(line).toMatchObject({ destination: 'alert:tickets', dead: false });
    expect(sn.peer.received[0]?.headers['authorization']).toBe(`Bearer ${token.value}`);
    expect(log.text()).not.toContain(token.value);
    expect(t.dump()).not.toContain(token.value);

    sn.mode = 'ok';
    expect(await alerting.worker!.tick(Date.now() + 3_600_000)).toMatchObject({ delivered: 1 });
    expect(sn.incidents).toHaveLength(1);
  });

  it('without an alerts config still feeds the freshness gauges and sends nothing', async () => {
    const metrics = new PatchbayMetrics();
    const lastSuccessAt = Date.now() - 120_000;
    alerting = startAlerting({
      alerts: undefined,
      store: t.store,
      metrics,
      read: async () => [status({ lastSuccessAt, stale: true })],
    });
    expect(alerting.worker).toBeUndefined();
    // The default interval is 30 s; evaluate once by hand rather than wait.
    await alerting.monitor.evaluate();
    expect(
      metrics.snapshot()['integration.gps-positions.freshness_seconds'],
    ).toBeGreaterThanOrEqual(120);
    expect(await t.store.outbox.count(ALERT_OUTBOX)).toBe(0);
  });
});
