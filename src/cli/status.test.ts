import { afterEach, describe, expect, it } from 'vitest';
import { cli, tempProject, type TempProject } from './__fixtures__/harness.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('patchbay status', () => {
  it('shows every integration before any run', async () => {
    project = tempProject({ ticksReplay: 'none' });
    const { code, out } = await cli(['status', '--project', project.dir]);
    expect(code).toBe(0);
    expect(out).toContain('orders  rest-poll  owner integrations  STALE');
    expect(out).toContain('ticks  queue  owner integrations');
    expect(out).toMatch(/last run\s+never/);
    expect(out).toContain('2 integrations; 1 stale (orders); 0 dead letters');
  });

  it('shows the last run, freshness, errors by kind, dead letters and checkpoint after a run', async () => {
    project = tempProject({ badEvery: 10 });
    expect((await cli(['run', '--once', '--project', project.dir])).code).toBe(0);
    const { code, out } = await cli(['status', '--project', project.dir]);
    expect(code).toBe(0);
    expect(out).toMatch(/last run\s+partial (just now|\S+ ago) \(cli-once, live\)/);
    expect(out).toMatch(/errors \(24h\)\s+http_4xx \d+/);
    expect(out).toMatch(/dead letters\s+3 {2}\(patchbay dlq list orders\)/);
    expect(out).toMatch(/breaker\s+off/);
    expect(out).toMatch(/checkpoint\s+30/);
  });

  it('names the sink side’s breaker when the warehouse is down, in text and JSON', async () => {
    project = tempProject({ sinkFailureRate: 1, breaker: true });
    await cli(['run', '--once', '--project', project.dir]);
    const text = await cli(['status', '--project', project.dir]);
    expect(text.out).toMatch(/breaker\s+closed \(source\), open \(sink\)\n/);
    const { out } = await cli(['status', '--json', '--project', project.dir]);
    const report = JSON.parse(out) as {
      integrations: Array<Record<string, unknown>>;
      metrics: Record<string, number>;
    };
    expect(report.integrations[0]).toMatchObject({ breaker: 'closed', sinkBreaker: 'open' });
    expect(report.metrics['integration.orders.breaker_state']).toBe(0);
    expect(report.metrics['integration.orders.breaker_state.sink']).toBe(2);
  });

  it('prints JSON with the status fields and the metric names', async () => {
    project = tempProject({});
    await cli(['run', '--once', '--project', project.dir]);
    const { code, out } = await cli(['status', '--json', '--project', project.dir]);
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      project: string;
      integrations: Array<Record<string, unknown>>;
      metrics: Record<string, number>;
    };
    expect(report.project).toBe('fixture');
    expect(report.integrations[0]).toMatchObject({
      id: 'orders',
      lastRun: { status: 'succeeded', mode: 'live' },
      stale: false,
      freshnessLimitSeconds: 3600,
      deadLetters: 0,
      breaker: 'off',
      sinkBreaker: 'off',
      checkpoint: 30,
      errorsByKind: {},
    });
    expect(typeof report.integrations[0]?.['lastSuccessAt']).toBe('number');
    expect(report.metrics['integration.orders.dead_letter_depth']).toBe(0);
    expect(report.metrics['integration.orders.freshness_seconds']).toBeGreaterThanOrEqual(0);
  });
});
