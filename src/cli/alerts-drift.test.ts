import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import { readDrift, recordDrift } from '../store/drift-log.js';
import { cli, tempProject, type TempProject } from './__fixtures__/harness.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

describe('schema drift in the CLI', () => {
  it('shows recorded drift in status and acknowledges it with alerts ack-drift', async () => {
    project = tempProject({ ticksReplay: 'none' });
    const path = join(project.dir, 'state.db');
    const seeded = await openSqliteStore({ path });
    await recordDrift(
      seeded.cache,
      'orders',
      'order',
      [
        { kind: 'added', field: 'channel', to: 'string' },
        { kind: 'removed', field: 'total', from: 'number' },
      ],
      Date.now() - 120_000,
    );
    await seeded.close();

    const before = await cli(['status', '--only', 'orders', '--project', project.dir]);
    expect(before.code).toBe(0);
    expect(before.out).toMatch(
      /schema drift {2}new channel; missing total since 2m\S* ago {2}\(patchbay alerts ack-drift orders\)/,
    );

    const acked = await cli(['alerts', 'ack-drift', 'orders', '--project', project.dir]);
    expect(acked.code).toBe(0);
    expect(acked.out).toContain('acknowledged the schema drift of orders');
    const again = await cli(['alerts', 'ack-drift', 'orders', '--project', project.dir]);
    expect(again.out).toContain('orders has no unacknowledged schema drift');
    const unknown = await cli(['alerts', 'ack-drift', 'nope', '--project', project.dir]);
    expect(unknown.code).toBe(2);

    const after = await cli(['status', '--json', '--only', 'orders', '--project', project.dir]);
    const report = JSON.parse(after.out) as { integrations: Array<{ drift: unknown }> };
    expect(report.integrations[0]?.drift).toMatchObject({
      added: ['channel'],
      removed: ['total'],
      acknowledgedAt: expect.any(Number),
    });
    const reopened = await openSqliteStore({ path });
    expect((await readDrift(reopened.cache, 'orders'))?.acknowledgedAt).not.toBe(null);
    await reopened.close();
  });
});
