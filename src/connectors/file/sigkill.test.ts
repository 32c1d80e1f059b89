import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { tempDrop } from './__fixtures__/drop.js';
import { runKillTest } from './__fixtures__/kill-worker.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./__fixtures__/kill-worker.ts', import.meta.url));
const t = tempDrop();
afterAll(() => rmSync(t.dir, { recursive: true, force: true }));

const FILES = ['ORDERS_20261117.csv', 'ORDERS_20261118.csv'];
const ROWS = 1500;
const isBad = (i: number) => i % 97 === 0;

describe('file-drop crash safety', () => {
  it('resumes after a SIGKILL mid-file with zero missing and zero duplicate records downstream', async () => {
    const expected: string[] = [];
    let bad = 0;
    for (const name of FILES) {
      const date = `${name.slice(7, 11)}-${name.slice(11, 13)}-${name.slice(13, 15)}`;
      let s = 'id;name\n';
      let line = 2;
      for (let i = 1; i <= ROWS; i++) {
        if (isBad(i)) {
          s += `broken-${i}\n`;
          bad++;
          line += 1;
        } else {
          // Good records span two lines (a quoted newline); keys name the line they start on.
          s += `${name}-${i};"name\n${i}"\n`;
          expected.push(`${date}/${name}#${line}`);
          line += 2;
        }
      }
      writeFileSync(join(t.drop, name), s);
    }

    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, t.dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    // Somewhere in the first file, or in the second: both resume paths are exercised over runs.
    const killAt = 10 + Math.floor(Math.random() * 40);
    let acked = 0;
    let written = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      written += Number(line.split(' ')[1]);
      if (++acked === killAt) child.kill('SIGKILL');
    }
    expect(await exited, `child ended without being killed: ${stderr}`).toBe('SIGKILL');
    expect(readdirSync(t.drop).some((n) => n.endsWith('.processing'))).toBe(true);

    const resumed = await runKillTest(t.dir, () => {}, 60 * 60_000);
    expect(resumed.status, JSON.stringify(resumed.error)).toBe('succeeded');
    // Only what was not acknowledged (plus the batches in flight at the kill) is read again.
    expect(resumed.counts.read).toBeLessThanOrEqual(expected.length - written + 2 * 50);

    const db = new Database(join(t.dir, 'downstream.db'), { readonly: true });
    const rows = db.prepare('SELECT key, deliveries FROM rows ORDER BY key').all() as Array<{
      key: string;
      deliveries: number;
    }>;
    db.close();
    expect(rows.map((r) => r.key)).toEqual([...expected].sort());
    // At-least-once: only the batches in flight at the kill may arrive twice (and are upserted).
    expect(rows.filter((r) => r.deliveries > 1).length).toBeLessThanOrEqual(2 * 50);

    const store = await openSqliteStore({ path: join(t.dir, 'state.db') });
    try {
      expect(await store.rejects.count('file-kill')).toBe(bad);
    } finally {
      await store.close();
    }
    expect(readdirSync(t.drop)).toEqual([]);
  }, 60_000);
});
