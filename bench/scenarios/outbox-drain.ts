/**
 * `outbox.drain`: signed webhook deliveries per second from the outbox to a
 * local subscriber (its own process, answering 204), through Patchbay's
 * `WebhookSender` (claim from the durable outbox, breaker, Standard Webhooks
 * signing, POST, durable mark-delivered), against a bare undici POST loop
 * that signs each message the same way, in the same run. The outbox is
 * filled before the timed window; only draining is timed. The baseline
 * delivers one message at a time; the sender runs with its defaults (20
 * messages claimed per tick, up to 16 in flight, the tick's marks in one
 * shared commit) and, as a second variant, claiming 100 per tick.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Pool } from 'undici';
import { SecretResolverChain } from '../../src/core/secrets/resolver.js';
import { signStandardWebhook } from '../../src/connectors/webhook/schemes/standard-webhooks.js';
import { WebhookSender } from '../../src/connectors/webhook/sender/sender.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { closedLoop, type Sample, type Scenario, type Variant } from '../harness.js';

// Generated per run: no signing secret lives in the repository, not even a bench one.
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const SUBSCRIBER = fileURLToPath(new URL('./outbox-drain-subscriber.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DATA = { orderId: 'o-1', pad: 'x'.repeat(900) };
/** Messages enqueued before a timed window; more than a window drains on these machines. */
const PREFILL = Number(process.env['BENCH_OUTBOX_PREFILL'] ?? 20_000);

function durationMs(): number {
  return Number(process.env['BENCH_DURATION_MS'] ?? 800);
}

async function subscriber(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SUBSCRIBER], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  for await (const line of createInterface({ input: proc.stdout! })) {
    const port = /^ready (\d+)$/.exec(line)?.[1];
    if (port) return { proc, url: `http://127.0.0.1:${port}/hooks` };
  }
  throw new Error('subscriber did not start');
}

function secrets(): SecretResolverChain {
  return new SecretResolverChain().register({
    scheme: 'bench',
    resolve: async () => SECRET,
  });
}

/** The baseline: sign like the sender (id, timestamp, JSON body) and POST, one at a time. */
async function bareLoop(): Promise<Sample> {
  const { proc, url } = await subscriber();
  const pool = new Pool(new URL(url).origin, { connections: 1 });
  let seq = 0;
  const op = async () => {
    seq += 1;
    const id = `msg_${seq}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      type: 'order.shipped',
      timestamp: new Date().toISOString(),
      data: DATA,
    });
    const res = await pool.request({
      path: '/hooks',
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signStandardWebhook({ id, timestamp, body, secrets: [SECRET] }),
      },
      body,
    });
    await res.body.dump();
    if (res.statusCode !== 204) throw new Error(`subscriber answered ${res.statusCode}`);
  };
  try {
    await closedLoop(1, 300, op); // warm-up: connection, JIT
    return await closedLoop(1, durationMs(), op);
  } finally {
    await pool.close();
    proc.kill('SIGKILL');
  }
}

/** Patchbay: drain a prefilled durable outbox through the WebhookSender for one window. */
async function senderDrain(options: { batch?: number } = {}): Promise<Sample> {
  const { proc, url } = await subscriber();
  const dir = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'patchbay-bench-'));
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  const sender = new WebhookSender({
    store,
    secrets: secrets(),
    logger: pino({ level: 'silent' }),
    integrationId: 'bench',
    endpoints: [{ id: 'sub', url, secrets: ['bench:SECRET'], allowHosts: ['127.0.0.1'] }],
    ...options,
  });
  try {
    await Promise.all(
      Array.from({ length: PREFILL }, (_, i) =>
        sender.enqueue('sub', 'order.shipped', DATA, { id: `msg_${i}` }),
      ),
    );
    const drain = async (ms: number) => {
      let delivered = 0;
      const start = performance.now();
      const deadline = start + ms;
      while (performance.now() < deadline) {
        const tick = await sender.tick();
        if (tick.retried + tick.dead > 0)
          throw new Error(`deliveries failed: ${JSON.stringify(tick)}`);
        if (tick.delivered === 0) break;
        delivered += tick.delivered;
      }
      return { ops: delivered, elapsedMs: performance.now() - start };
    };
    await drain(300); // warm-up: connection, JIT, SQLite pages
    const sample = await drain(durationMs());
    if (sample.ops === 0) throw new Error('nothing was delivered');
    return sample;
  } finally {
    await sender.close();
    await store.close();
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The scenario.
 *
 * @example
 * ```ts
 * await runScenario(outboxDrain());
 * ```
 */
export function outboxDrain(): Scenario {
  const variants: Variant[] = [
    { name: 'bare undici POST loop, same signing', baseline: true, run: bareLoop },
    { name: 'WebhookSender draining the durable outbox', run: () => senderDrain() },
    {
      name: 'WebhookSender draining the durable outbox, batch 100',
      run: () => senderDrain({ batch: 100 }),
    },
  ];
  return {
    name: 'outbox.drain',
    description:
      'signed webhook deliveries per second from the durable outbox to a local subscriber vs a bare signing POST loop',
    cases: [{ name: '~1 KiB messages, one subscriber', variants }],
    params: { prefill: PREFILL, durationMs: durationMs(), bodyBytes: JSON.stringify(DATA).length },
  };
}
