/**
 * File expectations end to end on a fake clock: a file-drop integration with
 * `expect`, the runtime (its `now`), the alerting loop from `startAlerting`
 * (log line, metrics) and a signed webhook sink POSTing to a real local HTTP
 * server. Every instant is set by the test; nothing waits on real time.
 */
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDrop, upsertSink } from '../connectors/file/__fixtures__/drop.js';
import { fileDrop } from '../connectors/file/file-source.js';
import { defineIntegration } from '../core/integration.js';
import { expectationMetrics } from '../observability/expectation-metrics.js';
import { PatchbayMetrics } from '../observability/metrics.js';
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { canary, startHttpPeer, type HttpPeer } from './alert-sinks/__fixtures__/peers.js';
import { verifyWebhook } from './alert-sinks/webhook.js';
import type { AlertNotification } from './alerts/types.js';
import { startAlerting, type Alerting } from './wiring.js';

const key = canary('PB_TEST_FILE_EXPECT_HOOK');
const BERLIN = { due: '02:00', timezone: 'Europe/Berlin', holidays: ['2026-12-25'], grace: '30m' };
const at = (iso: string) => Date.parse(iso);

let t: ReturnType<typeof tempDrop>;
let store: Store;
let peer: HttpPeer;
let clock: number;
let runtime: Runtime;
let alerting: Alerting;
let metrics: PatchbayMetrics;
let logs: string[];

beforeEach(async () => {
  t = tempDrop();
  store = await openSqliteStore({ path: join(t.dir, 'state.db') });
  peer = await startHttpPeer();
});
afterEach(async () => {
  await alerting?.stop();
  await peer.down();
  await store.close();
  rmSync(t.dir, { recursive: true, force: true });
});

/** Starts (or restarts) the runtime and the alerting loop on the same store. */
async function boot(expectation: Record<string, unknown> = BERLIN): Promise<void> {
  await alerting?.stop();
  runtime = await createRuntime({
    store,
    now: () => clock,
    integrations: [
      defineIntegration({
        id: 'sap-loads',
        owner: 'integrations',
        pattern: 'file-drop',
        trigger: { type: 'manual' },
        source: fileDrop({
          path: t.drop,
          archive: t.archive,
          patterns: ['*.csv'],
          readiness: 'rename',
          businessDate: { fromName: '_(?<date>\\d{8})\\.csv$', timeZone: 'Europe/Berlin' },
          format: { type: 'csv', delimiter: ';' },
          expect: expectation,
        } as Parameters<typeof fileDrop>[0]),
        sink: upsertSink(),
        idempotencyKey: { fields: ['id'] },
      }),
    ],
  });
  metrics = new PatchbayMetrics({ now: () => clock });
  logs = [];
  alerting = startAlerting({
    alerts: {
      sinks: { hook: { type: 'webhook', url: `${peer.url}/alerts`, secret: key.ref } },
      route: ['hook'],
      evaluateEvery: '1h',
      rules: { freshness: false, deadLetters: false, breakerOpen: false, schemaDrift: false },
    },
    store,
    read: () => runtime.status(),
    metrics,
    logger: pino({ level: 'info' }, { write: (line: string) => void logs.push(line) }),
    now: () => clock,
  });
}

/** One evaluation at the fake time, then one delivery tick; returns "event condition" lines. */
async function evaluate(iso?: string): Promise<string[]> {
  if (iso) clock = at(iso);
  const events = await alerting.monitor.evaluate();
  await alerting.worker!.tick(clock);
  return events.map((e) => `${e.event} ${e.alert.condition}`);
}

/** Drops a file whose mtime is the fake now, then runs the integration once. */
async function arrive(name: string, content = 'id;name\n1;a\n') {
  const path = join(t.drop, name);
  writeFileSync(path, content);
  utimesSync(path, clock / 1000, clock / 1000);
  return runtime.run('sap-loads');
}

async function days(): Promise<string[]> {
  const [s] = await runtime.status();
  return (s?.files?.days ?? []).map((d) => `${d.date} ${d.state}`);
}

const posted = () =>
  peer.received.map((r) => {
    const n = JSON.parse(r.body) as AlertNotification;
    return `${n.event} ${n.alert.condition}`;
  });

async function series(name: string, labels: string): Promise<number | undefined> {
  const line = (await metrics.prometheus())
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('file expectations', () => {
  it('an on-time file: arrived, no alert, no POST', async () => {
    clock = at('2026-11-16T23:00:00Z');
    await boot();
    expect(await evaluate()).toEqual([]);
    clock = at('2026-11-17T00:40:00Z'); // 01:40 Berlin, due 02:00
    expect((await arrive('MATMAS_20261117.csv')).status).toBe('succeeded');
    expect(await evaluate('2026-11-17T06:00:00Z')).toEqual([]);
    expect(await days()).toEqual(['2026-11-17 arrived']);
    expect(peer.received).toEqual([]);
    expect(
      await series('patchbay_file_expectation', 'integration="sap-loads",state="arrived"'),
    ).toBe(1);
    expect(
      await series('patchbay_file_expectation', 'integration="sap-loads",state="missing"'),
    ).toBe(0);
  });

  it('a late file: missing alert once after due + grace (log line, metric, signed POST), resolved when it arrives', async () => {
    clock = at('2026-11-16T23:00:00Z');
    await boot();
    await evaluate();
    expect(await evaluate('2026-11-17T01:29:00Z')).toEqual([]); // 02:29 Berlin: within the grace
    expect(await days()).toEqual(['2026-11-17 pending']);
    expect(await evaluate('2026-11-17T01:31:00Z')).toEqual(['open file:missing:2026-11-17']);
    expect(await evaluate('2026-11-17T01:45:00Z')).toEqual([]);
    expect(await days()).toEqual(['2026-11-17 missing']);

    const [post] = peer.received;
    expect(post?.url).toBe('/alerts');
    const h = post!.headers;
    expect(
      verifyWebhook(
        key.value,
        String(h['x-patchbay-timestamp']),
        post!.body,
        String(h['x-patchbay-signature']),
      ),
    ).toBe(true);
    expect(JSON.parse(post!.body)).toMatchObject({
      event: 'open',
      alert: {
        integration: 'sap-loads',
        severity: 'critical',
        expected:
          'files of business date 2026-11-17 by 2026-11-17 02:00 Europe/Berlin (+30m grace)',
        actual: 'nothing arrived; 31m past due',
      },
    });
    expect(
      logs.filter((l) => l.includes('alert open: sap-loads file:missing:2026-11-17')),
    ).toHaveLength(1);
    expect(
      await series(
        'patchbay_file_expectation_events_total',
        'integration="sap-loads",event="missing"',
      ),
    ).toBe(1);
    expect(
      await series(
        'patchbay_alert_events_total',
        'integration="sap-loads",condition="file:missing",event="open"',
      ),
    ).toBe(1);

    clock = at('2026-11-17T02:10:00Z');
    await arrive('MATMAS_20261117.csv');
    expect(await evaluate()).toEqual(['resolve file:missing:2026-11-17']);
    expect(await evaluate('2026-11-17T03:00:00Z')).toEqual([]);
    expect(await days()).toEqual(['2026-11-17 late']);
    expect(posted()).toEqual(['open file:missing:2026-11-17', 'resolve file:missing:2026-11-17']);
    expect(
      await series(
        'patchbay_file_expectation_events_total',
        'integration="sap-loads",event="late"',
      ),
    ).toBe(1);
    expect(
      logs.filter((l) => l.includes('alert resolve: sap-loads file:missing:2026-11-17')),
    ).toHaveLength(1);
  });

  it('no alert over a weekend and a holiday; the next business day alerts once', async () => {
    clock = at('2026-12-23T23:00:00Z');
    await boot();
    await evaluate();
    clock = at('2026-12-24T00:30:00Z');
    await arrive('MATMAS_20261224.csv');
    // Friday 25th (holiday), Saturday, Sunday: nothing is due.
    for (const day of ['2026-12-25', '2026-12-26', '2026-12-27']) {
      expect(await evaluate(`${day}T12:00:00Z`)).toEqual([]);
    }
    expect(await evaluate('2026-12-28T01:31:00Z')).toEqual(['open file:missing:2026-12-28']);
    expect(await days()).toEqual(['2026-12-28 missing', '2026-12-24 arrived']);
    expect(posted()).toEqual(['open file:missing:2026-12-28']);
  });

  it('follows the DST change in Europe/Berlin: due 02:30 is 01:30Z before and 00:30Z after', async () => {
    clock = at('2026-03-28T00:00:00Z');
    await boot({ due: '02:30', timezone: 'Europe/Berlin', days: 'daily' });
    await evaluate();
    clock = at('2026-03-28T01:20:00Z'); // 02:20 CET
    await arrive('MATMAS_20260328.csv');
    // Sunday 29th: 02:30 does not exist; due when the clock jumps past it (03:30 CEST = 01:30Z).
    expect(await evaluate('2026-03-29T01:29:00Z')).toEqual([]);
    expect(await evaluate('2026-03-29T01:31:00Z')).toEqual(['open file:missing:2026-03-29']);
    await arrive('MATMAS_20260329.csv');
    // Monday 30th: 02:30 CEST is 00:30Z, an hour earlier in UTC than the week before.
    expect(await evaluate('2026-03-30T00:29:00Z')).toEqual(['resolve file:missing:2026-03-29']);
    expect(await evaluate('2026-03-30T00:31:00Z')).toEqual(['open file:missing:2026-03-30']);
    expect(await days()).toEqual(['2026-03-30 missing', '2026-03-29 late', '2026-03-28 arrived']);
  });

  it('a restart mid-day does not raise or count an alert that was already raised', async () => {
    clock = at('2026-11-16T23:00:00Z');
    await boot();
    await evaluate();
    expect(await evaluate('2026-11-17T01:31:00Z')).toEqual(['open file:missing:2026-11-17']);
    clock = at('2026-11-17T09:00:00Z');
    await boot(); // new runtime, engine, worker and metrics on the same store
    expect(await evaluate()).toEqual([]);
    expect(await evaluate('2026-11-17T09:30:00Z')).toEqual([]);
    expect(posted()).toEqual(['open file:missing:2026-11-17']);
    expect(
      await series(
        'patchbay_file_expectation_events_total',
        'integration="sap-loads",event="missing"',
      ),
    ).toBe(undefined);
    expect(
      await series('patchbay_file_expectation', 'integration="sap-loads",state="missing"'),
    ).toBe(1);
    await arrive('MATMAS_20261117.csv');
    expect(await evaluate()).toEqual(['resolve file:missing:2026-11-17']);
    expect(posted()).toEqual(['open file:missing:2026-11-17', 'resolve file:missing:2026-11-17']);
  });

  it('a duplicate file (other content, same name and date) alerts once through the sinks', async () => {
    clock = at('2026-11-16T23:00:00Z');
    await boot();
    await evaluate();
    clock = at('2026-11-17T00:30:00Z');
    await arrive('MATMAS_20261117.csv');
    clock = at('2026-11-17T00:50:00Z');
    expect((await arrive('MATMAS_20261117.csv', 'id;name\n1;b\n')).error?.code).toBe(
      'DUPLICATE_FILE',
    );
    expect(await evaluate()).toEqual(['open file:duplicate:2026-11-17']);
    expect(await evaluate('2026-11-17T05:00:00Z')).toEqual([]);
    expect(await days()).toEqual(['2026-11-17 duplicate']);
    const [post] = peer.received;
    expect(JSON.parse(post!.body)).toMatchObject({
      event: 'open',
      alert: { severity: 'warning', condition: 'file:duplicate:2026-11-17' },
    });
    expect(JSON.parse(post!.body).alert.actual).toMatch(
      /^duplicate MATMAS_20261117\.csv with other content/,
    );
    expect(
      await series(
        'patchbay_file_expectation_events_total',
        'integration="sap-loads",event="duplicate"',
      ),
    ).toBe(1);
    // Quiet for a day: resolved.
    expect(await evaluate('2026-11-18T01:00:00Z')).toEqual(['resolve file:duplicate:2026-11-17']);
  });

  it('a file that cannot be parsed alerts once; the corrected file resolves it', async () => {
    clock = at('2026-11-16T23:00:00Z');
    await boot();
    await evaluate();
    clock = at('2026-11-17T00:30:00Z');
    expect((await arrive('MATMAS_20261117.csv', 'id;id\n1;2\n')).error?.code).toBe(
      'UNPARSEABLE_FILE',
    );
    expect(await evaluate()).toEqual(['open file:failed:2026-11-17']);
    expect(await evaluate('2026-11-17T00:40:00Z')).toEqual([]);
    expect(await days()).toEqual(['2026-11-17 failed']);
    expect(JSON.parse(peer.received[0]!.body).alert.actual).toMatch(
      /^MATMAS_20261117\.csv could not be parsed: .*repeated/,
    );
    rmSync(join(t.drop, 'MATMAS_20261117.csv.failed'));
    clock = at('2026-11-17T00:50:00Z');
    expect((await arrive('MATMAS_20261117.csv')).status).toBe('succeeded');
    expect(await evaluate()).toEqual(['resolve file:failed:2026-11-17']);
    expect(await days()).toEqual(['2026-11-17 arrived']);
    expect(posted()).toEqual(['open file:failed:2026-11-17', 'resolve file:failed:2026-11-17']);
    expect(expectationMetrics(metrics)).toBe(expectationMetrics(metrics));
  });
});
