import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testIo } from '../cli/__fixtures__/harness.js';
import { printStatus } from '../cli/commands/status.js';
import type { ReadContext, SourceBatch } from '../core/connector.js';
import { defineIntegration, type IntegrationOptions } from '../core/integration.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { createRuntime } from './runtime.js';

let dir: string;
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-graceful-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function batch(n: number): SourceBatch {
  return { items: [{ key: String(n), data: { n } }], checkpoint: { kind: 'offset', value: n } };
}

/** Yields `count` batches, then waits, as a stream does, until reading is stopped. */
function feed(count: number) {
  return memorySource({
    batches: async function* (ctx: ReadContext) {
      for (let n = 1; n <= count; n++) yield batch(n);
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  });
}

function integration(
  sink: ReturnType<typeof collectingSink>,
  extra: Partial<IntegrationOptions> = {},
) {
  return defineIntegration({
    id: 'feed',
    owner: 'integrations',
    pattern: 'queue',
    trigger: { type: 'stream' },
    source: feed(2),
    sink,
    idempotencyKey: { fields: ['n'] },
    ...extra,
  });
}

describe('graceful shutdown', () => {
  it('ends a stream run as succeeded, and status shows it as healthy', async () => {
    const sink = collectingSink();
    const runtime = await createRuntime({ integrations: [integration(sink)], store });
    await runtime.start();
    await vi.waitFor(() => expect(sink.records).toHaveLength(2));
    expect(await runtime.stop({ drainMs: 5_000 })).toEqual({ drained: true });

    const { last, lastSuccess } = await store.runs.latest('feed');
    expect(last).toMatchObject({
      status: 'succeeded',
      trigger: 'stream',
      error: null,
      counts: { read: 2, written: 2, deadLettered: 0, errorsByKind: {} },
    });
    expect(last?.finishedAt).not.toBeNull();
    expect(lastSuccess?.id).toBe(last?.id);
    expect((await store.checkpoints.get('feed'))?.value).toBe(2);

    const [status] = await runtime.status();
    expect(status).toMatchObject({
      lastRun: { status: 'succeeded', trigger: 'stream' },
      errorsByKind: {},
      lastKnownGood: null,
    });
    expect(status?.lastSuccessAt).toBe(last?.finishedAt);
    const io = testIo();
    printStatus(io, status ? [status] : [], Date.now());
    expect(io.out()).toMatch(/last run +succeeded .*\(stream, live\)/);
    expect(io.out()).toMatch(/errors \(24h\) +none/);
    expect(io.out()).not.toMatch(/cancelled|never/);
  });

  it('ends a stream run that dead-lettered items as partial', async () => {
    const sink = collectingSink();
    const bad = integration(sink, {
      steps: [
        (r) => {
          if ((r as { n: number }).n === 2) throw new TypeError('bug');
          return r;
        },
      ],
    });
    const runtime = await createRuntime({ integrations: [bad], store });
    await runtime.start();
    await vi.waitFor(async () => expect(await store.deadLetters.count('feed')).toBe(1));
    await runtime.stop({ drainMs: 5_000 });
    expect((await store.runs.latest('feed')).last?.status).toBe('partial');
  });

  it('keeps a run cut short mid-read as cancelled: its source had more to give', async () => {
    const sink = collectingSink();
    const manual = integration(sink, { trigger: { type: 'manual' }, source: feed(1) });
    const runtime = await createRuntime({ integrations: [manual], store });
    const running = runtime.run('feed');
    await vi.waitFor(() => expect(sink.records).toHaveLength(1));
    await runtime.stop({ drainMs: 5_000 });
    expect((await running).status).toBe('cancelled');
  });

  it('ends a run whose source had ended before the shutdown as succeeded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let writing = false;
    const sink = collectingSink(() => {
      writing = true;
      return gate;
    });
    const manual = integration(sink, {
      trigger: { type: 'manual' },
      concurrency: 4,
      source: memorySource({ batches: [batch(1)] }),
    });
    const runtime = await createRuntime({ integrations: [manual], store });
    const running = runtime.run('feed');
    await vi.waitFor(() => expect(writing).toBe(true));
    const stopping = runtime.stop({ drainMs: 5_000 });
    release();
    await stopping;
    expect(await running).toMatchObject({ status: 'succeeded', counts: { written: 1 } });
  });

  it('keeps a stream run cancelled by its caller as cancelled', async () => {
    const sink = collectingSink();
    const runtime = await createRuntime({ integrations: [integration(sink)], store });
    const controller = new AbortController();
    const running = runtime.run('feed', { trigger: 'stream', signal: controller.signal });
    await vi.waitFor(() => expect(sink.records).toHaveLength(2));
    controller.abort();
    expect((await running).status).toBe('cancelled');
    await runtime.stop();
  });
});
