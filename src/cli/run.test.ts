import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readWarehouse } from '../connectors/simulated/index.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { cli, testIo, tempProject, type TempProject } from './__fixtures__/harness.js';
import { main } from './main.js';

// Generous: a loaded CI machine may take seconds to load a project.
const WAIT = { timeout: 15_000, interval: 20 };

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

async function latestRun(dir: string, id = 'orders') {
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  try {
    return (await store.runs.latest(id)).last;
  } finally {
    await store.close();
  }
}

describe('patchbay run --once', () => {
  it('writes to the warehouse, records the run and prints a summary', async () => {
    project = tempProject({ ordersPerRun: 30 });
    const { code, out } = await cli(['run', '--once', '--project', project.dir]);
    expect(code).toBe(0);
    expect(out).toMatch(/^orders\s+succeeded\s+read 30, written 30, skipped 0, dead-lettered 0/);
    expect(Object.keys(await readWarehouse(join(project.dir, 'warehouse.json')))).toHaveLength(30);
    const run = await latestRun(project.dir);
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'cli-once',
      counts: { written: 30 },
    });
  });

  it('prints JSON with --json and exits 0 for a partial run', async () => {
    project = tempProject({ badEvery: 10 });
    const { code, out } = await cli(['run', '--once', '--json', '--project', project.dir]);
    expect(code).toBe(0);
    const { runs } = JSON.parse(out) as {
      runs: Array<{ integration: string; status: string; counts: { deadLettered: number } }>;
    };
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      integration: 'orders',
      status: 'partial',
      counts: { deadLettered: 3 },
    });
  });

  it('exits 1 when a run fails, naming the error', async () => {
    project = tempProject({ sinkFailureRate: 1 });
    const { code, out } = await cli(['run', '--once', '--project', project.dir]);
    expect(code).toBe(1);
    expect(out).toMatch(/orders\s+failed/);
    expect(out).toContain('orders: http_5xx HTTP_503');
  });

  it('runs only the integrations named by --only', async () => {
    project = tempProject({ ticksReplay: 'none' });
    const { code, out } = await cli(['run', '--once', '--only', 'ticks', '--project', project.dir]);
    expect(code).toBe(0);
    expect(out).toMatch(/^ticks\s+succeeded/);
    expect(out).not.toContain('orders');
    expect(await latestRun(project.dir)).toBeUndefined();
  });
});

describe('patchbay run (service)', () => {
  it('serves metrics, readiness and the admin API, and stops gracefully on SIGTERM with exit 0', async () => {
    project = tempProject({ badEvery: 10 });
    const io = testIo();
    const exit = main(['run', '--admin-port', '0', '--project', project.dir], io);
    const url = await vi.waitFor(() => {
      const m = /admin server on (http:\/\/\S+)/.exec(io.err());
      if (!m?.[1]) throw new Error('admin server not up yet');
      return m[1];
    }, WAIT);
    const ready = await vi.waitFor(async () => {
      const res = await fetch(`${url}/readyz`);
      if (res.status !== 200) throw new Error(`readyz ${res.status}`);
      return (await res.json()) as { checks: Array<{ name: string; ok: boolean }> };
    }, WAIT);
    expect(ready.checks.map((c) => c.name).sort()).toEqual(['runtime', 'store']);

    const integrations = (await (await fetch(`${url}/api/integrations`)).json()) as Array<{
      id: string;
      source: { replay: string };
    }>;
    expect(integrations).toMatchObject([{ id: 'orders', source: { replay: 'checkpoint' } }]);

    const runRes = await fetch(`${url}/api/integrations/orders/run`, { method: 'POST' });
    expect(runRes.status).toBe(200);
    expect(await runRes.json()).toMatchObject({
      status: 'partial',
      counts: { read: 30, deadLettered: 3 },
    });

    const status = (await (await fetch(`${url}/api/status`)).json()) as Array<{
      id: string;
      deadLetters: number;
      lastRun: { trigger: string };
    }>;
    expect(status[0]).toMatchObject({
      id: 'orders',
      deadLetters: 3,
      lastRun: { trigger: 'admin-api' },
    });

    const metrics = await vi.waitFor(async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      if (!text.includes('patchbay_integration_dead_letter_depth{integration="orders"} 3'))
        throw new Error('gauge not refreshed');
      return text;
    }, WAIT);
    expect(metrics).toContain(
      'patchbay_integration_items_total{integration="orders",stage="written"} 27',
    );

    expect((await fetch(`${url}/api/integrations/nope/run`, { method: 'POST' })).status).toBe(404);

    io.signal('SIGTERM');
    expect(await exit).toBe(0);
    expect(io.err()).toContain('stopping (SIGTERM)');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('runs scheduled integrations until --for elapses, then stops with exit 0', async () => {
    project = tempProject({ trigger: { type: 'schedule', every: '1h', runOnStart: true } });
    const io = testIo();
    const code = await main(['run', '--for', '1s', '--no-admin', '--project', project.dir], io);
    expect(code).toBe(0);
    expect(io.err()).toContain('stopping (--for 1s elapsed)');
    const run = await latestRun(project.dir);
    expect(run?.trigger).toBe('startup');
    expect(run?.finishedAt).not.toBeNull();
  });

  it('gives up waiting for the drain on a second signal, with exit 1', async () => {
    project = tempProject({
      slowStepMs: 300,
      ordersPerRun: 400,
      trigger: { type: 'schedule', every: '1h', runOnStart: true },
    });
    const dir = project.dir;
    const io = testIo();
    const exit = main(['run', '--no-admin', '--project', dir], io);
    await vi.waitFor(async () => {
      if ((await latestRun(dir))?.status !== 'running') throw new Error('not running yet');
    }, WAIT);
    io.signal('SIGINT');
    io.signal('SIGINT');
    expect(await exit).toBe(1);
    expect(io.err()).toContain('second SIGINT');
    // The drain goes on in the background; let it finish before the folder goes.
    await vi.waitFor(
      async () => {
        if ((await latestRun(dir))?.status === 'running') throw new Error('still draining');
      },
      { timeout: 20_000 },
    );
  });
});
