import { afterEach, describe, expect, it } from 'vitest';
import { PatchbayError } from '../../core/errors.js';
import type { FunctionSink } from '../../core/integration.js';
import type { InboxItem } from '../../store/types.js';
import {
  SECRETS,
  signedRequest,
  startHarness,
  webhookIntegration,
  type Harness,
} from './__fixtures__/harness.js';
import { orderingNamespace } from './ordering.js';
import { webhook, type WebhookEvent } from './source.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

interface Change {
  id: string;
  entity: string;
  at: string;
}

const BASE = Date.parse('2026-11-20T10:00:00Z');
const MINUTE = 60_000;

/** A sink recording the event ids it was handed, in order. */
function recordingSink(): FunctionSink & { ids: string[] } {
  const ids: string[] = [];
  return {
    name: 'recording',
    idempotent: false,
    ids,
    async write(records) {
      for (const r of records) ids.push(((r.data as WebhookEvent).payload as Change).id);
    },
  };
}

async function start(sink: FunctionSink): Promise<Harness> {
  // The runtime is not started: nothing but the replay reads the inbox.
  return startHarness({
    integrations: [
      webhookIntegration(
        { sink, idempotencyKey: { fields: ['eventId'] } },
        { entityKey: 'body:entity', occurredAt: 'body:at' },
      ),
    ],
    process: false,
  });
}

/**
 * Stores an envelope as the receiver would: signed at its received time.
 * `tamper` changes the body after signing; `secret` signs with another key.
 */
async function store(
  harness: Harness,
  n: number,
  options: { tamper?: boolean; secret?: string } = {},
): Promise<string> {
  const receivedAt = BASE + n * MINUTE;
  const change: Change = {
    id: `evt_${n}`,
    entity: `e${n % 2}`,
    at: new Date(receivedAt).toISOString(),
  };
  const req = signedRequest(change.id, change, { at: receivedAt, secret: options.secret });
  const body = options.tamper ? req.body.replace(`"e${n % 2}"`, '"e9"') : req.body;
  const { id } = await harness.store.inbox.append({
    integrationId: 'hooks',
    eventId: change.id,
    entityKey: change.entity,
    occurredAt: receivedAt,
    receivedAt,
    headers: req.headers,
    body: Buffer.from(body),
    meta: { scheme: 'standard-webhooks', verified: true, contentType: 'application/json' },
  });
  return id;
}

/** Everything a replay must leave alone: inbox rows, ordering state, checkpoint. */
async function liveState(harness: Harness) {
  const rows: InboxItem[] = await harness.store.inbox.listReceived('hooks', {
    from: 0,
    to: BASE + 1000 * MINUTE,
    limit: 1000,
  });
  return {
    inbox: rows.map((r) => ({ id: r.id, status: r.status, attempts: r.attempts })),
    ordering: await Promise.all(
      ['e0', 'e1', 'e9'].map(
        async (e) => (await harness.store.cache.get(orderingNamespace('hooks'), e))?.value ?? null,
      ),
    ),
    checkpoint: (await harness.store.checkpoints.get('hooks', 'default')) ?? null,
  };
}

/**
 * Marks the stored envelopes of `ids` done (applied) or dead (never applied:
 * with a dead letter, as the source writes one when it gives an envelope up).
 */
async function settle(harness: Harness, done: string[], dead: string[]): Promise<void> {
  const claimed = await harness.store.inbox.claim('hooks', {
    limit: 100,
    leaseMs: 60_000,
    owner: 'test',
  });
  const error = new PatchbayError('validation', 'x', { code: 'X' }).toJSON();
  for (const item of claimed) {
    if (done.includes(item.id)) await harness.store.inbox.complete(item.id, 'test');
    else if (dead.includes(item.id)) {
      await harness.store.deadLetters.add({
        integrationId: 'hooks',
        stage: 'inbox',
        raw: {},
        itemKey: item.eventId ?? `inbox:${item.id}`,
        error,
        attempts: 1,
        firstSeenAt: item.receivedAt,
        lastSeenAt: item.receivedAt,
      });
      await harness.store.inbox.fail(item.id, 'test', error, null);
    }
  }
}

function window(from: number, to: number, dedupe?: 'bypass') {
  return {
    mode: 'replay' as const,
    range: {
      from: new Date(BASE + from * MINUTE).toISOString(),
      to: new Date(BASE + to * MINUTE).toISOString(),
      ...(dedupe ? { dedupe } : {}),
    },
  };
}

describe('webhook replay', () => {
  it('declares time-range replay', () => {
    expect(webhook.spec.capabilities.replay).toBe('time-range');
  });

  it('re-applies exactly the envelopes received in the window, in arrival order, leaving live state alone', async () => {
    const sink = recordingSink();
    h = await start(sink);
    const ids: string[] = [];
    for (const n of [0, 1, 2, 3, 4, 5]) ids.push(await store(h, n));
    await settle(h, ids.slice(0, 4), ids.slice(4, 5));
    await h.store.cache.set(orderingNamespace('hooks'), 'e0', BASE + 2 * MINUTE);
    const before = await liveState(h);
    expect(before.inbox.map((r) => r.status)).toEqual([
      'done',
      'done',
      'done',
      'done',
      'dead',
      'processing',
    ]);

    const result = await h.runtime.run('hooks', window(1, 4, 'bypass'));
    expect(result.status).toBe('succeeded');
    expect(sink.ids).toEqual(['evt_1', 'evt_2', 'evt_3', 'evt_4']);
    expect(result.counts).toMatchObject({ read: 4, written: 4, deadLettered: 0 });
    expect(await liveState(h)).toEqual(before);
    expect(await h.store.deadLetters.count('hooks')).toBe(0);
  });

  it('skips and reports a stored envelope that fails re-verification', async () => {
    const sink = recordingSink();
    h = await start(sink);
    await store(h, 1);
    await store(h, 2, { tamper: true });
    await store(h, 3, { secret: SECRETS['RETIRED'] });
    await store(h, 4);
    const before = await liveState(h);

    const result = await h.runtime.run('hooks', window(0, 10, 'bypass'));
    expect(result.status).toBe('succeeded');
    expect(sink.ids).toEqual(['evt_1', 'evt_4']);
    // The failures are in the run's counts (and its stored record), not only in the log.
    expect(result.counts).toMatchObject({
      read: 4,
      written: 2,
      skipped: 2,
      errorsByKind: { auth: 2 },
    });
    const [run] = await h.store.runs.list('hooks', { limit: 1 });
    expect(run?.counts).toMatchObject({ skipped: 2, errorsByKind: { auth: 2 } });
    const failures = h.log
      .records()
      .filter(
        (r) => r['msg'] === 'stored webhook envelope failed re-verification: skipped, not applied',
      );
    expect(failures.map((r) => [r['eventId'], r['reason']])).toEqual([
      ['evt_2', 'bad-signature'],
      ['evt_3', 'bad-signature'],
    ]);
    expect(h.log.text()).toContain('2 stored webhook envelope(s) failed re-verification');
    expect(await liveState(h)).toEqual(before);
  });

  it('respects de-duplication by default and bypasses it only when asked', async () => {
    const sink = recordingSink();
    h = await start(sink);
    const ids: string[] = [];
    for (const n of [1, 2, 3, 4]) ids.push(await store(h, n));
    // evt_1, evt_3 applied; evt_2 dead (never applied); evt_4 still with the live path.
    await settle(h, [ids[0] as string, ids[2] as string], [ids[1] as string]);
    const before = await liveState(h);

    const respected = await h.runtime.run('hooks', window(0, 10));
    expect(respected.status).toBe('succeeded');
    expect(sink.ids).toEqual(['evt_2']);
    expect(await liveState(h)).toEqual(before);
    // Applied now: its letter is resolved, so a second respecting replay applies nothing.
    expect(await h.store.deadLetters.count('hooks')).toBe(0);
    sink.ids.length = 0;
    expect((await h.runtime.run('hooks', window(0, 10))).status).toBe('succeeded');
    expect(sink.ids).toEqual([]);

    sink.ids.length = 0;
    const bypassed = await h.runtime.run('hooks', window(0, 10, 'bypass'));
    expect(bypassed.status).toBe('succeeded');
    expect(sink.ids).toEqual(['evt_1', 'evt_2', 'evt_3', 'evt_4']);
    expect(await liveState(h)).toEqual(before);
  });

  it('fails the run on a range that is not a time', async () => {
    const sink = recordingSink();
    h = await start(sink);
    await store(h, 1);
    const result = await h.runtime.run('hooks', {
      mode: 'replay',
      range: { from: 'yesterday-ish' },
    });
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('REPLAY_RANGE_INVALID');
    expect(sink.ids).toEqual([]);
  });
});
