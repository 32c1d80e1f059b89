import { describe, expect, it } from 'vitest';
import { PatchbayMetrics } from './metrics.js';

function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('PatchbayMetrics', () => {
  it('exports every domain metric as a labelled Prometheus series', async () => {
    const c = clock();
    const m = new PatchbayMetrics({ now: c.now });
    m.recordCall({ integration: 'gps-positions', outcome: 'success', latencyMs: 40 });
    m.recordCall({ integration: 'gps-positions', outcome: 'success', latencyMs: 60 });
    m.recordCall({
      integration: 'gps-positions',
      outcome: 'failure',
      errorKind: 'timeout',
      latencyMs: 30_000,
    });
    m.recordCall({
      integration: 'gps-positions',
      outcome: 'failure',
      errorKind: 'rate_limited',
      latencyMs: 5,
    });
    m.recordCall({ integration: 'gps-positions', outcome: 'failure', latencyMs: 5 });
    m.recordItems('gps-positions', 'read', 250);
    m.recordItems('gps-positions', 'written', 248);
    m.recordItems('gps-positions', 'dead_lettered', 2);
    m.recordItems('gps-positions', 'skipped', 0);
    m.setFreshness('gps-positions', 42);
    m.setDeadLetterDepth('gps-positions', 2);
    m.setBreakerState('gps-positions', 'half-open');
    m.recordStaleServed('gps-positions');

    const text = await m.prometheus();
    const lines = [
      'patchbay_integration_success_count{integration="gps-positions"} 2',
      'patchbay_integration_error_count_by_kind{integration="gps-positions",kind="timeout"} 1',
      'patchbay_integration_error_count_by_kind{integration="gps-positions",kind="rate_limited"} 1',
      'patchbay_integration_error_count_by_kind{integration="gps-positions",kind="unclassified"} 1',
      'patchbay_integration_latency_ms_count{integration="gps-positions",outcome="success"} 2',
      'patchbay_integration_latency_ms_bucket{le="50",integration="gps-positions",outcome="success"} 1',
      'patchbay_integration_latency_ms_count{integration="gps-positions",outcome="failure"} 3',
      'patchbay_integration_latency_p99_ms{integration="gps-positions"} 30000',
      'patchbay_integration_freshness_seconds{integration="gps-positions"} 42',
      'patchbay_integration_dead_letter_depth{integration="gps-positions"} 2',
      'patchbay_integration_stale_served{integration="gps-positions"} 1',
      'patchbay_integration_breaker_state{integration="gps-positions"} 1',
      'patchbay_integration_items_total{integration="gps-positions",stage="read"} 250',
      'patchbay_integration_items_total{integration="gps-positions",stage="written"} 248',
      'patchbay_integration_items_total{integration="gps-positions",stage="dead_lettered"} 2',
    ];
    for (const line of lines) expect(text).toContain(line);
    expect(text).not.toContain('stage="skipped"');
    expect(text).toContain('# TYPE patchbay_integration_latency_ms histogram');
    expect(text).toContain('# TYPE patchbay_integration_latency_p99_ms gauge');
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('snapshots under the domain names', () => {
    const m = new PatchbayMetrics({ now: clock().now });
    m.recordCall({ integration: 'gps-positions', outcome: 'success', latencyMs: 12, stale: true });
    m.recordCall({
      integration: 'gps-positions',
      outcome: 'failure',
      errorKind: 'http_5xx',
      latencyMs: 80,
    });
    m.recordCall({
      integration: 'gps-positions',
      outcome: 'success',
      latencyMs: 3,
      notModified: true,
    });
    m.recordItems('gps-positions', 'read');
    m.setDeadLetterDepth('gps-positions', 0);
    m.setBreakerState('gps-positions', 2);
    m.registerIntegration('sap-loads');
    expect(m.snapshot()).toEqual({
      'integration.gps-positions.success_count': 2,
      'integration.gps-positions.error_count_by_kind.http_5xx': 1,
      'integration.gps-positions.latency_p99_ms': 80,
      'integration.gps-positions.dead_letter_depth': 0,
      'integration.gps-positions.stale_served': 1,
      'integration.gps-positions.not_modified': 1,
      'integration.gps-positions.breaker_state': 2,
      'integration.gps-positions.items_total.read': 1,
      'integration.sap-loads.success_count': 0,
      'integration.sap-loads.stale_served': 0,
      'integration.sap-loads.not_modified': 0,
    });
  });

  it('shows a registered integration at zero before its first call', async () => {
    const m = new PatchbayMetrics();
    m.registerIntegration('hr-extract');
    const text = await m.prometheus();
    expect(text).toContain('patchbay_integration_success_count{integration="hr-extract"} 0');
    // No calls, no p99: absent rather than a misleading 0.
    expect(text).not.toContain('patchbay_integration_latency_p99_ms{integration="hr-extract"}');
  });

  it('computes p99 over the sliding window at scrape time', async () => {
    const c = clock();
    const m = new PatchbayMetrics({ now: c.now, latencyWindowMs: 300_000 });
    for (let ms = 1; ms <= 200; ms++)
      m.recordCall({ integration: 'a', outcome: 'success', latencyMs: ms });
    expect(m.snapshot()['integration.a.latency_p99_ms']).toBe(198);
    c.advance(400_000);
    for (let i = 0; i < 10; i++)
      m.recordCall({ integration: 'a', outcome: 'success', latencyMs: 3 });
    expect(m.snapshot()['integration.a.latency_p99_ms']).toBe(3);
    expect(await m.prometheus()).toContain(
      'patchbay_integration_latency_p99_ms{integration="a"} 3',
    );
  });

  it('keeps freshness growing after markFresh', async () => {
    const c = clock();
    const m = new PatchbayMetrics({ now: c.now });
    m.markFresh('gps-positions');
    c.advance(90_000);
    expect(m.snapshot()['integration.gps-positions.freshness_seconds']).toBe(90);
    c.advance(30_000);
    expect(await m.prometheus()).toContain(
      'patchbay_integration_freshness_seconds{integration="gps-positions"} 120',
    );
    m.markFresh('gps-positions', c.now() - 5_000);
    expect(m.snapshot()['integration.gps-positions.freshness_seconds']).toBe(5);
  });

  it('maps breaker states to 0, 1, 2', () => {
    const m = new PatchbayMetrics();
    const states = ['closed', 'half-open', 'open'] as const;
    expect(
      states.map((s) => {
        m.setBreakerState('x', s);
        return m.snapshot()['integration.x.breaker_state'];
      }),
    ).toEqual([0, 1, 2]);
  });

  it('keeps registries apart and can add process metrics', async () => {
    const a = new PatchbayMetrics({ defaultMetrics: true });
    const b = new PatchbayMetrics();
    a.recordCall({ integration: 'only-a', outcome: 'success', latencyMs: 1 });
    expect(await b.prometheus()).not.toContain('only-a');
    const text = await a.prometheus();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });

  it('ignores bad latencies without losing the count', () => {
    const m = new PatchbayMetrics();
    m.recordCall({ integration: 'x', outcome: 'success', latencyMs: Number.NaN });
    m.recordCall({ integration: 'x', outcome: 'success', latencyMs: -3 });
    const snap = m.snapshot();
    expect(snap['integration.x.success_count']).toBe(2);
    expect(snap['integration.x.latency_p99_ms']).toBe(0);
  });
});
