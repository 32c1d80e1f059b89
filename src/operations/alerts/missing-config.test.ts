import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempStore, type TempStore } from '../alert-sinks/__fixtures__/peers.js';
import { status } from './__fixtures__/status.js';
import { alertsSchema, type AlertsOptions } from './config.js';
import { AlertEngine, listAlerts } from './engine.js';
import { rulesFromConfig } from './from-config.js';
import { lastArrival, missingFromConfig } from './missing-config.js';
import type { Observation } from './types.js';

const MIN = 60_000;
// 02:00 in Berlin on 17 Nov 2026 (CET, UTC+1) is 01:00 UTC.
const DUE = Date.UTC(2026, 10, 17, 1, 0, 0);

/** The ERP import with one delivery on `stream` at `at` (none when null). */
function erp(at: number | null, stream = 'default'): Observation {
  return {
    status: status({
      id: 'erp-import',
      streams:
        at === null ? [] : [{ stream, lastDeliveryAt: at, freshnessSeconds: 0, stale: false }],
    }),
  };
}

const config: AlertsOptions = {
  sinks: {},
  route: ['t'],
  rules: {
    freshness: false,
    deadLetters: false,
    breakerOpen: false,
    schemaDrift: false,
    missing: [
      {
        integration: 'erp-import',
        name: 'erp-daily.csv',
        cron: '0 2 * * *',
        timezone: 'Europe/Berlin',
        window: '6h',
      },
    ],
  },
};

describe('missing/late arrivals from the alerts config', () => {
  let t: TempStore;
  beforeEach(async () => {
    t = await tempStore();
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('validates entries: time zone, duration and unique names', () => {
    const entry = { integration: 'a', name: 'x', cron: '0 2 * * *' };
    const r = alertsSchema.safeParse({
      sinks: {},
      route: [],
      rules: { missing: [entry, { ...entry, timezone: 'Mars/Olympus', window: 'soon' }] },
    });
    const found = r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'rules.missing.1.timezone: an IANA time zone such as "Europe/Berlin"',
        'rules.missing.1.window: expected a duration like "30s" or "15m"',
        'rules.missing.1.name: expected a unique name ("x" is used twice)',
      ]),
    );
    expect(() => missingFromConfig({ ...entry, cron: 'not a cron' })).toThrow(
      /alerts.rules.missing "x": cron "not a cron" is invalid/,
    );
  });

  it('opens when the due time passes without a delivery, resolves on a late one, and ignores other integrations', async () => {
    const rules = rulesFromConfig(config);
    expect(rules.map((r) => r.condition)).toEqual(['missing:erp-daily.csv']);
    const engine = new AlertEngine({ store: t.store, rules, route: ['t'] });

    // Yesterday's file came on time, so nothing fires before today's due time...
    const yesterday = DUE - 24 * 60 * MIN - 30 * MIN;
    expect(await engine.evaluate([erp(yesterday)], DUE - MIN)).toEqual([]);
    // ...but it is older than the 6 h window, so it does not count for today.
    const opened = await engine.evaluate([erp(yesterday), { status: status() }], DUE + 5 * MIN);
    expect(opened.map((e) => `${e.event} ${e.alert.integration} ${e.alert.condition}`)).toEqual([
      'open erp-import missing:erp-daily.csv',
    ]);
    expect(opened[0]?.alert.expected).toBe('erp-daily.csv by 2026-11-17T01:00:00.000Z');
    expect(opened[0]?.alert.actual).toBe('not arrived 5m after it was due');

    // The file arrives late: resolved.
    const late = DUE + 20 * MIN;
    expect((await engine.evaluate([erp(late)], late + MIN)).map((e) => e.event)).toEqual([
      'resolve',
    ]);
    expect(await listAlerts(t.store)).toEqual([]);
  });

  it('accepts an on-time delivery within the window, and counts only the named stream', () => {
    const rule = missingFromConfig({ ...config.rules!.missing![0]!, stream: 'daily' });
    const ctx = { now: DUE + MIN, state: undefined };
    expect(rule.evaluate(erp(DUE - 30 * MIN, 'daily'), ctx).finding).toBe(undefined);
    expect(rule.evaluate(erp(DUE - 30 * MIN, 'other'), ctx).finding?.severity).toBe('critical');
    // Without a window, anything since the previous due time counts.
    const wide = missingFromConfig({ integration: 'erp-import', name: 'f', cron: '0 2 * * *' });
    const utcDue = Date.UTC(2026, 10, 17, 2, 0, 0);
    const at = { now: utcDue + MIN, state: undefined };
    expect(wide.evaluate(erp(utcDue - 23 * 60 * MIN), at).finding).toBe(undefined);
    expect(wide.evaluate(erp(utcDue - 25 * 60 * MIN), at).finding?.actual).toBe(
      'not arrived 1m after it was due',
    );
  });

  it('reads the newest delivery of the streams as the arrival', () => {
    const obs = {
      status: status({
        streams: [
          { stream: 'a', lastDeliveryAt: 5, freshnessSeconds: 0, stale: false },
          { stream: 'b', lastDeliveryAt: 9, freshnessSeconds: 0, stale: false },
        ],
      }),
    };
    expect(lastArrival(obs)).toBe(9);
    expect(lastArrival(obs, 'a')).toBe(5);
    expect(lastArrival(obs, 'c')).toBe(null);
  });
});
