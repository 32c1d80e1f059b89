/**
 * Disk fault, for real: the webhook receiver runs in a child process under
 * `strace -f -P <store WAL> -e inject=pwrite64,write:error=ENOSPC:when=1..K`,
 * so the first K writes to the store's write-ahead log (the only file a
 * commit writes to in WAL mode; SQLite writes it with pwrite64) fail with
 * "no space left on device", scoped to that one path. A provider sends
 * signed events one at a time and retries on 503. Asserted:
 *
 * - while writes fail, every answer is 503 with `Retry-After` and code
 *   `STORE_UNAVAILABLE`, never a 2xx; the strace log shows the injected faults;
 * - once the fault is used up, the same process acknowledges again;
 * - after the receiver is killed and the store reopened without the fault,
 *   every acknowledged event is in the inbox, once.
 *
 * strace is a required peer (PEERS.md): without it the test fails and says
 * how to install it. It never skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { signedRequest } from './__fixtures__/harness.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./__fixtures__/disk-fault-receiver.ts', import.meta.url));
const EVENTS = 30;
// The disk "fills up" while the receiver is running: the 20th write to the WAL and the
// seven after it fail (the first events are stored fine; the first fault lands inside a
// transaction, between the pages of one commit).
const FIRST_FAULT = 20;
const FAULTS = 8;

const dir = mkdtempSync(join(tmpdir(), 'patchbay-disk-fault-'));
let child: ChildProcess | undefined;
const straces: ChildProcess[] = [];
const receivers = new Set<number>();
afterAll(() => {
  for (const pid of receivers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const s of straces) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function requireStrace(): void {
  const probe = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'strace is required for the disk-fault test and was not found (PEERS.md: disk faults are ' +
        'injected with strace). Install it: apt-get install -y --no-install-recommends strace ' +
        '(or run .ci/start-peers.sh as root).',
    );
  }
}

async function startUnderStrace(
  storePath: string,
  straceLog: string,
  listener: string,
  secret: string,
): Promise<{ base: string; pid: number }> {
  const proc = spawn(
    'strace',
    [
      '-f',
      '-qq',
      '--seccomp-bpf',
      '-o',
      straceLog,
      '-P',
      `${storePath}-wal`,
      '-e',
      'trace=write,pwrite64',
      '-e',
      `inject=write,pwrite64:error=ENOSPC:when=${FIRST_FAULT}..${FIRST_FAULT + FAULTS - 1}`,
      process.execPath,
      '--import',
      'tsx',
      CHILD,
      storePath,
      listener,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PB_DISK_FAULT_SECRET: secret },
    },
  );
  child = proc;
  straces.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  for await (const line of createInterface({ input: proc.stdout! })) {
    const m = /^ready (\d+) (\d+)$/.exec(line);
    if (m) return { base: `http://127.0.0.1:${m[1]}/webhooks/hooks`, pid: Number(m[2]) };
  }
  throw new Error(`the receiver did not start under strace: ${stderr}`);
}

interface Answer {
  status: number;
  retryAfter: string | null;
  code: string | undefined;
}

async function post(base: string, id: string, secret: string): Promise<Answer> {
  const req = signedRequest(id, { id, n: id }, { secret });
  const res = await fetch(base, { method: 'POST', ...req });
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return { status: res.status, retryAfter: res.headers.get('retry-after'), code: body.error?.code };
}

describe('webhook receiver under a disk fault (strace ENOSPC on the store WAL)', () => {
  it.each(['fastify', 'node-http'])(
    '%s: answers 503 with Retry-After, never a 2xx, while the WAL cannot be written; recovers after',
    async (listener) => {
      requireStrace();
      const storePath = join(dir, listener, 'state.db');
      const straceLog = join(dir, listener, 'strace.log');
      // The store exists and is migrated before the fault, as in production.
      await (await openSqliteStore({ path: storePath })).close();
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const { base, pid } = await startUnderStrace(storePath, straceLog, listener, secret);
      receivers.add(pid);

      // First pass: each event once, in order.
      const ids = Array.from({ length: EVENTS }, (_, i) => `evt_disk_${i}`);
      const first: Answer[] = [];
      for (const id of ids) first.push(await post(base, id, secret));
      const acked = new Set<string>();
      first.forEach((a, i) => {
        if (a.status >= 200 && a.status < 300) acked.add(ids[i]!);
      });

      const refused = first.filter((a) => a.status === 503);
      expect(refused.length, 'the writes must hit the injected fault').toBeGreaterThan(0);
      expect(refused.length).toBeLessThanOrEqual(FAULTS);
      for (const a of refused) {
        expect(a.code).toBe('STORE_UNAVAILABLE');
        expect(a.retryAfter).toMatch(/^\d+$/);
      }
      // Every answer is a 2xx or a 503, in three runs: acknowledged before the disk filled,
      // refused while writes failed (never a 2xx among them), acknowledged again by the same
      // process once writes succeeded.
      const shape = first.map((a) =>
        a.status === 503 ? 'F' : a.status < 300 && a.status >= 200 ? 'A' : '?',
      );
      expect(shape.join('')).toMatch(/^A*F+A+$/);

      // The provider retries what was refused; the fault is lifted by now.
      for (const [i, a] of first.entries()) {
        if (a.status !== 503) continue;
        const again = await post(base, ids[i]!, secret);
        expect(again.status).toBeGreaterThanOrEqual(200);
        expect(again.status).toBeLessThan(300);
        acked.add(ids[i]!);
      }
      expect(acked.size).toBe(EVENTS);

      // Crash the receiver; strace exits with it and its log is complete.
      const straceExit = new Promise((r) => child!.once('exit', r));
      process.kill(pid, 'SIGKILL');
      receivers.delete(pid);
      await straceExit;
      const injected = readFileSync(straceLog, 'utf8')
        .split('\n')
        .filter((l) => l.includes('(INJECTED)'));
      expect(injected.length).toBeGreaterThanOrEqual(refused.length);
      expect(injected.every((l) => l.includes('ENOSPC'))).toBe(true);

      // Reopen without the fault: everything acknowledged is there, once.
      const store = await openSqliteStore({ path: storePath });
      try {
        const items = await store.inbox.listReceived('hooks', {
          from: 0,
          to: Number.MAX_SAFE_INTEGER,
          limit: EVENTS * 10,
        });
        const stored = items.map((item) => item.eventId);
        expect(new Set(stored).size).toBe(stored.length);
        for (const id of acked) expect(stored).toContain(id);
        expect(stored).toHaveLength(EVENTS);
      } finally {
        await store.close();
      }
    },
    120_000,
  );
});
