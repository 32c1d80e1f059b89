/**
 * `ingest.webhook.durable`: verified, durably stored (`synchronous=FULL`,
 * adaptive group commit) webhook acknowledgements per second and their p99
 * at 100 connections, against a bare node:http server that only checks the
 * HMAC, with the same 1 KiB Standard Webhooks requests in the same run.
 * Each server runs in its own process; this process only generates load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { closedLoop, type Sample, type Scenario, type Variant } from '../harness.js';

const CONNECTIONS = 100;
// Generated per run: no signing secret lives in the repository, not even a bench one.
const KEY = randomBytes(32);
const SECRET = `whsec_${KEY.toString('base64')}`;
const BODY = Buffer.from(JSON.stringify({ type: 'bench', pad: 'x'.repeat(1024 - 25) }));
const SERVER = fileURLToPath(new URL('./ingest-webhook-server.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function durationMs(): number {
  return Number(process.env['BENCH_DURATION_MS'] ?? 800);
}

interface Server {
  proc: ChildProcess;
  port: number;
  /** The server process's CPU time so far (user + system, µs). */
  cpuUs(): Promise<number>;
}

async function start(variant: string, dir: string): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SERVER, variant, dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_WEBHOOK_SECRET: SECRET },
  });
  const waiting: Array<(line: string) => void> = [];
  const lines = createInterface({ input: proc.stdout! });
  lines.on('line', (line) => waiting.shift()?.(line));
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const exited = new Promise<never>((_, reject) =>
    proc.once('exit', () => reject(new Error(`${variant} server exited`))),
  );
  exited.catch(() => undefined);
  const port = /^ready (\d+)$/.exec(await Promise.race([next(), exited]))?.[1];
  if (!port) throw new Error(`${variant} server did not start`);
  const cpuUs = async () => {
    const line = next();
    proc.kill('SIGUSR2');
    return Number(/^cpu (\d+)$/.exec(await Promise.race([line, exited]))?.[1]);
  };
  return { proc, port: Number(port), cpuUs };
}

let seq = 0;
function request() {
  seq += 1;
  const id = `msg_${seq}`;
  const ts = String(Math.floor(Date.now() / 1000));
  const mac = createHmac('sha256', KEY).update(`${id}.${ts}.`).update(BODY).digest('base64');
  return {
    path: variantPath,
    method: 'POST' as const,
    body: BODY,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': ts,
      'webhook-signature': `v1,${mac}`,
    },
  };
}
let variantPath = '/';

async function measure(variant: string, path: string): Promise<Sample> {
  const dir = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'patchbay-bench-'));
  const { proc, port, cpuUs } = await start(variant, dir);
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONNECTIONS });
  variantPath = path;
  let errors = 0;
  const op = async () => {
    const res = await pool.request(request());
    await res.body.dump();
    if (res.statusCode !== 200) errors++;
  };
  try {
    await closedLoop(CONNECTIONS, 300, op); // warm-up: connections, JIT, SQLite pages
    const cpuBefore = await cpuUs();
    const clientBefore = process.cpuUsage();
    const sample = await closedLoop(CONNECTIONS, durationMs(), op);
    const client = process.cpuUsage(clientBefore);
    const cpuAfter = await cpuUs();
    if (errors > 0) throw new Error(`${variant}: ${errors} requests were not answered 200`);
    // The load generator shares the 2 vCPUs: its own cost per request bounds what any server can reach.
    return {
      ...sample,
      serverCpuUsPerOp: (cpuAfter - cpuBefore) / sample.ops,
      clientCpuUsPerOp: (client.user + client.system) / sample.ops,
    };
  } finally {
    await pool.close();
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The scenario.
 *
 * @example
 * ```ts
 * await runScenario(ingestWebhookDurable());
 * ```
 */
export function ingestWebhookDurable(): Scenario {
  const all: Array<Variant & { id: string }> = [
    {
      id: 'bare',
      name: 'bare node:http, HMAC only',
      baseline: true,
      run: () => measure('bare', '/'),
    },
    {
      id: 'node-http',
      name: 'receiver on node:http, durable',
      run: () => measure('node-http', '/webhooks/bench'),
    },
    {
      id: 'fastify',
      name: 'receiver on fastify, durable',
      run: () => measure('fastify', '/webhooks/bench'),
    },
    {
      id: 'node-http-thread-pool',
      name: 'receiver on node:http, fsync in the thread pool',
      run: () => measure('node-http-thread-pool', '/webhooks/bench'),
    },
  ];
  // BENCH_VARIANTS=bare,node-http,... measures a subset (the baseline always runs).
  const only = process.env['BENCH_VARIANTS']?.split(',');
  const variants: Variant[] = all.filter((v) => v.baseline || !only || only.includes(v.id));
  return {
    name: 'ingest.webhook.durable',
    description:
      'verified, durably stored webhook acknowledgements per second at 100 connections vs a bare HMAC-only node:http server',
    cases: [{ name: `${CONNECTIONS} connections, 1 KiB`, variants }],
    params: { connections: CONNECTIONS, bodyBytes: BODY.length, durationMs: durationMs() },
  };
}
