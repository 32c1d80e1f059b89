/**
 * Test peers for the alert sinks: a temp SQLite store, Postfix `smtp-sink`
 * on a free loopback port, and a local HTTP server that records requests.
 * The HTTP peer stands in for ServiceNow, Slack and webhook receivers, which
 * have no real server here; SMTP runs against the real Postfix test server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStore } from '../../../store/sqlite/index.js';

/** A temp file store plus a dump of every table, for grepping secrets. */
export interface TempStore {
  store: SqliteStore;
  /** Every row of every table as text (buffers decoded), so nothing can hide. */
  dump(): string;
  cleanup(): Promise<void>;
}

/** Opens a SQLite store in a fresh temp folder. */
export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-alerts-'));
  const path = join(dir, 'state.db');
  const store = await openSqliteStore({ path });
  return {
    store,
    dump() {
      const db = new Database(path, { readonly: true });
      try {
        const tables = db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all() as Array<{ name: string }>;
        return tables
          .map(({ name }) =>
            JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all(), (_k, v: unknown) =>
              Buffer.isBuffer(v) ? v.toString('utf8') : v,
            ),
          )
          .join('\n');
      } finally {
        db.close();
      }
    },
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A secret value unique to this run, set in the environment under `name`. */
export function canary(name: string): { ref: string; value: string } {
  const value = `canary-${randomUUID()}`;
  process.env[name] = value;
  return { ref: `env:${name}`, value };
}

// ───────────────────────── smtp-sink ─────────────────────────

const SMTP_SINK = '/usr/sbin/smtp-sink';

/** A running Postfix `smtp-sink`. */
export interface SmtpSink {
  port: number;
  /** The captured messages (smtp-sink headers + message), oldest first. */
  messages(): string[];
  stop(): Promise<void>;
}

function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const attempt = (): void => {
      if (child.exitCode !== null) {
        reject(new Error(`smtp-sink exited (${child.exitCode}): ${stderr()}`));
        return;
      }
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (++tries > 200) reject(new Error(`smtp-sink did not listen on ${port}: ${stderr()}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/**
 * Starts `smtp-sink` capturing every message to a temp folder. `faults` are
 * extra flags, e.g. `['-r', 'RCPT']` (4xx), `['-f', 'RCPT']` (5xx), `['-q', 'MAIL']`
 * (disconnect); `port` restarts a sink where a stopped one listened. Fails
 * (never skips) when Postfix is not installed.
 */
export async function startSmtpSink(faults: string[] = [], port?: number): Promise<SmtpSink> {
  if (!existsSync(SMTP_SINK)) {
    throw new Error(
      `${SMTP_SINK} is missing: the email alert tests need Postfix's smtp-sink. Install it with "apt-get install postfix".`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-smtp-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // smtp-sink refuses to run as root; the user it drops to must write the captures.
    const ids = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postfix:'))
      ?.split(':');
    if (!ids) throw new Error('running as root needs the postfix user (apt-get install postfix)');
    chownSync(dir, Number(ids[2]), Number(ids[3]));
  }
  let lastError: unknown;
  // The free port can be taken between probing and binding; try a few.
  for (let i = 0; i < 5; i++) {
    const listen = port ?? (await freePort());
    const args = [
      ...(asRoot ? ['-u', 'postfix'] : []),
      ...faults,
      '-d',
      `${dir}/%H%M%S.`,
      `127.0.0.1:${listen}`,
      '100',
    ];
    const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await waitForPort(listen, child, () => err);
    } catch (e) {
      lastError = e;
      child.kill();
      continue;
    }
    return {
      port: listen,
      messages: () =>
        readdirSync(dir)
          .sort()
          .map((f) => readFileSync(join(dir, f), 'utf8')),
      async stop() {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill();
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  throw lastError;
}

// ───────────────────────── HTTP peer ─────────────────────────

/** One request the HTTP peer received. */
export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Answers one request; return nothing to let the default (200 `{}`) stand. */
export type Handler = (
  req: Received,
  res: ServerResponse,
) => void | { status: number; body?: unknown; headers?: Record<string, string> };

/** A local HTTP server on a fixed loopback port that can be stopped and started again. */
export interface HttpPeer {
  url: string;
  received: Received[];
  handler: Handler;
  /** Closes the listener and every open connection: the peer is down (connection refused). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
}

/** Starts a recording HTTP server on 127.0.0.1. */
export async function startHttpPeer(handler: Handler = () => undefined): Promise<HttpPeer> {
  let server: Server | undefined;
  let port = 0;
  const peer: HttpPeer = {
    url: '',
    received: [],
    handler,
    async down() {
      const s = server;
      server = undefined;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    async up() {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const r: Received = {
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          };
          peer.received.push(r);
          const out = peer.handler(r, res);
          if (res.headersSent || res.writableEnded) return;
          const answer = out ?? { status: 200, body: {} };
          res.writeHead(answer.status, {
            'content-type': 'application/json',
            ...answer.headers,
          });
          res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        });
      });
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
      port = (s.address() as { port: number }).port;
      peer.url = `http://127.0.0.1:${port}`;
      server = s;
    },
  };
  await peer.up();
  return peer;
}
