import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../core/integration.js';
import { createRuntime, type Runtime } from '../../runtime/runtime.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import type { Store } from '../../store/types.js';
import { tempDrop, upsertSink } from './__fixtures__/drop.js';
import { fileDrop } from './file-source.js';
import type { FileDropConfig } from './config.js';

type Input = Parameters<typeof fileDrop>[0];
let t: ReturnType<typeof tempDrop>;
let store: Store;
beforeEach(async () => {
  t = tempDrop();
  store = await openSqliteStore({ path: join(t.dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(t.dir, { recursive: true, force: true });
});

async function setup(config: Partial<Input> = {}) {
  const sink = upsertSink();
  const runtime: Runtime = await createRuntime({
    store,
    integrations: [
      defineIntegration({
        id: 'sap-loads',
        owner: 'integrations',
        pattern: 'file-drop',
        trigger: { type: 'manual' },
        source: fileDrop({
          path: t.drop,
          archive: t.archive,
          patterns: ['*.csv'],
          readiness: 'rename',
          businessDate: { fromName: '_(?<date>\\d{8})\\.csv$' },
          format: { type: 'csv', delimiter: ';' },
          batchSize: 100,
          ...config,
        } as Input),
        sink,
        idempotencyKey: { fields: ['id'] },
      }),
    ],
  });
  return { sink, runtime, run: () => runtime.run('sap-loads') };
}

function csvFile(rows: number, bad: number[] = [], id = (i: number) => String(i)): string {
  let s = 'id;name\n';
  for (let i = 1; i <= rows; i++) s += bad.includes(i) ? `${id(i)}\n` : `${id(i)};n${i}\n`;
  return s;
}
const dropped = () => readdirSync(t.drop).sort();

describe('file-drop: loading', () => {
  it('loads 997 of 1,000 records, rejects the 3 bad ones with file and line, archives and clears the drop', async () => {
    const { sink, run } = await setup();
    writeFileSync(join(t.drop, 'MATMAS_20261117.csv'), csvFile(1000, [10, 500, 999]));
    const result = await run();
    expect(result.status).toBe('succeeded');
    expect(result.counts.read).toBe(997);
    expect(sink.rows.size).toBe(997);
    expect(sink.rows.get('2026-11-17/MATMAS_20261117.csv#2')).toEqual({ id: '1', name: 'n1' });
    const rejects = await store.rejects.list('sap-loads');
    expect(rejects.map((r) => [r.recordKey, r.rule])).toEqual([
      ['2026-11-17/MATMAS_20261117.csv#11', 'csv:columns'],
      ['2026-11-17/MATMAS_20261117.csv#501', 'csv:columns'],
      ['2026-11-17/MATMAS_20261117.csv#1000', 'csv:columns'],
    ]);
    expect(rejects[0]!.message).toBe('MATMAS_20261117.csv line 11: expected 2 fields, got 1');
    expect(dropped()).toEqual([]);
    expect(readFileSync(join(t.archive, '2026-11-17', 'MATMAS_20261117.csv'), 'utf8')).toBe(
      csvFile(1000, [10, 500, 999]),
    );
    // A second run finds nothing.
    expect((await run()).counts.read).toBe(0);
  });

  it('takes a file only when its done-marker exists, then removes the marker; afterSuccess marker keeps X.processed', async () => {
    const { sink, run } = await setup({ readiness: 'marker', afterSuccess: 'marker' });
    writeFileSync(join(t.drop, 'MATMAS_20261117.csv'), csvFile(5));
    expect((await run()).counts.read).toBe(0);
    expect(dropped()).toEqual(['MATMAS_20261117.csv']);
    writeFileSync(join(t.drop, 'MATMAS_20261117.csv.done'), '');
    expect((await run()).counts.read).toBe(5);
    expect(sink.rows.size).toBe(5);
    expect(dropped()).toEqual(['MATMAS_20261117.csv.processed']);
  });

  it('sets an unparseable file aside as .failed and fails the run loudly, after loading the good files', async () => {
    const { sink, run } = await setup();
    writeFileSync(join(t.drop, 'A_20261117.csv'), 'id;id\n1;2\n');
    writeFileSync(join(t.drop, 'B_20261117.csv'), csvFile(3));
    const result = await run();
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('UNPARSEABLE_FILE');
    expect(result.error?.message).toMatch(/A_20261117\.csv cannot be parsed: .*repeated/);
    expect(sink.rows.size).toBe(3);
    expect(dropped()).toEqual(['A_20261117.csv.failed']);
    // The raw file is archived even though it failed.
    expect(existsSync(join(t.archive, '2026-11-17', 'A_20261117.csv'))).toBe(true);
  });

  it('loads a corrected file that replaces one which could not be parsed', async () => {
    const { sink, run } = await setup();
    const name = 'MATMAS_20261117.csv';
    writeFileSync(join(t.drop, name), 'id;id\n1;2\n');
    expect((await run()).error?.code).toBe('UNPARSEABLE_FILE');
    rmSync(join(t.drop, `${name}.failed`));
    writeFileSync(join(t.drop, name), csvFile(2));
    const fixed = await run();
    expect(fixed.status).toBe('succeeded');
    expect(sink.rows.size).toBe(2);
    expect(readFileSync(join(t.archive, '2026-11-17', name), 'utf8')).toBe(csvFile(2));
    expect(readdirSync(join(t.archive, '2026-11-17', 'failed'))).toHaveLength(1);
  });

  it('sets aside a file whose name carries no valid business date', async () => {
    const { run } = await setup();
    writeFileSync(join(t.drop, 'MATMAS_20260230.csv'), csvFile(1));
    const result = await run();
    expect(result.error?.code).toBe('BAD_BUSINESS_DATE');
    expect(dropped()).toEqual(['MATMAS_20260230.csv.failed']);
  });

  it('dates files by arrival time in the integration time zone when no name pattern is set', async () => {
    const { sink, run } = await setup({
      businessDate: { timeZone: 'Pacific/Kiritimati' },
      format: { type: 'jsonl' },
      patterns: ['*.jsonl'],
    });
    const { utimesSync } = await import('node:fs');
    const file = join(t.drop, 'positions.jsonl');
    writeFileSync(file, '{"id":1}\n{"id":2}\n');
    // 2026-11-17T11:00Z is already the 18th in Kiritimati (UTC+14).
    const at = Date.parse('2026-11-17T11:00:00Z') / 1000;
    utimesSync(file, at, at);
    await run();
    expect([...sink.rows.keys()]).toEqual([
      '2026-11-18/positions.jsonl#1',
      '2026-11-18/positions.jsonl#2',
    ]);
  });

  it('rejects oversized records without reading them whole and loads the rest', async () => {
    const { sink, run } = await setup({ maxRecordBytes: 1000 });
    writeFileSync(
      join(t.drop, 'BIG_20261117.csv'),
      `id;name\n1;${'x'.repeat(200_000)}\n2;"${'q'.repeat(50_000)}\n3;ok"\n4;fine\n`,
    );
    expect((await run()).status).toBe('succeeded');
    expect([...sink.rows.values()]).toEqual([{ id: '4', name: 'fine' }]);
    const rejects = await store.rejects.list('sap-loads');
    expect(rejects.map((r) => [r.recordKey, r.rule])).toEqual([
      ['2026-11-17/BIG_20261117.csv#2', 'record:size'],
      ['2026-11-17/BIG_20261117.csv#3', 'record:size'],
    ]);
  });
});

describe('file-drop: stopping mid-file', () => {
  it('resumes a file left .processing by a run that stopped at its budget, without re-reading acknowledged lines', async () => {
    const sink = upsertSink();
    const runtime = await createRuntime({
      store,
      integrations: [
        defineIntegration({
          id: 'budgeted',
          owner: 'integrations',
          pattern: 'file-drop',
          trigger: { type: 'manual' },
          source: fileDrop({
            path: t.drop,
            archive: t.archive,
            readiness: 'rename',
            format: { type: 'jsonl' },
            batchSize: 50,
          }),
          sink,
          idempotencyKey: { fields: ['id'] },
          concurrency: 1,
          budget: { maxItems: 100 },
        }),
      ],
    });
    writeFileSync(
      join(t.drop, 'positions.jsonl'),
      Array.from({ length: 230 }, (_, i) => JSON.stringify({ id: i })).join('\n'),
    );
    const first = await runtime.run('budgeted');
    expect(first.status).toBe('partial');
    expect(first.budgetReached).toBe('items');
    expect(dropped()).toEqual(['positions.jsonl.processing']);
    const reads = [first.counts.read];
    while (dropped().length > 0 && reads.length < 10)
      reads.push((await runtime.run('budgeted')).counts.read);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(230);
    expect(sink.rows.size).toBe(230);
    expect(sink.deliveries).toBe(230);
  });

  it('deletes archived business dates older than the retention, and keeps the rest', async () => {
    const { mkdirSync } = await import('node:fs');
    const { run } = await setup({ archiveRetentionDays: 30 });
    const today = new Date().toISOString().slice(0, 10);
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
    const recent = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    for (const d of [old, recent, today]) {
      mkdirSync(join(t.archive, d, 'duplicates'), { recursive: true });
      writeFileSync(join(t.archive, d, 'A.csv'), 'id\n1\n');
    }
    await run();
    expect(
      readdirSync(t.archive)
        .filter((d) => /^\d/.test(d))
        .sort(),
    ).toEqual([recent, today]);
  });

  it('waits for stableFor even when the size has not changed between polls', async () => {
    const { run } = await setup({ readiness: 'stable', stableFor: '1h' });
    writeFileSync(join(t.drop, 'X_20261117.csv'), csvFile(2));
    for (let i = 0; i < 3; i++) expect((await run()).counts.read).toBe(0);
    expect(dropped()).toEqual(['X_20261117.csv']);
  });
});

describe('file-drop: duplicates', () => {
  it('does not claim a new copy while an earlier copy of the same name is still being processed', async () => {
    const { sink, run } = await setup();
    const name = 'MATMAS_20261117.csv';
    // Left by an interrupted run, and a new copy with other content arriving meanwhile.
    writeFileSync(join(t.drop, `${name}.processing`), csvFile(3));
    writeFileSync(
      join(t.drop, name),
      csvFile(3, [], (i) => `NEW${i}`),
    );
    const first = await run();
    expect(first.status).toBe('succeeded');
    expect([...sink.rows.values()].map((r) => (r as Record<string, string>)['id'])).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(dropped()).toEqual([name]);
    // Next poll: the new copy is a duplicate of a processed file, and says so.
    expect((await run()).error?.code).toBe('DUPLICATE_FILE');
    expect(dropped()).toEqual([`${name}.failed`]);
  });

  it('never processes the same file twice, and raises a duplicate-file alert for a second copy with other content', async () => {
    const { sink, run } = await setup();
    const name = 'MATMAS_20261117.csv';
    writeFileSync(join(t.drop, name), csvFile(4));
    await run();
    expect(sink.deliveries).toBe(4);

    // The identical file again: ignored, nothing delivered.
    writeFileSync(join(t.drop, name), csvFile(4));
    const again = await run();
    expect(again.status).toBe('succeeded');
    expect(sink.deliveries).toBe(4);
    expect(dropped()).toEqual([]);

    // Same name and date, other content: not loaded, kept, and the run fails with DUPLICATE_FILE.
    writeFileSync(
      join(t.drop, name),
      csvFile(4, [], (i) => `X${i}`),
    );
    const dup = await run();
    expect(dup.status).toBe('failed');
    expect(dup.error?.code).toBe('DUPLICATE_FILE');
    expect(dup.error?.message).toMatch(
      /duplicate file MATMAS_20261117\.csv for business date 2026-11-17/,
    );
    expect(dup.counts.errorsByKind['validation']).toBe(1);
    expect(sink.deliveries).toBe(4);
    expect([...sink.rows.values()].map((r) => (r as Record<string, string>)['id'])).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    expect(dropped()).toEqual([`${name}.failed`]);
    const kept = readdirSync(join(t.archive, '2026-11-17', 'duplicates'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(t.archive, '2026-11-17', 'duplicates', kept[0]!), 'utf8')).toContain(
      'X1;n1',
    );
    expect(readFileSync(join(t.archive, '2026-11-17', name), 'utf8')).toBe(csvFile(4));
  });
});

describe('file-drop: never read mid-write', () => {
  it('stable readiness waits while a writer is still appending between polls', async () => {
    const { sink, run } = await setup({ readiness: 'stable' } satisfies Partial<FileDropConfig>);
    const file = join(t.drop, 'GPS_20261117.csv');
    const { appendFileSync } = await import('node:fs');
    writeFileSync(file, 'id;name\n');
    for (let i = 1; i <= 20; i++) {
      appendFileSync(file, `${i};n${i}\n`);
      const polled = await run();
      expect(polled.counts.read).toBe(0);
      expect(existsSync(file)).toBe(true);
    }
    // Writer done: the first poll sees it unchanged from the last one and reads it whole.
    expect((await run()).counts.read).toBe(20);
    expect(sink.rows.size).toBe(20);
  });

  it('marker readiness never reads early while a writer appends concurrently', async () => {
    const { sink, run } = await setup({ readiness: 'marker' });
    const file = join(t.drop, 'GPS_20261117.csv');
    const { appendFile, writeFile } = await import('node:fs/promises');
    await writeFile(file, 'id;name\n');
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 300; i++) await appendFile(file, `${i};n${i}\n`);
      await writeFile(`${file}.done`, '');
      writing = false;
    })();
    let polls = 0;
    let readWhileWriting = 0;
    while (writing || polls === 0) {
      const r = await run();
      polls++;
      if (writing) readWhileWriting += r.counts.read;
    }
    await writer;
    await run();
    expect(readWhileWriting).toBe(0);
    expect(sink.rows.size).toBe(300);
    expect(sink.deliveries).toBe(300);
  });
});

describe('file-drop: lease claims for read-only drops', () => {
  it('leaves a read-only drop untouched, takes each file version once, and flags a changed copy', async () => {
    const { chmodSync } = await import('node:fs');
    const { sink, run } = await setup({
      claim: 'lease',
      afterSuccess: 'keep',
      readiness: 'marker',
    });
    const name = 'MATMAS_20261117.csv';
    writeFileSync(join(t.drop, name), csvFile(3));
    writeFileSync(join(t.drop, `${name}.done`), '');
    // Read-only for a non-root user (root writes anyway): the listings below are the proof.
    chmodSync(t.drop, 0o555);
    try {
      const first = await run();
      expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
      expect(sink.rows.size).toBe(3);
      expect(dropped()).toEqual([name, `${name}.done`]);
      expect((await run()).counts.read).toBe(0);
    } finally {
      chmodSync(t.drop, 0o755);
    }
    writeFileSync(
      join(t.drop, name),
      csvFile(3, [], (i) => `X${i}`),
    );
    expect((await run()).error?.code).toBe('DUPLICATE_FILE');
    expect(sink.deliveries).toBe(3);
    expect(dropped()).toEqual([name, `${name}.done`]);
  });

  it('refuses afterSuccess keep without lease claims', async () => {
    const { fileDropConfig } = await import('./config.js');
    const parsed = fileDropConfig.safeParse({
      path: '/srv/drop',
      archive: '/srv/archive',
      afterSuccess: 'keep',
      format: { type: 'jsonl' },
    });
    expect(JSON.stringify(parsed.error?.issues)).toContain('needs `claim: lease`');
  });
});
