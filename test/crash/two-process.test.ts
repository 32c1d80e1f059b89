import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type Store } from '../../src/store/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'patchbay-2proc-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Worker {
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  lines: AsyncIterator<string>;
  reader: Interface;
}

/** Starts a worker process and waits until it has opened the store. */
async function startWorker(path: string, task: string, count: number): Promise<Worker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, path, task, String(count)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const reader = createInterface({ input: child.stdout });
  const lines = reader[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'ready') throw new Error(`worker did not start: ${stderr}`);
  return { child, lines, reader };
}

/** Sends the start signal; resolves with the worker's JSON result. */
async function run<T>(worker: Worker): Promise<T> {
  worker.child.stdin.write('go\n');
  const line = await worker.lines.next();
  worker.reader.close();
  return JSON.parse(String(line.value)) as T;
}

async function withStore<T>(path: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore({ path });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('two processes on one database file', () => {
  it('loses no compare-and-set increment while both race on the same key', async () => {
    const path = join(dir, 'cas.db');
    const worker = await startWorker(path, 'cas', 300);
    const childDone = run<{ conflicts: number }>(worker);
    await withStore(path, async (store) => {
      for (let i = 0; i < 300; i++) {
        for (;;) {
          const cur = await store.policyState.get('counter');
          const value = typeof cur?.value === 'number' ? cur.value : 0;
          const next = await store.policyState.compareAndSet(
            'counter',
            cur?.version ?? 0,
            value + 1,
          );
          if (next !== undefined) break;
        }
      }
      await childDone;
      expect(await store.policyState.get('counter')).toMatchObject({ value: 600, version: 600 });
    });
  });

  it('never lets both processes claim the same inbox item', async () => {
    const path = join(dir, 'claim.db');
    const appended = await withStore(path, (store) =>
      Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          store.inbox.append({ integrationId: 'shared', receivedAt: i, body: Buffer.from([1]) }),
        ),
      ),
    );
    const worker = await startWorker(path, 'claim', 0);
    const childDone = run<{ ids: string[] }>(worker);
    const mine = await withStore(path, async (store) => {
      const ids: string[] = [];
      for (;;) {
        const batch = await store.inbox.claim('shared', {
          limit: 5,
          leaseMs: 60_000,
          owner: 'parent',
        });
        if (batch.length === 0) return ids;
        ids.push(...batch.map((item) => item.id));
      }
    });
    const theirs = (await childDone).ids;
    const all = [...mine, ...theirs];
    expect(all).toHaveLength(400);
    expect(new Set(all)).toEqual(new Set(appended.map((a) => a.id)));
  });

  it('gives a lease to one process only', async () => {
    const path = join(dir, 'lease.db');
    const worker = await startWorker(path, 'lease', 1);
    const childDone = run<{ won: boolean }>(worker);
    const parentWon = await withStore(path, (store) =>
      store.leases.acquire('leader', 'parent', 60_000),
    );
    const childWon = (await childDone).won;
    expect([parentWon, childWon].filter(Boolean)).toHaveLength(1);
    await withStore(path, async (store) => {
      const holder = await store.leases.holder('leader');
      expect(holder?.owner.startsWith(parentWon ? 'parent' : 'child-')).toBe(true);
    });
  });
});
