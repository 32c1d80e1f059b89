import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SourceBatch } from '../core/connector.js';
import { defineIntegration } from '../core/integration.js';
import { createRuntime } from '../runtime/runtime.js';
import { readDrift } from '../store/drift-log.js';
import { readPause, resumeIntegration } from '../store/pause-state.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { parseMapping } from './load.js';
import { mappingStep } from './step.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-mapping-pause-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const DOC = parseMapping('- { source: id, target: id, transform: id }', { file: 'emp.yaml' });

/** The ids the sink received, sorted: batches run concurrently, so arrival order varies. */
const ids = (sink: { records: Array<{ data: unknown }> }) =>
  sink.records.map((r) => (r.data as { id: string }).id).sort();

/** One record per batch, resuming after the saved offset, as a real source would. */
function resumable(rows: ReadonlyArray<Record<string, unknown>>) {
  return memorySource({
    batches: async function* (ctx): AsyncGenerator<SourceBatch> {
      for (let i = Number(ctx.checkpoint?.value ?? 0); i < rows.length; i++) {
        yield {
          items: [{ key: `E-${i + 1}`, data: rows[i] }],
          checkpoint: { kind: 'offset', value: i + 1 },
        };
      }
    },
  });
}

describe('drift policy pause', () => {
  it('pauses the integration without losing the drifting record; resume re-reads it', async () => {
    const rows = [{ id: '1' }, { id: '2' }, { id: '3', extra: 1 }, { id: '4', extra: 2 }];
    const sink = collectingSink();
    const at = Date.UTC(2026, 3, 1, 12);
    const def = defineIntegration({
      id: 'employees',
      owner: 'hr',
      pattern: 'sql-extract',
      trigger: { type: 'manual' },
      source: resumable(rows),
      steps: [mappingStep(DOC, { drift: 'pause', now: () => at })],
      sink,
      idempotencyKey: { fields: ['id'] },
      // One batch at a time, so which batches finished before the pause is certain.
      concurrency: 1,
    });
    const runtime = await createRuntime({ integrations: [def], store });

    const first = await runtime.run('employees');
    expect(first.status).toBe('failed');
    expect(first.error?.code).toBe('INTEGRATION_PAUSED');
    expect(ids(sink)).toEqual(['1', '2']);
    // Nothing went to a ledger: the record waits in the source, behind the checkpoint.
    expect(await store.deadLetters.count('employees')).toBe(0);
    expect(await store.rejects.count('employees')).toBe(0);
    expect((await store.checkpoints.get('employees', 'default'))?.value).toBe(2);
    expect(await readPause(store.cache, 'employees')).toEqual({
      integration: 'employees',
      by: 'drift',
      reason: 'source schema drift in mapping emp: extra added (new → number)',
      at,
    });
    expect(await readDrift(store.cache, 'employees')).toMatchObject({ added: ['extra'] });

    // Paused: live runs are refused before they read anything.
    await expect(runtime.run('employees')).rejects.toMatchObject({
      kind: 'config',
      code: 'INTEGRATION_PAUSED',
      message: expect.stringContaining('patchbay resume employees') as unknown,
    });
    const [status] = await runtime.status();
    expect(status?.paused).toMatchObject({ by: 'drift' });
    expect(sink.records).toHaveLength(2);

    // An operator resumes: the held record and the rest go through, and the shape is learned.
    expect(await resumeIntegration(store.cache, 'employees')).toMatchObject({ by: 'drift' });
    const second = await runtime.run('employees');
    expect(second.status).toBe('succeeded');
    expect(ids(sink)).toEqual(['1', '2', '3', '4']);
    expect(await readPause(store.cache, 'employees')).toBe(undefined);
    expect((await runtime.status())[0]?.paused).toBe(null);
  });
});
