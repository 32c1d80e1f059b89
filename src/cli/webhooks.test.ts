/**
 * `patchbay webhooks recover` and the delivery worker of `patchbay run`,
 * against a real subscriber on loopback and the real SQLite store. The
 * signing secret is generated per run. Messages are enqueued with a store
 * clock the test controls, so the recover window is exact.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DISABLED_ENDPOINTS, WebhookSender } from '../connectors/webhook/sender/sender.js';
import { defaultSecrets } from '../core/secrets/resolver.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { cli, testIo } from './__fixtures__/harness.js';
import { webhooksTempProject } from './__fixtures__/webhooks-project.js';
import { main } from './main.js';

const WAIT = { timeout: 15_000, interval: 20 };
const T0 = Date.parse('2026-01-10T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

interface Hit {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** A subscriber answering `answer(id)` (200 by default) and recording every request. */
class Subscriber {
  readonly hits: Hit[] = [];
  answer: (id: string) => number = () => 200;
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        this.hits.push({ id, body, headers: req.headers as Record<string, string> });
        res.writeHead(this.answer(id)).end();
      });
    });
    await new Promise<void>((r) => this.#server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.#server ? this.#server.close(() => r()) : r()));
  }
}

const SECRET_ENV = 'PB_TEST_WEBHOOKS_CLI_SECRET';
let sub: Subscriber;
let project: { dir: string; cleanup(): void } | undefined;
let secret: string;

beforeEach(async () => {
  secret = `whsec_${randomBytes(32).toString('base64')}`;
  process.env[SECRET_ENV] = secret;
  sub = new Subscriber();
  await sub.start();
});
afterEach(async () => {
  await sub.close();
  project?.cleanup();
  project = undefined;
  delete process.env[SECRET_ENV];
});

/**
 * Enqueues one message per entry at its store time and attempts each once
 * (schedule of one attempt): the subscriber's answer decides dead or delivered.
 */
async function seed(
  dir: string,
  entries: Array<{ id: string; at: number; status: number }>,
): Promise<void> {
  let clock = T0;
  const store = await openSqliteStore({ path: join(dir, 'state.db'), clock: () => clock });
  const sender = new WebhookSender({
    store,
    secrets: defaultSecrets,
    logger: pino({ level: 'silent' }),
    integrationId: 'webhooks',
    endpoints: [
      { id: 'acme', url: sub.url, secrets: [`env:${SECRET_ENV}`], allowHosts: ['127.0.0.1'] },
    ],
    schedule: [0],
    batch: 100,
  });
  try {
    for (const e of entries) {
      clock = e.at;
      await sender.enqueue('acme', 'order.shipped', { id: e.id }, { id: e.id, now: e.at });
    }
    const statuses = new Map(entries.map((e) => [e.id, e.status]));
    sub.answer = (id) => statuses.get(id) ?? 200;
    await sender.tick(T0 + 60_000);
  } finally {
    await sender.close();
    await store.close();
  }
  sub.hits.length = 0;
  sub.answer = () => 200;
}

async function outbox(dir: string) {
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  try {
    return {
      dead: await store.outbox.count('webhooks', 'dead'),
      delivered: await store.outbox.count('webhooks', 'delivered'),
      pending: await store.outbox.count('webhooks', 'pending'),
      letters: (await store.deadLetters.list('webhooks')).map((l) => l.itemKey),
      disabled: await store.cache.get(DISABLED_ENDPOINTS, 'acme'),
    };
  } finally {
    await store.close();
  }
}

/** Runs `patchbay run` until the subscriber has seen `ids`, then stops it with SIGTERM. */
async function runUntilDelivered(dir: string, ids: string[]): Promise<number> {
  const io = testIo();
  const running = main(['run', '--project', dir, '--no-admin'], io);
  try {
    await vi.waitFor(() => {
      expect(new Set(sub.hits.map((h) => h.id))).toEqual(new Set(ids));
    }, WAIT);
  } finally {
    io.signal('SIGTERM');
  }
  const code = await running;
  expect(io.err()).not.toContain('webhook delivery tick failed');
  return code;
}

const FIVE = [
  { id: 'msg_before', at: T0, status: 500 },
  { id: 'msg_first', at: T0 + 1000, status: 500 },
  { id: 'msg_ok', at: T0 + 2000, status: 200 },
  { id: 'msg_last', at: T0 + 3000, status: 503 },
  { id: 'msg_after', at: T0 + 4000, status: 500 },
];

describe('patchbay webhooks recover', () => {
  it('re-sends exactly the failed messages of the window, and `run` delivers them', async () => {
    project = webhooksTempProject({ url: sub.url, secretEnv: SECRET_ENV });
    const dir = project.dir;
    await seed(dir, FIVE);
    expect(await outbox(dir)).toMatchObject({ dead: 4, delivered: 1, pending: 0 });

    const { code, out, err } = await cli([
      'webhooks',
      'recover',
      'acme',
      '--since',
      iso(T0 + 1000),
      '--until',
      iso(T0 + 3000),
      '--project',
      dir,
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('2 message(s) queued again');
    expect(out).toContain('2 failed, 0 already delivered; 2 dead letter(s) removed');
    const after = await outbox(dir);
    expect(after).toMatchObject({ dead: 2, delivered: 1, pending: 2 });
    expect(after.letters.sort()).toEqual(['msg_after', 'msg_before']);

    // The dead messages are sent again by the runtime's worker, and succeed.
    expect(await runUntilDelivered(dir, ['msg_first', 'msg_last'])).toBe(0);
    expect(sub.hits.map((h) => h.id).sort()).toEqual(['msg_first', 'msg_last']);
    for (const hit of sub.hits) {
      expect(new Webhook(secret).verify(hit.body, hit.headers)).toMatchObject({
        type: 'order.shipped',
        data: { id: hit.id },
      });
    }
    expect(await outbox(dir)).toMatchObject({ dead: 2, delivered: 3, pending: 0 });
  });

  it('with --all also re-sends delivered messages (JSON output)', async () => {
    project = webhooksTempProject({ url: sub.url, secretEnv: SECRET_ENV });
    await seed(project.dir, FIVE);
    const { code, out } = await cli([
      'webhooks',
      'recover',
      'acme',
      '--since',
      iso(T0 + 2000),
      '--until',
      iso(T0 + 4000),
      '--all',
      '--json',
      '--project',
      project.dir,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(out) as {
      resent: number;
      include: string;
      messages: Array<{ id: string; was: string }>;
    };
    expect(result).toMatchObject({ resent: 3, include: 'all' });
    expect(result.messages.map((m) => [m.id, m.was])).toEqual([
      ['msg_ok', 'delivered'],
      ['msg_last', 'dead'],
      ['msg_after', 'dead'],
    ]);
    expect(await outbox(project.dir)).toMatchObject({ dead: 2, delivered: 0, pending: 3 });
  });

  it('refuses a disabled endpoint unless --enable, then enables it and recovers', async () => {
    project = webhooksTempProject({ url: sub.url, secretEnv: SECRET_ENV });
    const dir = project.dir;
    await seed(dir, [
      { id: 'msg_gone', at: T0 + 1000, status: 410 },
      { id: 'msg_next', at: T0 + 2000, status: 200 }, // refused by the sender: endpoint disabled
    ]);
    expect((await outbox(dir)).disabled).toBeDefined();
    const args = ['webhooks', 'recover', 'acme', '--since', iso(T0), '--project', dir];
    const refused = await cli(args);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('webhook endpoint acme is disabled (it answered 410 Gone)');
    expect(refused.err).toContain('hint: fix the subscriber first, then add --enable');
    expect(await outbox(dir)).toMatchObject({ dead: 2, pending: 0 });

    const enabled = await cli([...args, '--enable']);
    expect(enabled.code).toBe(0);
    expect(enabled.out).toContain('2 message(s) queued again');
    expect(enabled.out).toContain('endpoint acme was disabled (410) and is enabled again');
    const after = await outbox(dir);
    expect(after).toMatchObject({ dead: 0, pending: 2, letters: [] });
    expect(after.disabled).toBeUndefined();
    expect(await runUntilDelivered(dir, ['msg_gone', 'msg_next'])).toBe(0);
  });

  it('names unknown endpoints, bad times, an inverted window and a project without endpoints (exit 2)', async () => {
    project = webhooksTempProject({ url: sub.url, secretEnv: SECRET_ENV });
    const base = ['webhooks', 'recover', '--project', project.dir];
    const unknown = await cli([...base, 'nope', '--since', '1d']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no webhook endpoint "nope" in project webhooks-fixture');
    expect(unknown.err).toContain('known endpoints: acme');

    const bad = await cli([...base, 'acme', '--since', 'yesterday-ish']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--since "yesterday-ish" is not a time');

    const badUntil = await cli([...base, 'acme', '--since', '2026-01-10', '--until', '2026-13-45']);
    expect(badUntil.code).toBe(2);
    expect(badUntil.err).toContain('--until "2026-13-45" is not a time');

    const inverted = await cli([
      ...base,
      'acme',
      '--since',
      '2026-01-11T00:00:00Z',
      '--until',
      '2026-01-10T00:00:00Z',
    ]);
    expect(inverted.code).toBe(2);
    expect(inverted.err).toContain(
      '--since (2026-01-11T00:00:00.000Z) is after --until (2026-01-10T00:00:00.000Z)',
    );

    const missing = await cli([...base, 'acme']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("required option '--since <time>' not specified");

    project.cleanup();
    project = webhooksTempProject({ url: sub.url, secretEnv: SECRET_ENV, noWebhooks: true });
    const none = await cli([
      'webhooks',
      'recover',
      'acme',
      '--since',
      '1d',
      '--project',
      project.dir,
    ]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('project webhooks-fixture declares no webhook endpoints');
  });
});

describe('patchbay run with webhook endpoints', () => {
  it('starts the delivery worker and delivers pending messages to the subscriber, signed', async () => {
    project = webhooksTempProject({ url: sub.url, secretEnv: SECRET_ENV });
    const store = await openSqliteStore({ path: join(project.dir, 'state.db') });
    for (const n of [1, 2, 3]) {
      await store.outbox.enqueue({
        integrationId: 'webhooks',
        destination: 'webhook:acme',
        payload: { id: `msg_run${n}`, body: JSON.stringify({ type: 't', data: { n } }) },
        idempotencyKey: `msg_run${n}`,
      });
    }
    await store.close();
    expect(await runUntilDelivered(project.dir, ['msg_run1', 'msg_run2', 'msg_run3'])).toBe(0);
    for (const hit of sub.hits)
      expect(() => new Webhook(secret).verify(hit.body, hit.headers)).not.toThrow();
    expect(await outbox(project.dir)).toMatchObject({ delivered: 3, pending: 0 });
  });

  it('refuses an endpoint URL the SSRF guard rejects (exit 2) instead of running', async () => {
    const url = sub.url.replace('127.0.0.1', 'localhost');
    project = webhooksTempProject({ url, secretEnv: SECRET_ENV });
    const { code, err } = await cli(['run', '--project', project.dir, '--no-admin']);
    expect(code).toBe(2);
    expect(err).toMatch(/refused/);
  });
});
