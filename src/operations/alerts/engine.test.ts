import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/index.js';
import type { Store } from '../../store/types.js';
import { tempStore, type TempStore } from '../alert-sinks/__fixtures__/peers.js';
import { aged, status } from './__fixtures__/status.js';
import { ALERT_OUTBOX, AlertEngine, commandsFor, listAlerts } from './engine.js';
import { deadLetterRule, defaultRules, freshnessRule } from './rules.js';
import type { AlertNotification } from './types.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;

let probeAt = T0 + 365 * 24 * 60 * MIN;

/** Every queued alert delivery as `<sink> <event> <condition>`, in enqueue order. */
async function queued(store: Store): Promise<string[]> {
  // A 1 ms lease far in the future: the next look (10 ms later) claims them all again.
  probeAt += 10;
  const items = await store.outbox.claimDue({
    limit: 1000,
    leaseMs: 1,
    owner: 'test',
    integrationId: ALERT_OUTBOX,
    now: probeAt,
  });
  return items.map((i) => {
    const n = i.payload as unknown as AlertNotification;
    return `${i.destination} ${n.event} ${n.alert.condition}`;
  });
}

describe('AlertEngine', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('opens one alert carrying integration, expected, actual, since and the look/replay commands', async () => {
    const engine = new AlertEngine({ store: t.store, rules: defaultRules(), route: ['tickets'] });
    const events = await engine.evaluate([{ status: aged(1320) }], T0);
    expect(events.map((e) => e.event)).toEqual(['open']);
    const [alert] = await listAlerts(t.store);
    expect(alert).toMatchObject({
      id: `gps-positions:freshness:${T0}`,
      integration: 'gps-positions',
      condition: 'freshness',
      severity: 'warning',
      state: 'open',
      expected: 'data at most 15m old',
      actual: 'last success 22m ago',
      since: T0,
      escalated: false,
      commands: [
        'patchbay status --only gps-positions',
        'patchbay dlq list gps-positions',
        'patchbay replay gps-positions --from 2026-11-17',
      ],
    });
    expect(await queued(t.store)).toEqual(['alert:tickets open freshness']);
  });

  it('keeps one open alert per condition: a persisting breach updates the record but pages nobody again', async () => {
    const engine = new AlertEngine({ store: t.store, rules: defaultRules(), route: ['tickets'] });
    await engine.evaluate([{ status: aged(1000) }], T0);
    const again = await engine.evaluate([{ status: aged(1300) }], T0 + 5 * MIN);
    expect(again).toEqual([]);
    const alerts = await listAlerts(t.store, { all: true });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      since: T0,
      updatedAt: T0 + 5 * MIN,
      evaluations: 2,
      actual: 'last success 21m40s ago',
    });
    expect(await t.store.outbox.count(ALERT_OUTBOX)).toBe(1);
  });

  it('sends an update when the finding changes meaning (warning to critical, more dead letters)', async () => {
    const engine = new AlertEngine({
      store: t.store,
      rules: [freshnessRule(), deadLetterRule()],
      route: ['tickets'],
    });
    await engine.evaluate([{ status: status({ ...aged(1000), deadLetters: 2 }) }], T0);
    const later = await engine.evaluate(
      [{ status: status({ ...aged(2000), deadLetters: 5 }) }],
      T0 + MIN,
    );
    expect(later.map((e) => `${e.event} ${e.alert.condition} ${e.alert.actual}`)).toEqual([
      'update freshness last success 33m20s ago',
      'update dead-letters 5 dead letters',
    ]);
    expect(later[0]?.alert.severity).toBe('critical');
    expect(await queued(t.store)).toEqual([
      'alert:tickets open freshness',
      'alert:tickets open dead-letters',
      'alert:tickets update freshness',
      'alert:tickets update dead-letters',
    ]);
  });

  it('resolves when the condition clears, and a new breach is a new incident', async () => {
    const engine = new AlertEngine({ store: t.store, rules: defaultRules(), route: ['tickets'] });
    await engine.evaluate([{ status: aged(1000) }], T0);
    const cleared = await engine.evaluate([{ status: aged(10) }], T0 + 10 * MIN);
    expect(cleared.map((e) => e.event)).toEqual(['resolve']);
    expect(cleared[0]?.alert).toMatchObject({
      state: 'resolved',
      resolvedAt: T0 + 10 * MIN,
      since: T0,
    });
    expect(await listAlerts(t.store)).toEqual([]);
    // Quiet evaluations after the resolution send nothing more.
    expect(await engine.evaluate([{ status: aged(20) }], T0 + 11 * MIN)).toEqual([]);

    const reopened = await engine.evaluate([{ status: aged(1000) }], T0 + 60 * MIN);
    expect(reopened.map((e) => e.event)).toEqual(['open']);
    expect(reopened[0]?.alert.id).toBe(`gps-positions:freshness:${T0 + 60 * MIN}`);
    expect(await queued(t.store)).toEqual([
      'alert:tickets open freshness',
      'alert:tickets resolve freshness',
      'alert:tickets open freshness',
    ]);
  });

  it('escalates to the second sink once, after the delay, and tells it of the resolution', async () => {
    const engine = new AlertEngine({
      store: t.store,
      rules: defaultRules(),
      route: ['tickets'],
      escalation: { afterMs: 30 * MIN, to: ['mail'] },
    });
    const breach = { status: aged(1000) };
    await engine.evaluate([breach], T0);
    expect(await engine.evaluate([breach], T0 + 29 * MIN)).toEqual([]);
    const esc = await engine.evaluate([breach], T0 + 30 * MIN);
    expect(esc.map((e) => e.event)).toEqual(['escalate']);
    expect(esc[0]?.alert.escalated).toBe(true);
    expect(await engine.evaluate([breach], T0 + 45 * MIN)).toEqual([]);
    await engine.evaluate([{ status: aged(5) }], T0 + 50 * MIN);
    expect(await queued(t.store)).toEqual([
      'alert:tickets open freshness',
      'alert:mail escalate freshness',
      'alert:tickets resolve freshness',
      'alert:mail resolve freshness',
    ]);
  });

  it('does not escalate an alert resolved before the delay', async () => {
    const engine = new AlertEngine({
      store: t.store,
      rules: defaultRules(),
      route: ['tickets'],
      escalation: { afterMs: 30 * MIN, to: ['mail'] },
    });
    await engine.evaluate([{ status: aged(1000) }], T0);
    await engine.evaluate([{ status: aged(5) }], T0 + 10 * MIN);
    await engine.evaluate([{ status: aged(5) }], T0 + 40 * MIN);
    expect(await queued(t.store)).toEqual([
      'alert:tickets open freshness',
      'alert:tickets resolve freshness',
    ]);
  });

  it('keeps alerts of different integrations and conditions apart', async () => {
    const engine = new AlertEngine({ store: t.store, rules: defaultRules(), route: ['tickets'] });
    await engine.evaluate(
      [
        { status: status({ id: 'a', deadLetters: 3, breaker: 'open' }) },
        { status: { ...aged(2000), id: 'b' } },
      ],
      T0,
    );
    // The breaker must stay open 5 minutes before it is alerted on.
    await engine.evaluate(
      [
        { status: status({ id: 'a', deadLetters: 3, breaker: 'open' }) },
        { status: { ...aged(2000), id: 'b' } },
      ],
      T0 + 5 * MIN,
    );
    const open = await listAlerts(t.store);
    expect(open.map((a) => `${a.integration}:${a.condition}`).sort()).toEqual([
      'a:breaker-open',
      'a:dead-letters',
      'b:freshness',
    ]);
  });

  it('opens one incident when two processes sharing the store evaluate at once', async () => {
    const other = await openSqliteStore({ path: t.store.path });
    try {
      const a = new AlertEngine({ store: t.store, rules: [freshnessRule()], route: ['tickets'] });
      const b = new AlertEngine({ store: other, rules: [freshnessRule()], route: ['tickets'] });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).evaluate([{ status: aged(1000) }], T0)),
      );
      expect(results.flat().filter((e) => e.event === 'open')).toHaveLength(1);
      expect(await t.store.outbox.count(ALERT_OUTBOX)).toBe(1);
    } finally {
      await other.close();
    }
  });
});

describe('commandsFor', () => {
  it('names status, dead letters and a replay from the day the condition started', () => {
    expect(commandsFor('sap-loads', Date.UTC(2026, 10, 17, 23, 59))).toEqual([
      'patchbay status --only sap-loads',
      'patchbay dlq list sap-loads',
      'patchbay replay sap-loads --from 2026-11-17',
    ]);
  });
});
