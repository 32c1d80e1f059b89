/**
 * A tick's deliveries run concurrently against a real local subscriber, on a
 * real SQLite file (so marks go through group commit and fsync): every
 * message is delivered exactly once, a failing one neither blocks nor marks
 * the others, and the durable marks share commits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../../../store/sqlite/index.js';
import { testSecrets } from '../__fixtures__/harness.js';
import { WebhookSender, type WebhookSenderOptions } from './sender.js';

/**
 * Answers `answer(id)` (204 by default). Responses are held until `gate`
 * requests are in flight at once (or 1 s passed), so a sequential sender
 * shows up as `maxInFlight === 1`.
 */
class Subscriber {
  readonly hits: string[] = [];
  answer: (id: string) => number = () => 204;
  gate = 1;
  inFlight = 0;
  maxInFlight = 0;
  #waiting: Array<() => void> = [];
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const id = String(req.headers['webhook-id']);
      this.hits.push(id);
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      req.resume();
      req.on('end', () => {
        const respond = () => {
          this.inFlight -= 1;
          res.writeHead(this.answer(id)).end();
        };
        this.#waiting.push(respond);
        if (this.inFlight >= this.gate) this.#release();
        else setTimeout(() => this.#release(), 1_000).unref();
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  #release(): void {
    for (const respond of this.#waiting.splice(0)) respond();
  }

  close(): Promise<void> {
    this.#server?.closeAllConnections();
    return new Promise((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

let dir: string;
let sub: Subscriber;
let store: SqliteStore | undefined;
let sender: WebhookSender | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pb-sender-concurrency-'));
  sub = new Subscriber();
  await sub.start();
});
afterEach(async () => {
  await sender?.close();
  await store?.close();
  await sub.close();
  sender = store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function make(extra: Partial<WebhookSenderOptions> = {}): Promise<WebhookSender> {
  store = await openSqliteStore({ path: join(dir, 'state.db') });
  sender = new WebhookSender({
    store,
    secrets: testSecrets(),
    logger: pino({ level: 'silent' }),
    integrationId: 'events-out',
    endpoints: [{ id: 'acme', url: sub.url, secrets: ['test:CURRENT'], allowHosts: ['127.0.0.1'] }],
    ...extra,
  });
  return sender;
}

const N = 40;
const ids = Array.from({ length: N }, (_, i) => `msg_${String(i).padStart(2, '0')}`);

async function enqueueAll(s: WebhookSender): Promise<void> {
  for (const id of ids) await s.enqueue('acme', 't', { id }, { id });
}

/** Grows the endpoint's window (it starts at 1 and doubles per accepted delivery). */
async function warmUp(s: WebhookSender): Promise<void> {
  for (let i = 0; i < 4; i++) await s.enqueue('acme', 't', {}, { id: `warm_${i}` });
  expect(await s.tick()).toEqual({ delivered: 4, retried: 0, dead: 0 });
  sub.hits.length = 0;
  sub.maxInFlight = 0;
}

describe('webhook sender: concurrent deliveries within a tick', () => {
  it('delivers all N exactly once with several in flight, and their marks share commits', async () => {
    const s = await make({ batch: N, concurrency: 8 });
    await warmUp(s);
    await enqueueAll(s);
    sub.gate = 8;
    const before = store!.stats();
    expect(await s.tick()).toEqual({ delivered: N, retried: 0, dead: 0 });
    const after = store!.stats();

    expect(sub.maxInFlight).toBe(8);
    expect([...sub.hits].sort()).toEqual(ids);
    expect(await store!.outbox.count('events-out', 'delivered')).toBe(N + 4);
    // One claim and N marks, in two commits: the claim's and one shared by every mark.
    expect(after.writes - before.writes).toBe(N + 1);
    expect(after.commits - before.commits).toBe(2);
    // Nothing is left to deliver: a later tick sends nothing again.
    expect(await s.tick(Date.now() + 3_600_000)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(sub.hits).toHaveLength(N);
  });

  it('a failing message neither blocks nor marks the others', async () => {
    const s = await make({ batch: N, concurrency: 8 });
    await warmUp(s);
    await enqueueAll(s);
    sub.gate = 8;
    sub.answer = (id) => (id === 'msg_03' ? 500 : 204);
    const t0 = Date.now();
    expect(await s.tick(t0)).toEqual({ delivered: N - 1, retried: 1, dead: 0 });
    expect(sub.maxInFlight).toBeGreaterThan(1);
    expect([...sub.hits].sort()).toEqual(ids);
    expect(await store!.outbox.count('events-out', 'delivered')).toBe(N - 1 + 4);
    expect(await store!.outbox.count('events-out', 'pending')).toBe(1);

    // Only the failed one is retried, on its schedule (5 s), and then delivered once.
    sub.answer = () => 204;
    expect(await s.tick(t0 + 5_000)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(sub.hits.filter((h) => h === 'msg_03')).toHaveLength(2);
    expect(sub.hits).toHaveLength(N + 1);
  });

  it('a failed store write for one message does not stop the others; the tick reports it', async () => {
    const s = await make({ batch: N, concurrency: 8 });
    await enqueueAll(s);
    sub.gate = 8;
    const outbox = store!.outbox;
    const mark = outbox.markDelivered.bind(outbox);
    const fail = outbox.markFailed.bind(outbox);
    let broken: string | undefined;
    vi.spyOn(outbox, 'markDelivered').mockImplementation(async (id, owner) => {
      broken ??= id;
      if (id === broken) throw new Error('disk full');
      return mark(id, owner);
    });
    // Recording it as failed (for a retry) fails too, so its attempt throws.
    vi.spyOn(outbox, 'markFailed').mockImplementation(async (id, owner, error, next) => {
      if (id === broken) throw new Error('disk full');
      return fail(id, owner, error, next);
    });
    await expect(s.tick()).rejects.toThrow('disk full');
    expect([...sub.hits].sort()).toEqual(ids);
    expect(await outbox.count('events-out', 'delivered')).toBe(N - 1);
    // The unmarked one stays leased, and is delivered again (at-least-once) after the lease.
    expect(await outbox.count('events-out', 'delivering')).toBe(1);
  });

  it('endpointConcurrency 1 sends one at a time in enqueue order', async () => {
    const s = await make({ batch: N, concurrency: 8, endpointConcurrency: 1 });
    await warmUp(s);
    await enqueueAll(s);
    sub.gate = 1;
    expect(await s.tick()).toEqual({ delivered: N, retried: 0, dead: 0 });
    expect(sub.maxInFlight).toBe(1);
    expect(sub.hits).toEqual(ids);
  });
});
