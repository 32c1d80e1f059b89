import { afterEach, describe, expect, it } from 'vitest';
import { permanent } from '../../core/errors.js';
import type { FunctionSink } from '../../core/integration.js';
import type { InboxItem } from '../../store/types.js';
import {
  eventually,
  inboxSettled,
  post,
  signedRequest,
  startHarness,
  webhookIntegration,
  type Harness,
} from './__fixtures__/harness.js';
import type { WebhookEvent } from './source.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A sink that refuses every write for good while `broken`, and records what it applied. */
function repairableSink(): FunctionSink & { broken: boolean; applied: string[] } {
  const sink = {
    name: 'repairable',
    idempotent: false,
    broken: true,
    applied: [] as string[],
    async write(records: Parameters<FunctionSink['write']>[0]) {
      if (sink.broken) throw permanent('warehouse refuses the order', { code: 'REFUSED' });
      for (const r of records) sink.applied.push((r.data as WebhookEvent).eventId ?? '?');
    },
  };
  return sink;
}

/** One live run of the stream until the inbox has settled, then stopped. */
async function liveUntilSettled(harness: Harness): Promise<void> {
  const controller = new AbortController();
  const run = harness.runtime.run('hooks', { signal: controller.signal });
  await eventually(() => inboxSettled(harness.store), 'the inbox to settle');
  controller.abort();
  await run;
}

/** Claims every pending envelope `times` times as a processor that died each time would. */
async function abandonClaims(harness: Harness, times: number): Promise<void> {
  const base = Date.now() - 10_000;
  for (let k = 0; k < times; k++) {
    await harness.store.inbox.claim('hooks', {
      limit: 100,
      leaseMs: 1,
      owner: 'dead',
      now: base + k * 10,
    });
  }
}

async function inbox(harness: Harness): Promise<InboxItem[]> {
  return harness.store.inbox.listReceived('hooks', {
    from: 0,
    to: Date.now() + 60_000,
    limit: 100,
  });
}

function lastHour(dedupe?: 'bypass') {
  return {
    mode: 'replay' as const,
    range: {
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 60_000).toISOString(),
      ...(dedupe ? { dedupe } : {}),
    },
  };
}

describe('webhook replay and the dead-letter queue', () => {
  it('removes the dead letter of an envelope the sink refused once the replay applies it', async () => {
    const sink = repairableSink();
    h = await startHarness({ integrations: [webhookIntegration({ sink })], process: false });
    await post(h.url(), signedRequest('evt_refused', { order: 1 }));
    await liveUntilSettled(h);
    const [letter] = await h.store.deadLetters.list('hooks');
    expect(letter).toMatchObject({ stage: 'sink', itemKey: 'evt_refused' });
    expect(sink.applied).toEqual([]);

    sink.broken = false;
    // The live path acknowledged the envelope (`done`), but its dead letter says it was never
    // applied: a replay that respects de-duplication re-applies it.
    const result = await h.runtime.run('hooks', lastHour());
    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ read: 1, written: 1, deadLettered: 0 });
    expect(sink.applied).toEqual(['evt_refused']);
    expect(await h.store.deadLetters.count('hooks')).toBe(0);
    expect((await inbox(h)).map((r) => [r.eventId, r.status])).toEqual([['evt_refused', 'done']]);
  });

  it('removes the dead letter of an envelope that ran out of attempts once the replay applies it', async () => {
    const sink = repairableSink();
    sink.broken = false;
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { maxAttempts: 3 })],
      process: false,
    });
    await post(h.url(), signedRequest('evt_exhausted', { order: 2 }));
    // Received a few ms later, so a replay window can leave it out.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await post(h.url(), signedRequest('evt_other', { order: 3 }));
    await abandonClaims(h, 3);
    await post(h.url(), signedRequest('evt_fine', { order: 4 }));
    await liveUntilSettled(h);
    expect((await h.store.deadLetters.list('hooks')).map((l) => [l.stage, l.itemKey])).toEqual([
      ['inbox', 'evt_exhausted'],
      ['inbox', 'evt_other'],
    ]);
    expect(sink.applied).toEqual(['evt_fine']);
    // A letter of another envelope, not in the replay, stays.
    const [, other] = await inbox(h);
    const otherLetter = (await h.store.deadLetters.list('hooks'))[1];
    const window = lastHour();
    window.range.to = new Date((other?.receivedAt ?? 0) - 1).toISOString();

    const result = await h.runtime.run('hooks', window);
    expect(result.status).toBe('succeeded');
    expect(sink.applied).toEqual(['evt_fine', 'evt_exhausted']);
    expect(await h.store.deadLetters.list('hooks')).toEqual([otherLetter]);
    // A replay changes no inbox status (documented); the dead letter was the stale part.
    expect((await inbox(h)).map((r) => r.status)).toEqual(['dead', 'dead', 'done']);
  });

  it('keeps the dead letter, with the new failure, when the replayed envelope fails again', async () => {
    const sink = repairableSink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { maxAttempts: 3 })],
      process: false,
    });
    await post(h.url(), signedRequest('evt_stubborn', { order: 5 }));
    await abandonClaims(h, 3);
    await liveUntilSettled(h);
    const [before] = await h.store.deadLetters.list('hooks');
    expect(before).toMatchObject({ stage: 'inbox', itemKey: 'evt_stubborn' });

    const result = await h.runtime.run('hooks', lastHour());
    expect(result.counts).toMatchObject({ read: 1, written: 0, deadLettered: 1 });
    const after = await h.store.deadLetters.list('hooks');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before?.id, stage: 'sink', itemKey: 'evt_stubborn' });
    expect(after[0]?.error.code).toBe('REFUSED');
    expect(sink.applied).toEqual([]);
  });
});
