import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { signedRequest } from './__fixtures__/harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./__fixtures__/crash-receiver.ts', import.meta.url));
const TOTAL = 1500;
const KILL_AFTER_ACKS = [250, 650, 1050];
const SENDERS = 16;

const dir = mkdtempSync(join(tmpdir(), 'patchbay-webhook-crash-'));
const storePath = join(dir, 'state.db');
const downstreamPath = join(dir, 'downstream.db');
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startChild(generation: number): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, storePath, downstreamPath, String(generation)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  for await (const line of createInterface({ input: proc.stdout! })) {
    const port = /^ready (\d+)$/.exec(line)?.[1];
    if (port) return { proc, base: `http://127.0.0.1:${port}/webhooks/hooks` };
  }
  throw new Error(`receiver did not start: ${stderr}`);
}

function downstream(): Array<{ event_id: string; deliveries: number }> {
  const db = new Database(downstreamPath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT event_id, deliveries FROM effects').all() as Array<{
      event_id: string;
      deliveries: number;
    }>;
  } finally {
    db.close();
  }
}

describe('webhook receiver crash safety', () => {
  it('loses nothing a 2xx acknowledged and applies each event once across SIGKILLs', async () => {
    let generation = 0;
    let current = await startChild(generation);
    child = current.proc;
    const queue = Array.from({ length: TOTAL }, (_, i) => i);
    const acked = new Set<number>();
    let posts = 0;
    let duplicates = 0;
    let failures = 0;
    let kills = 0;

    // A provider: sends each event until it gets a 2xx, retrying on errors and 5xx.
    const sender = async () => {
      for (;;) {
        const n = queue.shift();
        if (n === undefined) {
          if (acked.size === TOTAL) return;
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        posts++;
        try {
          const req = signedRequest(`evt_${n}`, { n });
          const res = await fetch(current.base, { method: 'POST', ...req });
          const body = (await res.json()) as { code?: string };
          if (res.status === 200) {
            acked.add(n);
            if (body.code === 'DUPLICATE') duplicates++;
            continue;
          }
        } catch {
          // Connection refused or reset: the receiver is down.
        }
        failures++;
        queue.push(n);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    // Chaos: SIGKILL the receiver at a few points while the senders run, then restart it.
    const chaos = async () => {
      for (const threshold of KILL_AFTER_ACKS) {
        while (acked.size < threshold) await new Promise((r) => setTimeout(r, 2));
        const exited = new Promise((r) => current.proc.once('exit', r));
        current.proc.kill('SIGKILL');
        await exited;
        kills++;
        current = await startChild(++generation);
        child = current.proc;
      }
    };
    await Promise.all([chaos(), ...Array.from({ length: SENDERS }, sender)]);
    expect(kills).toBe(KILL_AFTER_ACKS.length);
    expect(acked.size).toBe(TOTAL);

    const deadline = Date.now() + 30_000;
    let rows = downstream();
    while (rows.length < TOTAL && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      rows = downstream();
    }
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));

    const ids = rows.map((r) => r.event_id).sort();
    const expected = Array.from({ length: TOTAL }, (_, i) => `evt_${i}`).sort();
    expect(ids).toEqual(expected);
    const reapplied = rows.filter((r) => r.deliveries > 1).length;
    const store = await openSqliteStore({ path: storePath });
    const stored = await store.inbox.count('hooks');
    await store.close();
    expect(stored).toBe(TOTAL);
    console.log(
      `webhook crash test: ${TOTAL} events, ${kills} SIGKILLs, ${posts - TOTAL} redeliveries ` +
        `(${failures} failed attempts, ${duplicates} answered as duplicates), ` +
        `${reapplied} events written downstream more than once (absorbed by the idempotent upsert)`,
    );
  }, 90_000);
});
