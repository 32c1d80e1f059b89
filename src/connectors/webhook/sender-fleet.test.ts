/**
 * The sender across processes and over time: two senders on one SQLite file
 * (each with its own connection, as two runtime processes would have) share
 * one breaker per endpoint and one half-open probe; and recover re-sends a
 * window of dead messages, which then succeed. Explicit clocks: nothing here
 * waits for time to pass.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SecretResolverChain } from '../../core/secrets/resolver.js';
import { openSqliteStore, type SqliteStore } from '../../store/sqlite/index.js';
import { isEndpointDisabled, recoverDeliveries } from './sender/recover.js';
import { WebhookSender, type WebhookSenderOptions } from './sender/sender.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const secrets = () =>
  new SecretResolverChain().register({ scheme: 'gen', resolve: async () => SECRET });

/** A subscriber answering `answer(id)`; while `hold` is set, requests wait for its release. */
class Subscriber {
  readonly hits: string[] = [];
  answer: (id: string) => number = () => 200;
  hold: Promise<void> | undefined;
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const id = String(req.headers['webhook-id']);
      this.hits.push(id);
      req.resume();
      req.on('end', () => {
        void (this.hold ?? Promise.resolve()).then(() => res.writeHead(this.answer(id)).end());
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.#server?.closeAllConnections();
    return new Promise((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

let dir: string;
let sub: Subscriber;
const stores: SqliteStore[] = [];
const senders: WebhookSender[] = [];
let clock = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pb-sender-fleet-'));
  sub = new Subscriber();
  await sub.start();
  clock = Date.parse('2026-01-10T10:00:00Z');
});
afterEach(async () => {
  for (const s of senders.splice(0)) await s.close();
  for (const s of stores.splice(0)) await s.close();
  await sub.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sender on its own connection to the shared file. */
async function sender(extra: Partial<WebhookSenderOptions> = {}) {
  const store = await openSqliteStore({ path: join(dir, 'state.db'), clock: () => clock });
  stores.push(store);
  const s = new WebhookSender({
    store,
    secrets: secrets(),
    logger: pino({ level: 'silent' }),
    integrationId: 'events-out',
    endpoints: [{ id: 'acme', url: sub.url, secrets: ['gen:x'], allowHosts: ['127.0.0.1'] }],
    ...extra,
  });
  senders.push(s);
  return { s, store };
}

/** Reads a message's last error on a read-only connection: claiming it would take it over. */
async function lastErrorCode(store: SqliteStore, id: string): Promise<string | undefined> {
  const db = new Database(store.path, { readonly: true });
  try {
    const row = db
      .prepare(
        "SELECT json_extract(last_error, '$.code') AS code FROM outbox WHERE json_extract(payload, '$.id') = ?",
      )
      .get(id) as { code: string | null } | undefined;
    return row?.code ?? undefined;
  } finally {
    db.close();
  }
}

describe('webhook sender breaker shared through the store', () => {
  it('one sender trips the breaker; the other sees it open and holds its message back', async () => {
    const opts = { breaker: { threshold: 2, openMs: 60_000 } };
    const a = await sender(opts);
    const b = await sender({ ...opts, batch: 1 });
    sub.answer = () => 500;
    const t0 = clock;
    await a.s.enqueue('acme', 't', { n: 1 }, { id: 'msg_a1' });
    await a.s.enqueue('acme', 't', { n: 2 }, { id: 'msg_a2' });
    expect(await a.s.tick(t0)).toEqual({ delivered: 0, retried: 2, dead: 0 });
    expect(sub.hits).toEqual(['msg_a1', 'msg_a2']);

    // B never failed itself, yet it sends nothing while the shared breaker is open.
    await b.s.enqueue('acme', 't', { n: 3 }, { id: 'msg_b1' });
    expect(await b.s.tick(t0 + 1)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(sub.hits).toEqual(['msg_a1', 'msg_a2']);
    const state = await b.store.policyState.get('breaker:webhook:events-out:acme');
    expect(state?.value).toMatchObject({
      state: 'open',
      openUntil: t0 + 60_000,
      reason: 'HTTP_500',
    });

    // Once the open period is over, B probes (with the earliest due message); it succeeds
    // and closes the breaker for A too.
    sub.answer = () => 200;
    expect(await b.s.tick(t0 + 60_000)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(sub.hits.at(-1)).toBe('msg_a1');
    expect((await a.store.policyState.get('breaker:webhook:events-out:acme'))?.value).toMatchObject(
      {
        state: 'closed',
      },
    );
    expect(await a.s.tick(t0 + 60_000)).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(sub.hits).toEqual(['msg_a1', 'msg_a2', 'msg_a1', 'msg_a2', 'msg_b1']);
  });

  it('lets exactly one of the senders probe a half-open endpoint', async () => {
    const opts = { breaker: { threshold: 1, openMs: 10_000 }, batch: 1 };
    const a = await sender(opts);
    const b = await sender(opts);
    sub.answer = () => 503;
    const t0 = clock;
    await a.s.enqueue('acme', 't', {}, { id: 'msg_1' });
    expect(await a.s.tick(t0)).toMatchObject({ retried: 1 });
    await a.s.enqueue('acme', 't', {}, { id: 'msg_2' });
    await a.s.enqueue('acme', 't', {}, { id: 'msg_3' });

    // A's probe hangs at the subscriber; meanwhile B claims another message.
    let release!: () => void;
    sub.hold = new Promise((r) => (release = r));
    sub.answer = () => 200;
    const probing = a.s.tick(t0 + 10_000);
    await vi.waitFor(() => expect(sub.hits).toHaveLength(2), { timeout: 10_000, interval: 5 });
    expect(await b.s.tick(t0 + 10_000)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(sub.hits).toHaveLength(2); // B sent nothing: the probe is A's
    expect(await lastErrorCode(b.store, 'msg_3')).toBe('CIRCUIT_OPEN');
    release();
    expect(await probing).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect((await b.store.policyState.get('breaker:webhook:events-out:acme'))?.value).toMatchObject(
      {
        state: 'closed',
      },
    );
  });
});

describe('webhook recover', () => {
  it('re-sends exactly the dead messages of the window; they are delivered, the rest stay dead', async () => {
    const { s, store } = await sender({
      schedule: [0, 5_000],
      batch: 100,
      breaker: { threshold: 100 },
    });
    const t0 = clock;
    const ids = ['msg_0', 'msg_1', 'msg_2', 'msg_3', 'msg_4'];
    for (const [i, id] of ids.entries()) {
      clock = t0 + i * 1000;
      await s.enqueue('acme', 'order.shipped', { i }, { id, now: clock });
    }
    sub.answer = (id) => (id === 'msg_2' ? 200 : 500);
    await s.tick(t0 + 10_000);
    expect(await s.tick(t0 + 20_000)).toEqual({ delivered: 0, retried: 0, dead: 4 });
    expect(await store.outbox.count('events-out', 'dead')).toBe(4);
    expect(await store.deadLetters.count('events-out')).toBe(4);

    sub.hits.length = 0;
    sub.answer = () => 200;
    const { resent, deadLettersRemoved } = await recoverDeliveries(store, {
      integrationId: 'events-out',
      endpointId: 'acme',
      since: t0 + 1000,
      until: t0 + 3000,
      now: t0 + 30_000,
    });
    expect(resent.map((r) => [(r.payload as { id: string }).id, r.status, r.attempts])).toEqual([
      ['msg_1', 'dead', 2],
      ['msg_3', 'dead', 2],
    ]);
    expect(deadLettersRemoved).toBe(2);
    expect(await s.tick(t0 + 29_999)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(await s.tick(t0 + 30_000)).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(sub.hits).toEqual(['msg_1', 'msg_3']);
    expect(await store.outbox.count('events-out', 'delivered')).toBe(3);
    expect(await store.outbox.count('events-out', 'dead')).toBe(2);
    expect((await store.deadLetters.list('events-out')).map((l) => l.itemKey)).toEqual([
      'msg_0',
      'msg_4',
    ]);
  });

  it('gives a re-sent message a fresh schedule, and dead-letters it again if it fails again', async () => {
    const { s, store } = await sender({
      schedule: [0, 5_000],
      batch: 100,
      breaker: { threshold: 100 },
    });
    const t0 = clock;
    await s.enqueue('acme', 't', {}, { id: 'msg_x' });
    sub.answer = () => 500;
    await s.tick(t0);
    expect(await s.tick(t0 + 5_000)).toMatchObject({ dead: 1 });
    await recoverDeliveries(store, {
      integrationId: 'events-out',
      endpointId: 'acme',
      since: 0,
      until: t0,
      now: t0 + 10_000,
    });
    // Two attempts again (the schedule), not one: the old attempts were forgotten.
    expect(await s.tick(t0 + 10_000)).toMatchObject({ retried: 1 });
    expect(await s.tick(t0 + 15_000)).toMatchObject({ dead: 1 });
    expect(sub.hits).toEqual(['msg_x', 'msg_x', 'msg_x', 'msg_x']);
    expect(await store.deadLetters.count('events-out')).toBe(1);
  });

  it('refuses a disabled endpoint unless asked to enable it', async () => {
    const { s, store } = await sender();
    await s.enqueue('acme', 't', {}, { id: 'msg_gone' });
    sub.answer = () => 410;
    expect(await s.tick(clock)).toMatchObject({ dead: 1 });
    expect(await isEndpointDisabled(store, 'acme')).toBe(true);
    const window = { integrationId: 'events-out', endpointId: 'acme', since: 0, until: clock };
    await expect(recoverDeliveries(store, window)).rejects.toMatchObject({
      code: 'ENDPOINT_DISABLED',
    });
    expect(await store.outbox.count('events-out', 'dead')).toBe(1);
    const result = await recoverDeliveries(store, { ...window, enable: true, now: clock });
    expect(result).toMatchObject({ enabled: true, deadLettersRemoved: 1 });
    expect(await isEndpointDisabled(store, 'acme')).toBe(false);
    sub.answer = () => 200;
    expect(await s.tick(clock)).toEqual({ delivered: 1, retried: 0, dead: 0 });
  });
});
