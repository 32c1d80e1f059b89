import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceBatch } from '../core/connector.js';
import { defineIntegration } from '../core/integration.js';
import { domainMetrics } from '../cli/gauges.js';
import { printStatus } from '../cli/commands/status.js';
import type { CliIo } from '../cli/io.js';
import { PatchbayMetrics } from '../observability/metrics.js';
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { tempStore, type TempStore } from './alert-sinks/__fixtures__/peers.js';
import { status } from './alerts/__fixtures__/status.js';
import { AlertEngine, listAlerts } from './alerts/engine.js';
import { freshnessRule } from './alerts/rules.js';
import { FreshnessMonitor } from './freshness.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;

function batch(stream: string, n: number): SourceBatch {
  return {
    items: [{ key: `${stream}-${n}`, data: { stream, n } }],
    checkpoint: { stream, kind: 'offset', value: n },
  };
}

function captureIo(): { io: CliIo; text: () => string } {
  let written = '';
  const stream = { write: (chunk: string) => (written += chunk) };
  const io = { stdout: stream, stderr: stream } as unknown as CliIo;
  return { io, text: () => written };
}

describe('per-entity-stream freshness', () => {
  let t: TempStore;
  let clock: number;
  let plan: SourceBatch[];
  let runtime: Runtime;
  const now = () => clock;

  beforeEach(async () => {
    t = await tempStore();
    clock = T0;
    plan = [];
    const fleet = defineIntegration({
      id: 'fleet',
      owner: 'logistics',
      pattern: 'rest-poll',
      trigger: { type: 'manual' },
      source: memorySource({
        batches: async function* () {
          yield* plan;
        },
      }),
      sink: collectingSink(),
      freshness: { maxAge: '15m' },
    });
    runtime = await createRuntime({ integrations: [fleet], store: t.store, now });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('reports each stream by its last delivery, alerts on the stale one while another is fresh, and resolves', async () => {
    plan = [batch('positions', 1), batch('vehicles', 1)];
    expect((await runtime.run('fleet')).status).toBe('succeeded');
    clock = T0 + 10 * MIN;
    // Only positions moves: vehicles keeps its T0 delivery.
    plan = [batch('positions', 2)];
    expect((await runtime.run('fleet')).status).toBe('succeeded');

    clock = T0 + 20 * MIN;
    const [s] = await runtime.status();
    expect(s?.stale).toBe(false); // the last run succeeded 10 minutes ago
    expect(s?.streams).toEqual([
      { stream: 'positions', lastDeliveryAt: T0 + 10 * MIN, freshnessSeconds: 600, stale: false },
      { stream: 'vehicles', lastDeliveryAt: T0, freshnessSeconds: 1200, stale: true },
    ]);

    const metrics = new PatchbayMetrics({ now });
    const engine = new AlertEngine({ store: t.store, rules: [freshnessRule()], route: ['t'] });
    const monitor = new FreshnessMonitor({ read: () => runtime.status(), engine, metrics, now });
    const opened = await monitor.evaluate();
    expect(opened.map((e) => `${e.event} ${e.alert.severity}: ${e.alert.actual}`)).toEqual([
      'open warning: stream vehicles last delivered 20m ago',
    ]);

    // The per-integration gauge is unchanged; streams are extra series with a stream label.
    const snap = metrics.snapshot();
    expect(snap['integration.fleet.freshness_seconds']).toBe(600);
    expect(snap['integration.fleet.freshness_seconds.vehicles']).toBe(1200);
    expect(snap['integration.fleet.freshness_seconds.positions']).toBe(600);
    const prom = await metrics.prometheus();
    expect(prom).toContain('patchbay_integration_freshness_seconds{integration="fleet"} 600');
    expect(prom).toContain(
      'patchbay_integration_freshness_seconds{integration="fleet",stream="vehicles"} 1200',
    );

    // Past twice the limit the same alert steps up to critical (an update, not a second alert).
    clock = T0 + 31 * MIN;
    plan = [batch('positions', 3)];
    await runtime.run('fleet');
    expect((await monitor.evaluate()).map((e) => `${e.event} ${e.alert.severity}`)).toEqual([
      'update critical',
    ]);

    // vehicles delivers again: resolved.
    clock = T0 + 32 * MIN;
    plan = [batch('vehicles', 2)];
    await runtime.run('fleet');
    expect((await monitor.evaluate()).map((e) => e.event)).toEqual(['resolve']);
    expect(await listAlerts(t.store)).toEqual([]);
  });

  it('shows streams in patchbay status, human and JSON metric names', async () => {
    plan = [batch('positions', 1), batch('vehicles', 1)];
    await runtime.run('fleet');
    clock = T0 + 20 * MIN;
    plan = [batch('positions', 2)];
    await runtime.run('fleet');
    clock = T0 + 25 * MIN;
    const statuses = await runtime.status();
    const { io, text } = captureIo();
    printStatus(io, statuses, clock);
    expect(text()).toMatch(/stream positions\s+5m \(limit 15m\)\n/);
    expect(text()).toMatch(/stream vehicles\s+25m \(limit 15m\) {2}STALE/);
    const named = domainMetrics(statuses);
    expect(named['integration.fleet.freshness_seconds']).toBe(300);
    expect(named['integration.fleet.freshness_seconds.vehicles']).toBe(1500);
  });

  it('judges a single-stream integration by its runs, and ignores streams when told to', () => {
    const one = status({
      streams: [{ stream: 'default', lastDeliveryAt: 0, freshnessSeconds: 5000, stale: true }],
    });
    expect(freshnessRule().evaluate({ status: one }, { now: T0, state: undefined }).finding).toBe(
      undefined,
    );
    const two = status({
      streams: [
        { stream: 'a', lastDeliveryAt: 0, freshnessSeconds: 60, stale: false },
        { stream: 'b', lastDeliveryAt: 0, freshnessSeconds: 1000, stale: true },
      ],
    });
    expect(
      freshnessRule().evaluate({ status: two }, { now: T0, state: undefined }).finding,
    ).toEqual({
      severity: 'warning',
      expected: 'data at most 15m old',
      actual: 'stream b last delivered 16m40s ago',
      fingerprint: 'warning:b',
    });
    const off = freshnessRule({ streams: false });
    expect(off.evaluate({ status: two }, { now: T0, state: undefined }).finding).toBe(undefined);
  });
});
