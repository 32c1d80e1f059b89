import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aged } from '../alerts/__fixtures__/status.js';
import { AlertEngine } from '../alerts/engine.js';
import { freshnessRule } from '../alerts/rules.js';
import { AlertDeliveryWorker } from './delivery.js';
import { canary, tempStore, type TempStore } from './__fixtures__/peers.js';
import { startServiceNow, type ServiceNowPeer } from './__fixtures__/servicenow.js';
import { serviceNowSink } from './servicenow.js';
import type { AlertSink } from './types.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;
const password = canary('PB_TEST_SN_PASSWORD');
const token = canary('PB_TEST_SN_TOKEN');

describe('serviceNowSink against a local Table API server', () => {
  let t: TempStore;
  let sn: ServiceNowPeer;
  beforeEach(async () => {
    t = await tempStore();
    sn = await startServiceNow();
  });
  afterEach(async () => {
    await sn.peer.down();
    await t.cleanup();
  });

  function setup(
    sinks: AlertSink[],
    opts: { route?: string[]; escalateTo?: string[] } = {},
  ): { engine: AlertEngine; worker: AlertDeliveryWorker } {
    const engine = new AlertEngine({
      store: t.store,
      rules: [freshnessRule()],
      route: opts.route ?? ['tickets'],
      escalation: opts.escalateTo ? { afterMs: 30 * MIN, to: opts.escalateTo } : undefined,
    });
    return {
      engine,
      worker: new AlertDeliveryWorker({ store: t.store, sinks, random: () => 0.5 }),
    };
  }

  it('opens an incident in the Table API shape, patches it on update and resolves it', async () => {
    sn.expectAuth = `Basic ${Buffer.from(`patchbay:${password.value}`).toString('base64')}`;
    const tickets = serviceNowSink({
      name: 'tickets',
      url: `${sn.peer.url}/`,
      username: 'patchbay',
      password: password.ref,
      assignmentGroup: 'Integrations',
    });
    const { engine, worker } = setup([tickets]);

    await engine.evaluate([{ status: aged(1000) }], T0);
    expect(await worker.tick(T0)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(sn.incidents).toHaveLength(1);
    const inc = sn.incidents[0]!;
    expect(inc).toMatchObject({
      short_description: '[patchbay] gps-positions: freshness (warning)',
      urgency: '2',
      assignment_group: 'Integrations',
      correlation_id: `gps-positions:freshness:${T0}`,
    });
    const description = String(inc['description']);
    for (const line of [
      'integration: gps-positions',
      'expected:    data at most 15m old',
      'actual:      last success 16m40s ago',
      `since:       ${new Date(T0).toISOString()}`,
      '  patchbay replay gps-positions --from 2026-11-17',
    ]) {
      expect(description).toContain(line);
    }

    await engine.evaluate([{ status: aged(2000) }], T0 + MIN);
    await engine.evaluate([{ status: aged(5) }], T0 + 2 * MIN);
    expect(await worker.tick(T0 + 2 * MIN)).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(sn.incidents).toHaveLength(1);
    expect(inc.patches.map((p) => [p['urgency'], p['state']])).toEqual([
      ['1', undefined],
      ['1', '6'],
    ]);
    expect(String(inc.patches[0]!['work_notes'])).toMatch(/^update: last success 33m20s ago/);
    expect(String(inc['close_notes'])).toContain(new Date(T0 + 2 * MIN).toISOString());
  });

  it('sends a bearer token from its secret reference', async () => {
    sn.expectAuth = `Bearer ${token.value}`;
    const { engine, worker } = setup([
      serviceNowSink({ name: 'tickets', url: sn.peer.url, token: token.ref }),
    ]);
    await engine.evaluate([{ status: aged(1000) }], T0);
    expect(await worker.tick(T0)).toMatchObject({ delivered: 1 });
    expect(sn.incidents).toHaveLength(1);
  });

  it('opens the incident on escalation when ticketing is only the escalation target', async () => {
    const chat: AlertSink = {
      name: 'chat',
      kind: 'test',
      secretRefs: [],
      async deliver() {},
    };
    const tickets = serviceNowSink({ name: 'tickets', url: sn.peer.url });
    const { engine, worker } = setup([chat, tickets], { route: ['chat'], escalateTo: ['tickets'] });
    await engine.evaluate([{ status: aged(1000) }], T0);
    await engine.evaluate([{ status: aged(2000) }], T0 + 30 * MIN);
    // open and update to chat, escalate to tickets
    expect(await worker.tick(T0 + 30 * MIN)).toEqual({ delivered: 3, retried: 0, dead: 0 });
    expect(sn.incidents).toHaveLength(1);
    expect(sn.incidents[0]).toMatchObject({
      urgency: '1',
      correlation_id: `gps-positions:freshness:${T0}`,
    });
    await engine.evaluate([{ status: aged(5) }], T0 + 40 * MIN);
    expect(await worker.tick(T0 + 40 * MIN)).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(sn.incidents[0]?.['state']).toBe('6');
  });

  it('finds the incident by correlation id instead of opening a second one after a lost answer', async () => {
    sn.mode = 'create-then-504';
    const { engine, worker } = setup([serviceNowSink({ name: 'tickets', url: sn.peer.url })]);
    await engine.evaluate([{ status: aged(1000) }], T0);
    expect(await worker.tick(T0)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(await worker.tick(T0 + 10 * MIN)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    await engine.evaluate([{ status: aged(5) }], T0 + 11 * MIN);
    expect(await worker.tick(T0 + 11 * MIN)).toMatchObject({ delivered: 1 });
    expect(sn.incidents).toHaveLength(1);
    expect(sn.incidents[0]?.['state']).toBe('6');
  });
});
