import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../core/integration.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { sqlExtract } from './extract-source.js';
import { sqlUpsert } from './upsert-sink.js';
import { killTestIntegration, type KillTestArgs } from './__fixtures__/kill-test.js';
import { openTestDb, ts, type TestDb } from './__fixtures__/servers.js';
import type { Row } from './types.js';

const WORKER = fileURLToPath(new URL('./__fixtures__/extract-worker.ts', import.meta.url));

/** Runs the worker until it has acknowledged `killAfter` batches, then SIGKILLs it. */
async function runAndKill(args: KillTestArgs, killAfter: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let acked = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    acked += d
      .toString()
      .split('\n')
      .filter((l) => l === 'acked').length;
    if (acked >= killAfter) child.kill('SIGKILL');
  });
  const [, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    child.on('exit', (code, sig) => resolve([code, sig])),
  );
  expect(signal, `worker ended without being killed: ${stderr}`).toBe('SIGKILL');
  return acked;
}

describe.each(['postgres', 'mysql'] as const)('sql-extract killed mid-run on %s', (dialect) => {
  let db: TestDb;
  let dir: string;
  beforeAll(async () => {
    db = await openTestDb(dialect);
    dir = mkdtempSync(join(tmpdir(), 'patchbay-sql-kill-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes from the acknowledged watermark with zero gaps and zero duplicates', async () => {
    const source = await db.createItems('src');
    const target = await db.createItems('dst');
    await db.insert(
      source,
      Array.from({ length: 80 }, (_, i) => ({
        id: i + 1,
        name: `n${i + 1}`,
        updated_at: ts(Math.floor(i / 3)),
      })),
    );
    const args: KillTestArgs = {
      connection: db.connection,
      source,
      target,
      storePath: join(dir, 'state.db'),
    };
    const acked = await runAndKill(args, 5);
    expect(acked).toBeGreaterThanOrEqual(5);

    const store = await openSqliteStore({ path: args.storePath });
    try {
      const saved = await store.checkpoints.get('hr-kill');
      expect(saved?.kind).toBe('watermark');
      const runtime = await createRuntime({
        integrations: [defineIntegration(killTestIntegration(args, sqlExtract, sqlUpsert))],
        store,
        instanceId: 'sql-kill-test',
      });
      const resumed = await runtime.run('hr-kill');
      expect(resumed.status).toBe('succeeded');
      // Only what was not acknowledged (plus at most the batches in flight) is read again.
      expect(resumed.counts.read).toBeLessThanOrEqual(80 - 4 * (acked - 3));
    } finally {
      await store.close();
    }
    const view = (rows: Row[]) => rows.map((r) => `${String(r['id'])}:${String(r['name'])}`);
    expect(view(await db.rows(target))).toEqual(view(await db.rows(source)));
  });
});
