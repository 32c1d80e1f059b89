import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readWarehouse } from '../connectors/simulated/index.js';
import { cli, testIo, tempProject, type TempProject } from './__fixtures__/harness.js';

let project: TempProject;
let dir: string;

interface ListJson {
  total: number;
  letters: Array<{
    id: string;
    itemKey: string;
    stage: string;
    retries: number;
    error: { kind: string; code: string };
  }>;
}

async function list(): Promise<ListJson> {
  const { code, out } = await cli(['dlq', 'list', 'orders', '--json', '--project', dir]);
  expect(code).toBe(0);
  return JSON.parse(out) as ListJson;
}

beforeEach(async () => {
  // Every 10th order has no customer: the mapping step rejects it until "fixed".
  project = tempProject({ badEvery: 10, fixable: true });
  dir = project.dir;
  expect((await cli(['run', '--once', '--project', dir])).code).toBe(0);
});
afterEach(() => project.cleanup());

describe('patchbay dlq list / show', () => {
  it('lists the letters with key, stage, error and a count', async () => {
    const { code, out } = await cli(['dlq', 'list', 'orders', '--project', dir]);
    expect(code).toBe(0);
    expect(out).toMatch(/^ID\s+KEY\s+STAGE\s+ERROR\s+ATTEMPTS\s+RETRIES\s+LAST SEEN\s+MESSAGE/);
    expect(out).toContain('ORD-000010');
    expect(out).toContain('validation PERMANENT');
    expect(out).toContain('3 of 3 dead letters of orders');
    const json = await list();
    expect(json.total).toBe(3);
    expect(json.letters.map((l) => l.itemKey).sort()).toEqual([
      'ORD-000010',
      'ORD-000020',
      'ORD-000030',
    ]);
    const limited = await cli([
      'dlq',
      'list',
      'orders',
      '--limit',
      '1',
      '--json',
      '--project',
      dir,
    ]);
    expect((JSON.parse(limited.out) as ListJson).letters).toHaveLength(1);
  });

  it('shows one letter with its raw input, error and times', async () => {
    const [letter] = (await list()).letters;
    const { code, out } = await cli(['dlq', 'show', letter?.id ?? '', '--project', dir]);
    expect(code).toBe(0);
    expect(out).toContain(`dead letter ${letter?.id}`);
    expect(out).toMatch(/error\s+validation PERMANENT: order ORD-0000\d0 has no customer/);
    expect(out).toMatch(/first seen\s+\d{4}-\d\d-\d\dT/);
    expect(out).toContain('"customer_id": null');
    const json = JSON.parse(
      (await cli(['dlq', 'show', letter?.id ?? '', '--json', '--project', dir])).out,
    ) as Record<string, unknown>;
    expect(json).toMatchObject({
      id: letter?.id,
      integrationId: 'orders',
      attempts: 1,
      raw: { customer_id: null },
    });
  });

  it('answers an unknown letter id with exit 2', async () => {
    const { code, err } = await cli(['dlq', 'show', 'no-such-letter', '--project', dir]);
    expect(code).toBe(2);
    expect(err).toContain('no dead letter with id no-such-letter');
  });
});

describe('patchbay dlq retry', () => {
  it('exits 1 and counts a retry when the letters fail again', async () => {
    const { code, out } = await cli(['dlq', 'retry', 'orders', '--all', '--project', dir]);
    expect(code).toBe(1);
    expect(out).toContain('retried 3 dead letters of orders: 0 succeeded, 3 failed');
    expect((await list()).letters.every((l) => l.retries === 1)).toBe(true);
  });

  it('removes letters that succeed, by id or all, and writes them to the sink', async () => {
    writeFileSync(join(dir, 'fixed'), '');
    const [first] = (await list()).letters;
    const one = await cli(['dlq', 'retry', 'orders', first?.id ?? '', '--project', dir]);
    expect(one.code).toBe(0);
    expect(one.out).toContain('retried 1 dead letter of orders: 1 succeeded, 0 failed');
    expect((await list()).total).toBe(2);
    const all = await cli(['dlq', 'retry', 'orders', '--all', '--json', '--project', dir]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.out)).toMatchObject({ retried: 2, failed: [] });
    expect((await list()).total).toBe(0);
    const warehouse = await readWarehouse(join(dir, 'warehouse.json'));
    expect(warehouse['ORD-000010']).toMatchObject({ customerId: 'C-FIXED' });
  });

  it('refuses a retry without ids or --all, and ids of another integration', async () => {
    const none = await cli(['dlq', 'retry', 'orders', '--project', dir]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('name the dead letters to retry, or pass --all');
    const both = await cli(['dlq', 'retry', 'orders', 'x', '--all', '--project', dir]);
    expect(both.code).toBe(2);
    const unknown = await cli(['dlq', 'retry', 'orders', 'nope', '--project', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no dead letter with id nope');
  });
});

describe('patchbay dlq drop', () => {
  it('drops letters by id', async () => {
    const [first] = (await list()).letters;
    const { code, out } = await cli(['dlq', 'drop', 'orders', first?.id ?? '', '--project', dir]);
    expect(code).toBe(0);
    expect(out).toContain('dropped 1 dead letter of orders');
    expect((await list()).total).toBe(2);
  });

  it('needs --yes for --all when not interactive, exit 2', async () => {
    const { code, err } = await cli(['dlq', 'drop', 'orders', '--all', '--project', dir]);
    expect(code).toBe(2);
    expect(err).toContain('needs --yes when not run from a terminal');
    expect((await list()).total).toBe(3);
  });

  it('asks on a terminal and drops only after yes', async () => {
    const declined = await cli(
      ['dlq', 'drop', 'orders', '--all', '--project', dir],
      testIo({ interactive: true, answer: 'n' }),
    );
    expect(declined.code).toBe(1);
    expect((await list()).total).toBe(3);
    const confirmed = await cli(
      ['dlq', 'drop', 'orders', '--all', '--project', dir],
      testIo({ interactive: true, answer: 'y' }),
    );
    expect(confirmed.code).toBe(0);
    expect(confirmed.out).toContain('dropped 3 dead letters of orders');
  });

  it('drops all with --yes', async () => {
    const { code, out } = await cli([
      'dlq',
      'drop',
      'orders',
      '--all',
      '--yes',
      '--json',
      '--project',
      dir,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ integration: 'orders', dropped: 3 });
    expect((await list()).total).toBe(0);
  });
});
