import { afterEach, describe, expect, it } from 'vitest';
import { PatchbayError, permanent } from '../../core/errors.js';
import type { FunctionSink } from '../../core/integration.js';
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

interface Change {
  id: string;
  entity: string;
  version: number;
  at: string;
}

const BASE = Date.parse('2026-11-20T10:00:00Z');

function change(entity: number, version: number): Change {
  return {
    id: `evt_${entity}_${version}`,
    entity: `e${entity}`,
    version,
    at: new Date(BASE + version * 60_000).toISOString(),
  };
}

/** A sink recording, per entity, the versions in the order they were applied. */
function entitySink(): FunctionSink & { applied: Map<string, number[]> } {
  const applied = new Map<string, number[]>();
  return {
    name: 'entities',
    idempotent: false,
    applied,
    async write(records) {
      for (const r of records) {
        const c = (r.data as WebhookEvent).payload as Change;
        applied.set(c.entity, [...(applied.get(c.entity) ?? []), c.version]);
      }
    },
  };
}

/** Deterministic shuffle (mulberry32), so a failure can be reproduced. */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  const rand = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const orderingConfig = { entityKey: 'body:entity', occurredAt: 'body:at' } as const;

describe('ordering by the event time, per entity', () => {
  it('ends in the newest state of every entity, never rolling one back', async () => {
    const sink = entitySink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { ...orderingConfig, batchSize: 7 })],
    });
    const ENTITIES = 40;
    const VERSIONS = 5;
    const all: Change[] = [];
    for (let e = 0; e < ENTITIES; e++) for (let v = 1; v <= VERSIONS; v++) all.push(change(e, v));
    const deliveries = shuffle([...all, ...shuffle(all, 7).slice(0, 40)], 42);
    const statuses: number[] = [];
    // Eight senders at once, interleaved with processing.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < deliveries.length) {
          const c = deliveries[next++] as Change;
          statuses.push((await post(h!.url(), signedRequest(c.id, c))).status);
        }
      }),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');

    expect(await h.store.inbox.count('hooks')).toBe(all.length);
    expect(sink.applied.size).toBe(ENTITIES);
    // Some deliveries did arrive out of order and were skipped, each with a log line.
    const applied = [...sink.applied.values()].reduce((n, v) => n + v.length, 0);
    const skipped = h.log
      .records()
      .filter((r) => r['msg'] === 'out-of-order webhook event skipped');
    expect(applied).toBeLessThan(all.length);
    expect(skipped.length).toBe(all.length - applied);
    for (const [entity, versions] of sink.applied) {
      expect({ entity, last: versions.at(-1) }).toEqual({ entity, last: VERSIONS });
      const increasing = versions.every((v, i) => i === 0 || v > (versions[i - 1] as number));
      expect({ entity, versions, increasing }).toEqual({ entity, versions, increasing: true });
    }
  });

  it('parks an older event as a dead letter for review, without credentials', async () => {
    const sink = entitySink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { ...orderingConfig, ordering: 'park' })],
    });
    expect((await post(h.url(), signedRequest('evt_a2', change(1, 2)))).status).toBe(200);
    await eventually(async () => sink.applied.size === 1, 'the newer event');
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');
    const older = signedRequest('evt_a1', change(1, 1));
    const res = await post(h.url(), {
      ...older,
      headers: { ...older.headers, authorization: 'Bearer do-not-store' },
    });
    expect(res.status).toBe(200);
    await eventually(async () => (await h!.store.deadLetters.count('hooks')) === 1, 'the park');
    const [letter] = await h.store.deadLetters.list('hooks');
    expect(letter?.stage).toBe('ordering');
    expect(letter?.error.code).toBe('OUT_OF_ORDER');
    expect(letter?.itemKey).toBe('evt_a1');
    expect(JSON.stringify(letter)).not.toContain('do-not-store');
    expect(sink.applied.get('e1')).toEqual([2]);
    expect(await h.store.inbox.count('hooks', 'dead')).toBe(1);
  });

  it("applies an older event with ordering 'apply'", async () => {
    const sink = entitySink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { ...orderingConfig, ordering: 'apply' })],
    });
    await post(h.url(), signedRequest('evt_b2', change(2, 2)));
    await eventually(async () => sink.applied.size === 1, 'the newer event');
    await post(h.url(), signedRequest('evt_b1', change(2, 1)));
    await eventually(async () => sink.applied.get('e2')?.length === 2, 'the older event');
    expect(sink.applied.get('e2')).toEqual([2, 1]);
  });
});

/** Claims every pending envelope `times` times as a processor that died each time would. */
async function abandonClaims(store: Harness['store'], times: number): Promise<void> {
  const base = Date.now() - 10_000;
  for (let k = 0; k < times; k++) {
    await store.inbox.claim('hooks', { limit: 100, leaseMs: 1, owner: 'dead', now: base + k * 10 });
  }
}

describe('envelopes that never get acknowledged', () => {
  it('dead-letters an envelope claimed more than maxAttempts times, without applying it', async () => {
    const sink = entitySink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { maxAttempts: 3 })],
      process: false,
    });
    await post(h.url(), signedRequest('evt_poison', change(5, 1)));
    await abandonClaims(h.store, 3);
    await post(h.url(), signedRequest('evt_fine', change(6, 1)));
    await h.runtime.start();
    await eventually(async () => sink.applied.size === 1, 'the fine event');
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');
    expect([...sink.applied.keys()]).toEqual(['e6']);
    const [letter] = await h.store.deadLetters.list('hooks');
    expect(letter).toMatchObject({ stage: 'inbox', itemKey: 'evt_poison', attempts: 4 });
    expect(letter?.error.code).toBe('INBOX_ATTEMPTS_EXHAUSTED');
  });

  it('processes a previously abandoned envelope alone, apart from fresh ones', async () => {
    const writes: string[][] = [];
    const sink: FunctionSink = {
      name: 'batches',
      idempotent: true,
      async write(records) {
        writes.push(records.map((r) => (r.data as WebhookEvent).eventId ?? '?'));
      },
    };
    h = await startHarness({ integrations: [webhookIntegration({ sink })], process: false });
    await post(h.url(), signedRequest('evt_again', change(7, 1)));
    await abandonClaims(h.store, 2);
    await post(h.url(), signedRequest('evt_new_1', change(8, 1)));
    await post(h.url(), signedRequest('evt_new_2', change(9, 1)));
    await h.runtime.start();
    await eventually(async () => writes.flat().length === 3, 'all three events');
    expect(writes).toEqual([['evt_again'], ['evt_new_1', 'evt_new_2']]);
  });
});

describe('processing failures', () => {
  it('retries a transiently failing sink and applies the event once', async () => {
    let calls = 0;
    const sink = entitySink();
    const flaky: FunctionSink = {
      name: 'flaky',
      idempotent: true,
      async write(records, ctx) {
        calls++;
        if (calls === 1) {
          throw new PatchbayError('http_5xx', 'downstream answered 503', { code: 'HTTP_503' });
        }
        await sink.write(records, ctx);
      },
    };
    h = await startHarness({
      policies: true,
      integrations: [
        webhookIntegration({
          sink: flaky,
          policies: { retry: { maxAttempts: 3, baseDelay: '10ms' } },
        }),
      ],
    });
    expect((await post(h.url(), signedRequest('evt_flaky', change(4, 1)))).status).toBe(200);
    await eventually(async () => sink.applied.size === 1, 'the retried write');
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');
    expect(calls).toBe(2);
    expect(sink.applied.get('e4')).toEqual([1]);
    expect(await h.store.deadLetters.count('hooks')).toBe(0);
  });

  it('dead-letters an event its step rejects and goes on with the next', async () => {
    const sink = entitySink();
    h = await startHarness({
      integrations: [
        webhookIntegration({
          sink,
          steps: [
            function validate(e: unknown) {
              const c = (e as WebhookEvent).payload as Change;
              if (c.version < 0) throw permanent('negative version', { code: 'BAD_VERSION' });
              return e;
            },
          ],
        }),
      ],
    });
    await post(h.url(), signedRequest('evt_neg', { ...change(3, -1) }));
    await post(h.url(), signedRequest('evt_pos', change(3, 1)));
    await eventually(async () => sink.applied.size === 1, 'the good event');
    await eventually(() => inboxSettled(h!.store), 'the inbox to settle');
    const [letter] = await h.store.deadLetters.list('hooks');
    expect(letter?.stage).toBe('step:validate');
    expect(letter?.itemKey).toBe('evt_neg');
    expect((letter?.raw as unknown as { payload: Change }).payload.version).toBe(-1);
    expect(sink.applied.get('e3')).toEqual([1]);
  });
});
