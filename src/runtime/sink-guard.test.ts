import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector, type SinkSession, type SourceBatch } from '../core/connector.js';
import { defineIntegration } from '../core/integration.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { memorySource } from '../testing/index.js';
import { createRuntime } from './runtime.js';

/** A sink that makes one guarded call per write, like sql-upsert or http-call. */
const guardedSink = (guardsOwnCalls: boolean, calls: number[]) =>
  defineConnector({
    kind: guardsOwnCalls ? 'remote-api-sink' : 'warehouse-sink',
    title: 'guarded test sink',
    description: 'Counts its guarded calls.',
    direction: 'sink',
    config: z.object({}).strict(),
    capabilities: {
      ack: 'none',
      checkpoint: 'none',
      replay: 'none',
      idempotentWrites: true,
      connectionTest: false,
      guardsOwnCalls,
    },
    async connect(): Promise<SinkSession> {
      return {
        async write(records, ctx) {
          await ctx.guard.execute(async () => calls.push(records.length));
        },
        async close() {},
      };
    },
  })({});

const batches: SourceBatch[] = [1, 2, 3, 4].map((n) => ({
  items: [{ key: String(n), data: { id: n } }],
  checkpoint: { kind: 'offset', value: n },
}));

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-sink-guard-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(guardsOwnCalls: boolean) {
  const calls: number[] = [];
  const integration = defineIntegration({
    id: 'it',
    owner: 'integrations',
    pattern: 'sync',
    trigger: { type: 'manual' },
    source: memorySource({ batches }),
    sink: guardedSink(guardsOwnCalls, calls),
    idempotencyKey: { fields: ['id'] },
    // Two tokens that do not refill during the test; drop mode fails the third take.
    policies: {
      rateLimit: { rate: 1, per: '1h', burst: 2, mode: 'drop' },
      retry: { maxAttempts: 1 },
      breaker: false,
    },
    concurrency: 1,
  });
  const runtime = await createRuntime({ integrations: [integration], store });
  return { result: await runtime.run('it'), calls };
}

describe('the rate limit and a sink’s own calls', () => {
  it('a local sink (warehouse) does not spend the remote API’s tokens', async () => {
    const { result, calls } = await run(false);
    expect(result.status).toBe('succeeded');
    expect(calls).toEqual([1, 1, 1, 1]);
  });

  it('a sink that calls the remote API itself (guardsOwnCalls) does', async () => {
    const { result, calls } = await run(true);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'rate_limited', code: 'RATE_LIMITED_LOCAL' });
    expect(calls).toEqual([1, 1]);
  });
});
