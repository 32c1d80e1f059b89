import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../core/integration.js';
import { PatchbayMetrics } from '../observability/metrics.js';
import { createRuntime } from '../runtime/runtime.js';
import type { IntegrationStatus } from '../runtime/status.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { tempStore, type TempStore } from './alert-sinks/__fixtures__/peers.js';
import { status } from './alerts/__fixtures__/status.js';
import { AlertEngine, listAlerts } from './alerts/engine.js';
import { rulesFromConfig } from './alerts/from-config.js';
import { freshnessRule, latencyRule } from './alerts/rules.js';
import { FreshnessMonitor } from './freshness.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;

describe('FreshnessMonitor', () => {
  let t: TempStore;
  let clock: number;
  const now = () => clock;
  beforeEach(async () => {
    t = await tempStore();
    clock = T0;
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('exposes the age of the last success as the freshness gauge and alerts on a breach, end to end', async () => {
    const positions = defineIntegration({
      id: 'gps-positions',
      owner: 'logistics',
      pattern: 'rest-poll',
      trigger: { type: 'manual' },
      source: memorySource({
        batches: [
          { items: [{ key: '1', data: { n: 1 } }], checkpoint: { kind: 'offset', value: 1 } },
        ],
      }),
      sink: collectingSink(),
      freshness: { maxAge: '15m' },
    });
    const runtime = await createRuntime({ integrations: [positions], store: t.store, now });
    const metrics = new PatchbayMetrics({ now });
    const engine = new AlertEngine({
      store: t.store,
      rules: [freshnessRule()],
      route: ['tickets'],
    });
    const monitor = new FreshnessMonitor({ read: () => runtime.status(), engine, metrics, now });

    expect((await runtime.run('gps-positions')).status).toBe('succeeded');
    clock = T0 + 10 * MIN;
    expect(await monitor.evaluate()).toEqual([]);
    expect(metrics.snapshot()['integration.gps-positions.freshness_seconds']).toBe(600);

    clock = T0 + 20 * MIN;
    const events = await monitor.evaluate();
    expect(events.map((e) => `${e.event} ${e.alert.condition}: ${e.alert.actual}`)).toEqual([
      'open freshness: last success 20m ago',
    ]);
    expect(metrics.snapshot()['integration.gps-positions.freshness_seconds']).toBe(1200);
    expect(await metrics.prometheus()).toContain(
      'patchbay_integration_freshness_seconds{integration="gps-positions"} 1200',
    );

    // A new success makes the data fresh again: gauge back near zero, alert resolved.
    expect((await runtime.run('gps-positions')).status).toBe('succeeded');
    clock = T0 + 21 * MIN;
    expect((await monitor.evaluate()).map((e) => e.event)).toEqual(['resolve']);
    expect(metrics.snapshot()['integration.gps-positions.freshness_seconds']).toBe(60);
    expect(await listAlerts(t.store)).toEqual([]);
  });

  it('keeps the gauge growing between evaluations and leaves it absent before any success', async () => {
    const metrics = new PatchbayMetrics({ now });
    const statuses: IntegrationStatus[] = [
      status({ id: 'a', lastSuccessAt: T0 - 30_000 }),
      status({ id: 'never', lastSuccessAt: null, freshnessSeconds: null }),
    ];
    const monitor = new FreshnessMonitor({ read: async () => statuses, metrics, now });
    expect(await monitor.evaluate()).toEqual([]); // no engine: gauges only
    clock = T0 + 90_000;
    const snap = metrics.snapshot();
    expect(snap['integration.a.freshness_seconds']).toBe(120);
    expect('integration.never.freshness_seconds' in snap).toBe(false);
  });

  it('feeds the measured p99 latency to the latency rule', async () => {
    const metrics = new PatchbayMetrics({ now });
    for (let i = 0; i < 100; i++) {
      metrics.recordCall({ integration: 'gps-positions', outcome: 'success', latencyMs: 3000 });
    }
    const engine = new AlertEngine({
      store: t.store,
      rules: [latencyRule({ p99Ms: 2000 })],
      route: ['tickets'],
    });
    const monitor = new FreshnessMonitor({ read: async () => [status()], engine, metrics, now });
    const events = await monitor.evaluate();
    expect(events.map((e) => `${e.alert.condition}: ${e.alert.actual}`)).toEqual([
      'latency: p99 latency 3000 ms',
    ]);
  });

  it('gives rules per-minute counter rates, so a configured anomaly rule fires on a collapsed rate', async () => {
    const metrics = new PatchbayMetrics({ now });
    const rules = rulesFromConfig({
      sinks: {},
      route: [],
      rules: {
        freshness: false,
        deadLetters: false,
        breakerOpen: false,
        anomaly: [{ value: 'items_total.written.per_minute' }],
      },
    });
    const engine = new AlertEngine({ store: t.store, rules, route: ['tickets'] });
    const monitor = new FreshnessMonitor({ read: async () => [status()], engine, metrics, now });
    const seen: Array<number | undefined> = [];
    const perMinute = [120, 118, 122, 121, 119, 120, 3];
    for (const n of [0, ...perMinute]) {
      metrics.recordItems('gps-positions', 'written', n);
      const events = await monitor.evaluate();
      const open = await listAlerts(t.store);
      seen.push(open.length);
      if (events.length > 0) {
        expect(events[0]?.alert).toMatchObject({
          condition: 'anomaly:items_total.written.per_minute',
          actual: 'items_total.written.per_minute 3',
        });
      }
      clock += MIN;
    }
    // First evaluation has no previous one (no rate); five samples make the baseline.
    expect(seen).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('evaluates on its interval until stopped, reporting failures instead of throwing', async () => {
    const errors: unknown[] = [];
    let reads = 0;
    const monitor = new FreshnessMonitor({
      read: async () => {
        reads += 1;
        throw new Error('store unavailable');
      },
      onError: (err) => errors.push(err),
    });
    monitor.start(5);
    await expect.poll(() => errors.length).toBeGreaterThanOrEqual(2);
    await monitor.stop();
    const after = reads;
    await new Promise((r) => setTimeout(r, 30));
    expect(reads).toBe(after);
    expect(String(errors[0])).toContain('store unavailable');
  });
});
