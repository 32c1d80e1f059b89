/**
 * End to end through the real bin (`node bin/patchbay.js`, which loads the
 * built dist/): needs `npm run build` first, as `npm test` does.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readWarehouse } from '../connectors/simulated/index.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { cli, tempProject, type TempProject } from './__fixtures__/harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'patchbay.js');

// The child must load TypeScript configs the way users' processes do (via
// tsx), not the way vitest does, so vitest's own variables are left out.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')),
);

function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out, err })),
  );
  return { child, exited, stderr: () => err };
}

async function storeState(dir: string) {
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  try {
    return {
      last: (await store.runs.latest('orders')).last,
      checkpoint: (await store.checkpoints.get('orders', 'default'))?.value,
    };
  } finally {
    await store.close();
  }
}

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('node bin/patchbay.js', () => {
  it('run --for: SIGTERM mid-run drains, records the run and exits 0', async () => {
    project = tempProject({
      ordersPerRun: 2000,
      slowStepMs: 200,
      trigger: { type: 'schedule', every: '1h', runOnStart: true },
    });
    const dir = project.dir;
    const { child, exited } = spawnCli(['run', '--for', '3s', '--no-admin', '--project', dir]);
    await vi.waitFor(
      async () => {
        if ((await storeState(dir)).last?.status !== 'running')
          throw new Error('no run under way yet');
      },
      { timeout: 20_000, interval: 50 },
    );
    // status reads the store the running process writes to.
    const status = await cli(['status', '--json', '--project', dir]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({
      integrations: [{ id: 'orders', lastRun: { status: 'running' } }],
    });
    child.kill('SIGTERM');
    const { code, err } = await exited;
    expect(err).toContain('stopping (');
    expect(code).toBe(0);
    const { last, checkpoint } = await storeState(dir);
    expect(last?.finishedAt).not.toBeNull();
    expect(['cancelled', 'succeeded']).toContain(last?.status);
    // Graceful: everything up to the saved checkpoint reached the warehouse.
    const written = Object.keys(await readWarehouse(join(dir, 'warehouse.json'))).length;
    expect(written).toBe(checkpoint ?? 0);
  });

  it('run without an admin server keeps running until told to stop', async () => {
    project = tempProject({ trigger: { type: 'schedule', every: '1h' } });
    const { child, exited, stderr } = spawnCli(['run', '--no-admin', '--project', project.dir]);
    let early: number | null | undefined;
    void exited.then((r) => (early = r.code));
    // Wait for the start line rather than a fixed time: a loaded machine starts slowly,
    // and a SIGTERM before the handlers are installed would kill it outright.
    await vi.waitFor(
      () => {
        if (!stderr().includes('patchbay: running')) throw new Error('not started yet');
      },
      { timeout: 30_000, interval: 50 },
    );
    // Nothing but the keep-alive holds the loop now; without it the process would exit here.
    await new Promise((r) => setTimeout(r, 1500));
    expect(early).toBeUndefined();
    child.kill('SIGTERM');
    const { code, err } = await exited;
    expect(code).toBe(0);
    expect(err).toContain('patchbay: stopped');
  });

  it('check on the incomplete example exits non-zero naming the missing items', async () => {
    const { code, out } = await spawnCli([
      'check',
      '--project',
      join(root, 'examples', 'incomplete'),
    ]).exited;
    expect(code).toBe(1);
    expect(out).toContain('missing docs.runbook, docs.customerOwner');
    expect(out).toContain('check failed');
  });
});
