import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITER = fileURLToPath(new URL('./writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'patchbay-crash-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer until `killAfter` acknowledgements, SIGKILLs it, returns every ack it printed. */
async function writeThenKill(path: string, killAfter: number): Promise<Map<string, string>> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, '64'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const acked = new Map<string, string>();
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  for await (const line of createInterface({ input: child.stdout })) {
    const [id, eventId] = line.split(' ');
    if (id && eventId) acked.set(id, eventId);
    if (acked.size === killAfter) child.kill('SIGKILL');
  }
  const signal = await exited;
  expect(signal, `writer ended without being killed: ${stderr}`).toBe('SIGKILL');
  return acked;
}

describe('crash safety', () => {
  it('keeps every acknowledged append when the writer is SIGKILLed mid-stream', async () => {
    const path = join(dir, 'state.db');
    let total = 0;
    for (let round = 0; round < 3; round++) {
      const killAfter = 1500 + Math.floor(Math.random() * 1000);
      const acked = await writeThenKill(path, killAfter);
      expect(acked.size).toBeGreaterThanOrEqual(killAfter);
      total += acked.size;

      const db = new Database(path);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();

      const store = await openSqliteStore({ path });
      try {
        const missing: string[] = [];
        for (const [id, eventId] of acked) {
          const item = await store.inbox.get(id);
          if (item?.eventId !== eventId || item.body.toString() !== eventId) missing.push(id);
        }
        expect(missing).toEqual([]);
        expect(await store.inbox.count('crash')).toBeGreaterThanOrEqual(total);
      } finally {
        await store.close();
      }
    }
  });
});
