import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionSink } from '../../core/integration.js';
import {
  eventually,
  post,
  signedRequest,
  startHarness,
  webhookIntegration,
  type Harness,
} from './__fixtures__/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A sink whose first write waits for `release()`. */
function heldSink(): FunctionSink & { writing: () => boolean; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let writing = false;
  return {
    name: 'held',
    idempotent: true,
    writing: () => writing,
    release,
    async write() {
      writing = true;
      await gate;
    },
  };
}

describe('webhook source: a claim lost while the batch was written', () => {
  it('logs the lost claim, leaves the envelope to its new owner and keeps the run healthy', async () => {
    const sink = heldSink();
    h = await startHarness({
      integrations: [webhookIntegration({ sink }, { claimLease: '200ms' })],
    });
    expect((await post(h.url(), signedRequest('evt_1', { n: 1 }))).status).toBe(200);
    await eventually(async () => sink.writing(), 'the first write');

    // Worker B takes the envelope over once A's lease has run out.
    let taken: string | undefined;
    await eventually(async () => {
      const [item] = await h!.store.inbox.claim('hooks', {
        limit: 1,
        leaseMs: 60_000,
        owner: 'worker-b',
      });
      taken = item?.id;
      return item !== undefined;
    }, 'the lease to run out');
    sink.release();

    await eventually(
      async () => h!.log.text().includes('webhook envelope claim lost'),
      'the lost claim to be logged',
    );
    const lost = h.log
      .records()
      .find(
        (r) => r['msg'] === 'webhook envelope claim lost: left to the worker that claimed it since',
      );
    expect(lost).toMatchObject({ level: 'warn', inboxId: taken, eventId: 'evt_1' });
    // A's acknowledgement did not finish B's work.
    expect(await h.store.inbox.get(taken!)).toMatchObject({ status: 'processing', attempts: 2 });
    await h.store.inbox.complete(taken!, 'worker-b');
    expect((await h.store.inbox.get(taken!))?.status).toBe('done');

    await h.runtime.stop({ drainMs: 2_000 });
    const { last } = await h.store.runs.latest('hooks');
    expect(last).toMatchObject({ status: 'succeeded', error: null, counts: { written: 1 } });
  });
});
