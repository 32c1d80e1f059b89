/**
 * A failed fsync, for real: the receiver, on a store with
 * `commitSync: 'thread-pool'`, runs under
 * `strace -P <store WAL> -e inject=fdatasync:error=EIO:when=K`, so the K-th
 * sync of the write-ahead log (the group committer's, in libuv's thread pool)
 * fails with an I/O error while every write still succeeds. Asserted:
 *
 * - the events synced before the fault are acknowledged; from the failed sync
 *   on, every answer is 503 `STORE_UNAVAILABLE`, never a 2xx (the kernel may
 *   have dropped the dirty pages, so no later sync can vouch for the WAL);
 * - after a restart without the fault, every acknowledged event is in the
 *   inbox, once, and the store takes writes again.
 *
 * strace is a required peer (PEERS.md); without it the test fails, never skips.
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
const CHILD = fileURLToPath(new URL('./__fixtures__/sync-fault-receiver.ts', import.meta.url));
const EVENTS = 12;
const FAILING_SYNC = 4;

const dir = mkdtempSync(join(tmpdir(), 'patchbay-sync-fault-'));
const storePath = join(dir, 'state.db');
const straceLog = join(dir, 'strace.log');
let child: ChildProcess | undefined;
let receiverPid: number | undefined;
afterAll(() => {
  if (receiverPid !== undefined) {
    try {
      process.kill(receiverPid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function requireStrace(): void {
  const probe = spawnSync('strace', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'strace is required for the sync-fault test and was not found (PEERS.md). Install it: ' +
        'apt-get install -y --no-install-recommends strace (or run .ci/start-peers.sh as root).',
    );
  }
}

async function startUnderStrace(secret: string): Promise<{ base: string; pid: number }> {
  const proc = spawn(
    'strace',
    [
      '-f',
      '-qq',
      '-o',
      straceLog,
      '-P',
      `${storePath}-wal`,
      '-e',
      'trace=fdatasync,fsync',
      '-e',
      `inject=fdatasync:error=EIO:when=${FAILING_SYNC}`,
      process.execPath,
      '--import',
      'tsx',
      CHILD,
      storePath,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // strace counts `when=` per thread: one pool thread makes "the K-th sync" well defined.
      env: { ...process.env, PB_DISK_FAULT_SECRET: secret, UV_THREADPOOL_SIZE: '1' },
    },
  );
  child = proc;
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  for await (const line of createInterface({ input: proc.stdout! })) {
    const m = /^ready (\d+) (\d+)$/.exec(line);
    if (m) return { base: `http://127.0.0.1:${m[1]}/webhooks/hooks`, pid: Number(m[2]) };
  }
  throw new Error(`the receiver did not start under strace: ${stderr}`);
}

async function post(base: string, id: string, secret: string) {
  const res = await fetch(base, { method: 'POST', ...signedRequest(id, { id }, { secret }) });
  const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code };
}

describe('webhook receiver when the WAL sync fails (strace EIO on fdatasync)', () => {
  it('never acknowledges after a failed sync, and loses nothing it acknowledged', async () => {
    requireStrace();
    await (await openSqliteStore({ path: storePath })).close();
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const { base, pid } = await startUnderStrace(secret);
    receiverPid = pid;

    const ids = Array.from({ length: EVENTS }, (_, i) => `evt_sync_${i}`);
    const answers: Array<{ status: number; code: string | undefined }> = [];
    for (const id of ids) answers.push(await post(base, id, secret));
    const shape = answers.map((a) => (a.status === 200 ? 'A' : a.status === 503 ? 'F' : '?'));
    // Acknowledged while the syncs succeeded; from the failed one on, refused, never a 2xx.
    expect(shape.join('')).toMatch(/^A+F+$/);
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(a.code).toBe('STORE_UNAVAILABLE');
    }
    const acked = ids.filter((_, i) => answers[i]!.status === 200);

    const straceExit = new Promise((r) => child!.once('exit', r));
    process.kill(pid, 'SIGKILL');
    receiverPid = undefined;
    await straceExit;
    const injected = readFileSync(straceLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes('(INJECTED)'));
    expect(injected).toHaveLength(1);
    expect(injected[0]).toContain('EIO');

    const store = await openSqliteStore({ path: storePath });
    try {
      const stored = (
        await store.inbox.listReceived('hooks', {
          from: 0,
          to: Number.MAX_SAFE_INTEGER,
          limit: 100,
        })
      ).map((item) => item.eventId);
      expect(new Set(stored).size).toBe(stored.length);
      for (const id of acked) expect(stored).toContain(id);
      await expect(
        store.inbox.append({
          integrationId: 'hooks',
          eventId: 'after',
          receivedAt: 1,
          body: Buffer.from('{}'),
        }),
      ).resolves.toMatchObject({ duplicate: false });
    } finally {
      await store.close();
    }
  }, 120_000);
});
