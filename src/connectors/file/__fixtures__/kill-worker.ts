/**
 * Runs the SIGKILL-test integration: a CSV file drop into an idempotent
 * downstream table (SQLite, upsert by source key, counting deliveries).
 * Run as a child process (and SIGKILLed) by sigkill.test.ts, and in-process
 * for the resume. Prints `acked <records>` after every batch written downstream.
 * @internal
 */
import Database from 'better-sqlite3';
import { defineIntegration } from '../../../core/integration.js';
import { createRuntime } from '../../../runtime/runtime.js';
import { openSqliteStore } from '../../../store/sqlite/index.js';
import type { RunResult } from '../../../runtime/execute-run.js';
import { fileDrop } from '../file-source.js';

/**
 * Runs the integration once over `<dir>/drop`.
 *
 * @example
 * ```ts
 * const result = await runKillTest('/tmp/x', () => {}, 60 * 60_000);
 * ```
 */
export async function runKillTest(
  dir: string,
  onBatch: (records: number) => void = () => {},
  /** Shifts the runtime's clock, so the run lease of a killed process has expired. */
  clockOffsetMs = 0,
): Promise<RunResult> {
  const downstream = new Database(`${dir}/downstream.db`);
  downstream.pragma('journal_mode = WAL');
  downstream.pragma('synchronous = FULL');
  downstream.exec(
    'CREATE TABLE IF NOT EXISTS rows (key TEXT PRIMARY KEY, id TEXT NOT NULL, deliveries INTEGER NOT NULL)',
  );
  const upsert = downstream.prepare(
    'INSERT INTO rows (key, id, deliveries) VALUES (?, ?, 1) ON CONFLICT(key) DO UPDATE SET deliveries = deliveries + 1',
  );
  const store = await openSqliteStore({ path: `${dir}/state.db` });
  const runtime = await createRuntime({
    store,
    now: () => Date.now() + clockOffsetMs,
    integrations: [
      defineIntegration({
        id: 'file-kill',
        owner: 'integrations',
        pattern: 'file-drop',
        trigger: { type: 'manual' },
        source: fileDrop({
          path: `${dir}/drop`,
          archive: `${dir}/archive`,
          patterns: ['*.csv'],
          readiness: 'rename',
          businessDate: { fromName: '_(?<date>\\d{8})\\.csv$' },
          format: { type: 'csv', delimiter: ';' },
          batchSize: 50,
        }),
        sink: {
          name: 'downstream',
          idempotent: true,
          async write(records) {
            // Slow enough that the kill lands mid-file.
            await new Promise((r) => setTimeout(r, 5));
            downstream.transaction(() => {
              for (const r of records) upsert.run(r.sourceKey, (r.data as { id: string }).id);
            })();
            onBatch(records.length);
          },
        },
        idempotencyKey: { fields: ['id'] },
        concurrency: 2,
      }),
    ],
  });
  try {
    return await runtime.run('file-kill');
  } finally {
    await runtime.stop();
    await store.close();
    downstream.close();
  }
}

// As a child process: node --import tsx kill-worker.ts <dir>
if (process.argv[1]?.endsWith('kill-worker.ts')) {
  void runKillTest(process.argv[2]!, (n) => process.stdout.write(`acked ${n}\n`));
}
