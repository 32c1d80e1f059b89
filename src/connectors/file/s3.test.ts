/**
 * s3-drop against s3rver: an S3-compatible fake, not AWS. It runs in-process
 * on 127.0.0.1 with a random port, a temp directory and credentials made at
 * run time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../core/integration.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import type { Store } from '../../store/types.js';
import { upsertSink } from './__fixtures__/drop.js';
import { startS3rver, type S3Fake } from './__fixtures__/s3rver.js';
import { s3DropConfig } from './s3-config.js';
import { s3FileDrop } from './s3-source.js';

type Input = Parameters<typeof s3FileDrop>[0];
const DROP = 'drop-bucket';
const ARCHIVE = 'archive-bucket';
let s3: S3Fake;
let dir: string;
let prefix: string;
let archivePrefix: string;
let store: Store;

beforeAll(async () => {
  s3 = await startS3rver([DROP, ARCHIVE]);
  process.env['PB_TEST_S3_KEY_ID'] = s3.accessKeyId;
  process.env['PB_TEST_S3_SECRET'] = s3.secretAccessKey;
});
afterAll(async () => {
  await s3?.stop();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-s3-'));
  const run = Math.random().toString(36).slice(2, 8);
  prefix = `out-${run}/`;
  archivePrefix = `sap-${run}/`;
  store = await openSqliteStore({ path: join(dir, 'state.db') });
  return async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  };
});

function source(config: Partial<Input> = {}) {
  return s3FileDrop({
    bucket: DROP,
    prefix,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    accessKeyId: 'env:PB_TEST_S3_KEY_ID',
    secretAccessKey: 'env:PB_TEST_S3_SECRET',
    archive: `s3://${ARCHIVE}/${archivePrefix}`,
    staging: join(dir, 'staging'),
    patterns: ['*.csv'],
    readiness: 'marker',
    businessDate: { fromName: '_(?<date>\\d{8})\\.csv$' },
    format: { type: 'csv', delimiter: ';' },
    batchSize: 50,
    ...config,
  } as Input);
}

async function runtimeFor(
  ids: string[],
  config: Partial<Input> = {},
  opts: { store?: Store; logger?: pino.Logger; budget?: { maxItems: number } } = {},
) {
  const sinks = new Map(ids.map((id) => [id, upsertSink()]));
  const runtime = await createRuntime({
    store: opts.store ?? store,
    ...(opts.logger && { logger: opts.logger }),
    integrations: ids.map((id) =>
      defineIntegration({
        id,
        owner: 'integrations',
        pattern: 'file-drop',
        trigger: { type: 'manual' },
        source: source(config),
        sink: sinks.get(id)!,
        idempotencyKey: { fields: ['id'] },
        policies: { retry: { maxAttempts: 1 } },
        concurrency: 1,
        ...(opts.budget && { budget: opts.budget }),
      }),
    ),
  });
  return { runtime, sinks, sink: sinks.get(ids[0]!)! };
}

function csv(rows: number, id = (i: number) => String(i)): string {
  let s = 'id;name\n';
  for (let i = 1; i <= rows; i++) s += `${id(i)};n${i}\n`;
  return s;
}
const dropKeys = async () => (await s3.keys(DROP, prefix)).map((k) => k.slice(prefix.length));
const archiveKeys = async () =>
  (await s3.keys(ARCHIVE, archivePrefix)).map((k) => k.slice(archivePrefix.length));

describe('s3-drop against s3rver (an S3-compatible fake, not AWS)', () => {
  it('takes an object only once its done-marker exists, archives it to the bucket and keeps the drop as it is', async () => {
    const { runtime, sink } = await runtimeFor(['erp-s3']);
    await s3.put(DROP, `${prefix}A_20261117.csv`, csv(3));
    await s3.put(
      DROP,
      `${prefix}B_20261118.csv`,
      csv(2, (i) => `B${i}`),
    );
    await s3.put(DROP, `${prefix}B_20261118.csv.done`, '');
    const first = await runtime.run('erp-s3');
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    expect([...sink.rows.keys()]).toEqual([
      '2026-11-18/B_20261118.csv#2',
      '2026-11-18/B_20261118.csv#3',
    ]);
    expect(await archiveKeys()).toEqual(['2026-11-18/B_20261118.csv']);
    // afterSuccess `keep`: nothing in the drop moved, and the store remembers what was taken.
    expect(await dropKeys()).toEqual(['A_20261117.csv', 'B_20261118.csv', 'B_20261118.csv.done']);
    expect((await runtime.run('erp-s3')).counts.read).toBe(0);

    await s3.put(DROP, `${prefix}A_20261117.csv.done`, '');
    expect((await runtime.run('erp-s3')).counts.read).toBe(3);
    expect(sink.deliveries).toBe(5);
  });

  it('removes the object and its marker once processed with afterSuccess: remove', async () => {
    const { runtime, sink } = await runtimeFor(['erp-s3'], { afterSuccess: 'remove' });
    await s3.put(DROP, `${prefix}A_20261117.csv`, csv(4));
    await s3.put(DROP, `${prefix}A_20261117.csv.done`, '');
    expect((await runtime.run('erp-s3')).status).toBe('succeeded');
    expect(sink.rows.size).toBe(4);
    expect(await dropKeys()).toEqual([]);
  });

  it('with stable readiness, reads an object only when size and ETag are unchanged across two polls', async () => {
    const { runtime, sink } = await runtimeFor(['erp-s3'], { readiness: 'stable' });
    const key = `${prefix}GPS_20261117.csv`;
    await s3.put(DROP, key, csv(2));
    expect((await runtime.run('erp-s3')).counts.read).toBe(0);
    // Replaced between polls (same name, new content): not stable yet.
    await s3.put(DROP, key, csv(5));
    expect((await runtime.run('erp-s3')).counts.read).toBe(0);
    expect((await runtime.run('erp-s3')).counts.read).toBe(5);
    expect(sink.rows.size).toBe(5);
  });

  it('never reads an object whose multipart upload is not complete, nor one without its marker', async () => {
    const { runtime, sink } = await runtimeFor(['erp-s3'], {
      readiness: 'stable',
      batchSize: 10_000,
    });
    const key = `${prefix}BIG_20261117.csv`;
    const { UploadId } = await s3.client.send(
      new CreateMultipartUploadCommand({ Bucket: DROP, Key: key }),
    );
    // S3 parts other than the last must be at least 5 MiB.
    const lines: string[] = ['id;name'];
    let bytes = 0;
    for (let i = 1; bytes < 5 * 1024 * 1024; i++) {
      lines.push(`${i};${'x'.repeat(60)}`);
      bytes += lines.at(-1)!.length + 1;
    }
    const part1 = Buffer.from(lines.join('\n') + '\n');
    const rows1 = lines.length - 1;
    const p1 = await s3.client.send(
      new UploadPartCommand({ Bucket: DROP, Key: key, UploadId, PartNumber: 1, Body: part1 }),
    );
    for (let poll = 0; poll < 3; poll++) expect((await runtime.run('erp-s3')).counts.read).toBe(0);
    const p2 = await s3.client.send(
      new UploadPartCommand({
        Bucket: DROP,
        Key: key,
        UploadId,
        PartNumber: 2,
        Body: `${rows1 + 1};last\n`,
      }),
    );
    expect((await runtime.run('erp-s3')).counts.read).toBe(0);
    await s3.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: DROP,
        Key: key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    );
    expect((await runtime.run('erp-s3')).counts.read).toBe(0); // first sight
    const read = await runtime.run('erp-s3');
    expect(read.status, JSON.stringify(read.error)).toBe('succeeded');
    expect(read.counts.read).toBe(rows1 + 1);
    expect(sink.rows.size).toBe(rows1 + 1);

    // Marker readiness: complete objects without their marker are never taken.
    const marked = await runtimeFor(['erp-marked'], { readiness: 'marker' });
    await s3.put(DROP, `${prefix}C_20261117.csv`, csv(2));
    for (let poll = 0; poll < 3; poll++)
      expect((await marked.runtime.run('erp-marked')).counts.read).toBe(0);
  });

  it('lets only one of two sources reading the same bucket process each object (store leases)', async () => {
    const { runtime, sinks } = await runtimeFor(['erp-a', 'erp-b']);
    const names = Array.from({ length: 6 }, (_, i) => `F${i}_2026111${i}.csv`);
    for (const [i, name] of names.entries()) {
      await s3.put(
        DROP,
        `${prefix}${name}`,
        csv(40, (r) => `${i}-${r}`),
      );
      await s3.put(DROP, `${prefix}${name}.done`, '');
    }
    const results = await Promise.all([runtime.run('erp-a'), runtime.run('erp-b')]);
    for (const r of results) expect(r.status, JSON.stringify(r.error)).toBe('succeeded');
    const a = [...sinks.get('erp-a')!.rows.keys()];
    const b = [...sinks.get('erp-b')!.rows.keys()];
    expect(a.length + b.length).toBe(240);
    expect(new Set([...a, ...b]).size).toBe(240);
    expect(sinks.get('erp-a')!.deliveries + sinks.get('erp-b')!.deliveries).toBe(240);
    // Later polls by either find nothing new.
    expect(
      (await runtime.run('erp-a')).counts.read + (await runtime.run('erp-b')).counts.read,
    ).toBe(0);
  });

  it("takes over an object whose worker stopped mid-file once that worker's lease has expired", async () => {
    // Worker A stops at its budget in the middle of the file: the lease stays with A.
    const a = await runtimeFor(['erp-a'], { leaseFor: '5m' }, { budget: { maxItems: 50 } });
    await s3.put(DROP, `${prefix}A_20261117.csv`, csv(200));
    await s3.put(DROP, `${prefix}A_20261117.csv.done`, '');
    const stopped = await a.runtime.run('erp-a');
    expect(stopped.status).toBe('partial');
    expect(a.sink.rows.size).toBeLessThan(200);

    // Worker B, while A's lease is live: leaves the file alone.
    const b = await runtimeFor(['erp-b'], { leaseFor: '5m' });
    expect((await b.runtime.run('erp-b')).counts.read).toBe(0);

    // Ten minutes later (the store's clock), A's lease has expired and B takes the file whole.
    const later = await openSqliteStore({
      path: join(dir, 'state.db'),
      clock: () => Date.now() + 10 * 60_000,
    });
    try {
      const b2 = await runtimeFor(['erp-b'], { leaseFor: '5m' }, { store: later });
      const took = await b2.runtime.run('erp-b');
      expect(took.status, JSON.stringify(took.error)).toBe('succeeded');
      expect(took.counts.read).toBe(200);
      expect(b2.sink.rows.size).toBe(200);
    } finally {
      await later.close();
    }
  });

  it('raises a duplicate-file error for the same object uploaded again with other content, and ignores an identical re-upload', async () => {
    const { runtime, sink } = await runtimeFor(['erp-s3']);
    const name = 'MATMAS_20261117.csv';
    await s3.put(DROP, `${prefix}${name}`, csv(4));
    await s3.put(DROP, `${prefix}${name}.done`, '');
    await runtime.run('erp-s3');
    expect(sink.deliveries).toBe(4);

    // Same bytes again (a new upload, so a new version): ignored, nothing delivered.
    await s3.put(DROP, `${prefix}${name}`, csv(4));
    const again = await runtime.run('erp-s3');
    expect(again.status).toBe('succeeded');
    expect(sink.deliveries).toBe(4);

    // Other content under the same name and date: not loaded, archived aside, loud.
    await s3.put(
      DROP,
      `${prefix}${name}`,
      csv(4, (i) => `X${i}`),
    );
    const dup = await runtime.run('erp-s3');
    expect(dup.status).toBe('failed');
    expect(dup.error?.code).toBe('DUPLICATE_FILE');
    expect(dup.error?.message).toMatch(
      /duplicate file MATMAS_20261117\.csv for business date 2026-11-17/,
    );
    expect(sink.deliveries).toBe(4);
    const archived = await archiveKeys();
    expect(archived.filter((k) => k.startsWith('2026-11-17/duplicates/'))).toHaveLength(1);
    const first = await s3.client.send(
      new GetObjectCommand({ Bucket: ARCHIVE, Key: `${archivePrefix}2026-11-17/${name}` }),
    );
    expect(await first.Body!.transformToString()).toBe(csv(4));
    // Alerted once: the same version is not taken (and alerted) again.
    expect((await runtime.run('erp-s3')).status).toBe('succeeded');
  });

  it('fails an unparseable object with its reason and rejects oversized records, loading the rest', async () => {
    const { runtime, sink } = await runtimeFor(['erp-s3'], { maxRecordBytes: 1000 });
    await s3.put(DROP, `${prefix}A_20261117.csv`, 'id;id\n1;2\n');
    await s3.put(DROP, `${prefix}A_20261117.csv.done`, '');
    await s3.put(DROP, `${prefix}BIG_20261117.csv`, `id;name\n1;${'x'.repeat(200_000)}\n2;fine\n`);
    await s3.put(DROP, `${prefix}BIG_20261117.csv.done`, '');
    const result = await runtime.run('erp-s3');
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('UNPARSEABLE_FILE');
    expect(result.error?.message).toMatch(/A_20261117\.csv cannot be parsed: .*repeated/);
    expect([...sink.rows.values()]).toEqual([{ id: '2', name: 'fine' }]);
    const rejects = await store.rejects.list('erp-s3');
    expect(rejects.map((r) => [r.recordKey, r.rule])).toEqual([
      ['2026-11-17/BIG_20261117.csv#2', 'record:size'],
    ]);
    expect(await archiveKeys()).toEqual([
      '2026-11-17/A_20261117.csv',
      '2026-11-17/BIG_20261117.csv',
    ]);
    // The failed version is remembered: not taken again until it changes.
    expect((await runtime.run('erp-s3')).status).toBe('succeeded');
  });

  it('replays business dates from the archive bucket without touching the drop or the live checkpoint', async () => {
    const { runtime, sink } = await runtimeFor(['erp-s3'], { afterSuccess: 'remove' });
    for (const [date, rows] of [
      ['20261116', 2],
      ['20261117', 3],
      ['20261118', 4],
    ] as const) {
      await s3.put(
        DROP,
        `${prefix}M_${date}.csv`,
        csv(rows, (i) => `${date}-${i}`),
      );
      await s3.put(DROP, `${prefix}M_${date}.csv.done`, '');
    }
    expect((await runtime.run('erp-s3')).counts.read).toBe(9);
    expect(await dropKeys()).toEqual([]);
    const checkpoint = await store.checkpoints.get('erp-s3');
    const replay = await runtime.run('erp-s3', {
      mode: 'replay',
      range: { from: '2026-11-17', to: '2026-11-18' },
    });
    expect(replay.status, JSON.stringify(replay.error)).toBe('succeeded');
    expect(replay.counts.read).toBe(7);
    expect(sink.rows.size).toBe(9);
    expect(sink.deliveries).toBe(16);
    expect(await store.checkpoints.get('erp-s3')).toEqual(checkpoint);
  });

  it('never puts the access key id or secret into errors or logs', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    const keyId = `AKBAD${Math.random().toString(36).slice(2, 12).toUpperCase()}`;
    const secret = Math.random().toString(36).repeat(3);
    process.env['PB_TEST_S3_BAD_KEY_ID'] = keyId;
    process.env['PB_TEST_S3_BAD_SECRET'] = secret;
    await s3.put(DROP, `${prefix}A_20261117.csv`, csv(1));
    await s3.put(DROP, `${prefix}A_20261117.csv.done`, '');
    const { runtime } = await runtimeFor(
      ['erp-s3'],
      { accessKeyId: 'env:PB_TEST_S3_BAD_KEY_ID', secretAccessKey: 'env:PB_TEST_S3_BAD_SECRET' },
      { logger },
    );
    const result = await runtime.run('erp-s3');
    expect(result.status).toBe('failed');
    expect(result.error?.kind).toBe('auth');
    expect(result.error?.message).toContain('InvalidAccessKeyId');
    const everything = JSON.stringify(result) + lines.join('\n');
    expect(everything).toContain('InvalidAccessKeyId');
    expect(everything).not.toContain(keyId);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain(s3.secretAccessKey);
  });
});

describe('s3-drop config', () => {
  const base = { bucket: 'erp-drop', archive: '/srv/archive', format: { type: 'csv' } };
  it('rejects rename pickup, rename claims and plain http to another machine, with reasons', () => {
    const issues = (extra: object) =>
      JSON.stringify(s3DropConfig.safeParse({ ...base, ...extra }).error?.issues ?? []);
    expect(issues({ readiness: 'rename' })).toContain('S3 has no atomic rename');
    expect(issues({ claim: 'rename' })).toContain('use `lease`');
    expect(issues({ endpoint: 'http://minio.internal:9000' })).toContain('plain http://');
    expect(issues({ endpoint: 'http://127.0.0.1:9000' })).toBe('[]');
    // A literal key id (generated here, shaped like one) is refused: credentials are references.
    const literalKeyId = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    expect(issues({ accessKeyId: literalKeyId, secretAccessKey: 'env:X' })).not.toBe('[]');
    expect(issues({ accessKeyId: 'env:ID' })).toContain(
      'give both accessKeyId and secretAccessKey',
    );
    expect(s3DropConfig.parse(base)).toMatchObject({ claim: 'lease', afterSuccess: 'keep' });
  });
});
