import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrashPoll } from './__fixtures__/crash-poll.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./__fixtures__/crash-poll.ts', import.meta.url));
const TOTAL = 400;
const dir = mkdtempSync(join(tmpdir(), 'patchbay-http-crash-'));
let server: FastifyInstance;
let base: string;

beforeAll(async () => {
  server = Fastify({ forceCloseConnections: true });
  // id >= since, id > cursor, 10 per page, slowed a little so the kill lands mid-poll.
  server.get('/items', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const since = Number(q['since'] ?? 1);
    const after = Number(q['cursor'] ?? 0);
    const first = Math.max(since, after + 1);
    const data = [];
    for (let id = first; id <= TOTAL && data.length < 10; id++) data.push({ id });
    await new Promise((r) => setTimeout(r, 3));
    const last = data.at(-1)?.id;
    return { data, meta: { next_cursor: last !== undefined && last < TOTAL ? last : null } };
  });
  base = await server.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('http-poll crash safety', () => {
  it('resumes after a SIGKILL mid-poll with zero gaps and no duplicate rows downstream', async () => {
    const storePath = join(dir, 'state.db');
    const downstreamPath = join(dir, 'downstream.db');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, storePath, downstreamPath, base],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) =>
      child.on('exit', (_c, signal) => r(signal)),
    );
    let written = 0;
    const killAt = 120 + Math.floor(Math.random() * 100);
    for await (const _line of createInterface({ input: child.stdout })) {
      if (++written === killAt) child.kill('SIGKILL');
    }
    expect(await exited, `child ended without being killed: ${stderr}`).toBe('SIGKILL');
    expect(written).toBeLessThan(TOTAL);

    // The killed process still holds the run lease until it expires; jump past that instead of waiting.
    const afterLease = 60 * 60_000;
    expect(await runCrashPoll(storePath, downstreamPath, base, () => {}, afterLease)).toBe(
      'succeeded',
    );
    const db = new Database(downstreamPath, { readonly: true });
    const rows = db.prepare('SELECT id, deliveries FROM items ORDER BY id').all() as Array<{
      id: number;
      deliveries: number;
    }>;
    db.close();
    expect(rows.map((r) => r.id)).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    // At-least-once: only the page in flight at the kill may be delivered twice (and is upserted).
    expect(rows.filter((r) => r.deliveries > 1).length).toBeLessThanOrEqual(10);
  }, 30_000);
});
