/**
 * Runs the crash-test integration: an incremental, cursor-paginated
 * `http-poll` into an idempotent downstream table (SQLite, upsert by id).
 * Run as a child process (and SIGKILLed) by crash.test.ts, and in-process
 * for the resume. Prints one line per record written.
 * @internal
 */
import Database from 'better-sqlite3';
import { defineIntegration } from '../../../core/integration.js';
import { createRuntime } from '../../../runtime/runtime.js';
import { openSqliteStore } from '../../../store/sqlite/index.js';
import { httpPoll } from '../rest-source.js';

/** Polls `baseUrl/items` until done; `onWrite` sees each id once it is durable downstream. */
export async function runCrashPoll(
  storePath: string,
  downstreamPath: string,
  baseUrl: string,
  onWrite: (id: number) => void = () => {},
  /** Shifts the runtime's clock, so the run lease of a killed process has expired. */
  clockOffsetMs = 0,
): Promise<string> {
  const downstream = new Database(downstreamPath);
  downstream.pragma('journal_mode = WAL');
  downstream.pragma('synchronous = FULL');
  downstream.exec(
    'CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, deliveries INTEGER NOT NULL)',
  );
  const upsert = downstream.prepare(
    'INSERT INTO items (id, deliveries) VALUES (?, 1) ON CONFLICT(id) DO UPDATE SET deliveries = deliveries + 1',
  );
  const store = await openSqliteStore({ path: storePath });
  const runtime = await createRuntime({
    store,
    now: () => Date.now() + clockOffsetMs,
    integrations: [
      defineIntegration({
        id: 'crash-poll',
        owner: 'integrations',
        pattern: 'rest-poll',
        trigger: { type: 'manual' },
        source: httpPoll({
          url: `${baseUrl}/items`,
          recordsPath: 'data',
          keyPath: 'id',
          pagination: { type: 'cursor', cursorPath: 'meta.next_cursor', param: 'cursor' },
          incremental: { cursorPath: 'id', initialValue: 1, param: 'since', primaryKey: 'id' },
        }),
        sink: {
          name: 'downstream',
          idempotent: true,
          async write(records) {
            for (const r of records) {
              const id = (r.data as { id: number }).id;
              upsert.run(id);
              onWrite(id);
            }
          },
        },
        idempotencyKey: { fields: ['id'] },
        concurrency: 1,
      }),
    ],
  });
  try {
    return (await runtime.run('crash-poll')).status;
  } finally {
    await runtime.stop();
    await store.close();
    downstream.close();
  }
}

// As a child process: node --import tsx crash-poll.ts <store> <downstream> <url>
if (process.argv[1]?.endsWith('crash-poll.ts')) {
  const [storePath, downstreamPath, url] = process.argv.slice(2) as [string, string, string];
  void runCrashPoll(storePath, downstreamPath, url, (id) => process.stdout.write(`${id}\n`));
}
