import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readWarehouse } from '../connectors/simulated/index.js';
import { signStandardWebhook } from '../connectors/webhook/index.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { cli, tempProject, type TempProject } from './__fixtures__/harness.js';

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

async function state(dir: string) {
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  try {
    return {
      checkpoint: (await store.checkpoints.get('orders', 'default'))?.value,
      last: (await store.runs.latest('orders')).last,
    };
  } finally {
    await store.close();
  }
}

describe('patchbay replay', () => {
  it('replays a range through the sink without moving the live checkpoint', async () => {
    project = tempProject({ ordersPerRun: 30 });
    const dir = project.dir;
    expect((await cli(['run', '--once', '--project', dir])).code).toBe(0);
    const before = await state(dir);
    expect(before.checkpoint).toBe(30);

    const { code, out } = await cli([
      'replay',
      'orders',
      '--from',
      '30',
      '--to',
      '45',
      '--project',
      dir,
    ]);
    expect(code).toBe(0);
    expect(out).toContain('replay of orders from 30 to 45: succeeded');
    expect(out).toContain('read 15, written 15');
    expect(out).toContain('the live checkpoint was not moved');

    const after = await state(dir);
    expect(after.checkpoint).toBe(30);
    expect(after.last).toMatchObject({
      mode: 'replay',
      trigger: 'cli-replay',
      status: 'succeeded',
    });
    expect(Object.keys(await readWarehouse(join(dir, 'warehouse.json')))).toHaveLength(45);
  });

  it('with --dry-run reads and maps but writes nothing', async () => {
    project = tempProject({ ordersPerRun: 30 });
    const dir = project.dir;
    await cli(['run', '--once', '--project', dir]);
    const { code, out } = await cli([
      'replay',
      'orders',
      '--from',
      '0',
      '--to',
      '60',
      '--dry-run',
      '--json',
      '--project',
      dir,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(out) as {
      dryRun: boolean;
      status: string;
      counts: { read: number };
      range: unknown;
    };
    expect(result).toMatchObject({
      dryRun: true,
      status: 'succeeded',
      counts: { read: 60 },
      range: { from: '0', to: '60' },
    });
    expect(Object.keys(await readWarehouse(join(dir, 'warehouse.json')))).toHaveLength(30);
    expect((await state(dir)).checkpoint).toBe(30);
  });

  it('refuses an integration whose source cannot replay, exit 2', async () => {
    project = tempProject({ ticksReplay: 'none' });
    const { code, err } = await cli([
      'replay',
      'ticks',
      '--from',
      '2026-11-17',
      '--project',
      project.dir,
    ]);
    expect(code).toBe(2);
    expect(err).toContain(
      "integration ticks cannot be replayed: its source ticks-none declares capabilities.replay 'none'",
    );
  });

  it('rejects a --from that does not fit the replay mode, exit 2', async () => {
    project = tempProject({ ticksReplay: 'time-range' });
    const dir = project.dir;
    const notDate = await cli(['replay', 'ticks', '--from', 'last tuesday', '--project', dir]);
    expect(notDate.code).toBe(2);
    expect(notDate.err).toContain(
      '--from "last tuesday" is not a date: this source replays by time-range',
    );
    const reversed = await cli([
      'replay',
      'ticks',
      '--from',
      '2026-11-18',
      '--to',
      '2026-11-17',
      '--project',
      dir,
    ]);
    expect(reversed.code).toBe(2);
    expect(reversed.err).toContain('--to (2026-11-17) is before --from (2026-11-18)');
    await cli(['run', '--once', '--only', 'orders', '--project', dir]);
    const notNumber = await cli(['replay', 'orders', '--from', 'yesterday', '--project', dir]);
    expect(notNumber.code).toBe(2);
    expect(notNumber.err).toContain('the live checkpoint is 30');
    const missing = await cli(['replay', 'orders', '--project', dir]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("required option '--from <value>' not specified");
  });

  it('passes dates and ages through to a time-range source', async () => {
    project = tempProject({ ticksReplay: 'time-range' });
    const { code, out } = await cli([
      'replay',
      'ticks',
      '--from',
      '2020-01-01',
      '--to',
      '2d',
      '--dry-run',
      '--json',
      '--project',
      project.dir,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(out) as {
      range: { from: string; to: string };
      counts: { read: number };
    };
    expect(result.range.from).toBe('2020-01-01');
    expect(result.range.to).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(result.counts.read).toBe(3);
  });
});

describe('patchbay replay of a webhook integration', () => {
  const SECRET = `whsec_${Buffer.from('fixture-webhook-secret-0123456789').toString('base64')}`;
  const BASE = Date.parse('2026-11-20T10:00:00Z');
  const previous = process.env['PATCHBAY_FIXTURE_WEBHOOK_SECRET'];
  afterEach(() => {
    if (previous === undefined) delete process.env['PATCHBAY_FIXTURE_WEBHOOK_SECRET'];
    else process.env['PATCHBAY_FIXTURE_WEBHOOK_SECRET'] = previous;
  });

  /** Stores envelopes as the receiver would; n = minutes after BASE. */
  async function seed(dir: string, envelopes: Array<{ n: number; tamper?: boolean }>) {
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      for (const { n, tamper } of envelopes) {
        const receivedAt = BASE + n * 60_000;
        const id = `evt_${n}`;
        const body = JSON.stringify({ id, entity: 'e1', at: new Date(receivedAt).toISOString() });
        const timestamp = Math.floor(receivedAt / 1000);
        const signature = signStandardWebhook({ id, timestamp, body, secrets: [SECRET] });
        await store.inbox.append({
          integrationId: 'hooks',
          eventId: id,
          entityKey: 'e1',
          occurredAt: receivedAt,
          receivedAt,
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': signature,
          },
          body: Buffer.from(tamper ? body.replace('e1', 'e2') : body),
          meta: { scheme: 'standard-webhooks', verified: true, contentType: 'application/json' },
        });
      }
    } finally {
      await store.close();
    }
  }

  async function inboxState(dir: string) {
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      const rows = await store.inbox.listReceived('hooks', { from: 0, to: BASE * 2, limit: 100 });
      return {
        rows: rows.map((r) => [r.eventId, r.status, r.attempts]),
        checkpoint: (await store.checkpoints.get('hooks', 'default')) ?? null,
      };
    } finally {
      await store.close();
    }
  }

  function applied(dir: string): string[] {
    const file = join(dir, 'hooks.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
  }

  it('re-verifies and re-applies the stored envelopes of the window', async () => {
    process.env['PATCHBAY_FIXTURE_WEBHOOK_SECRET'] = SECRET;
    project = tempProject({ webhook: true });
    const dir = project.dir;
    await seed(dir, [{ n: 0 }, { n: 10 }, { n: 20, tamper: true }, { n: 30 }, { n: 40 }]);
    const before = await inboxState(dir);
    const from = new Date(BASE + 5 * 60_000).toISOString();
    const to = new Date(BASE + 30 * 60_000).toISOString();

    // De-duplication respected: nothing in the window was dead, so nothing is re-applied.
    const respected = await cli(['replay', 'hooks', '--from', from, '--to', to, '--project', dir]);
    expect(respected.code).toBe(0);
    expect(respected.out).toContain(`replay of hooks from ${from} to ${to}: succeeded`);
    expect(applied(dir)).toEqual([]);

    const bypassed = await cli([
      'replay',
      'hooks',
      '--from',
      from,
      '--to',
      to,
      '--bypass-dedupe',
      '--json',
      '--project',
      dir,
    ]);
    expect(bypassed.code).toBe(0);
    const result = JSON.parse(bypassed.out) as {
      status: string;
      range: { dedupe?: string };
      counts: { read: number; written: number; skipped: number };
    };
    // The tampered envelope is read, fails re-verification and is counted as skipped.
    expect(result).toMatchObject({
      status: 'succeeded',
      range: { dedupe: 'bypass' },
      counts: { read: 3, written: 2, skipped: 1 },
    });
    expect(applied(dir)).toEqual(['evt_10', 'evt_30']);
    expect(bypassed.err).toContain(
      'stored webhook envelope failed re-verification: skipped, not applied',
    );
    expect(bypassed.err).toContain('evt_20');
    expect(await inboxState(dir)).toEqual(before);
  });
});
