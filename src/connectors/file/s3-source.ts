/**
 * `s3-drop`: the file drop in an S3-compatible bucket. Same readiness,
 * ledger, duplicates, business dates, parsers, checkpoints and replay as
 * `file-drop`; claims are leases in the store (S3 cannot rename atomically),
 * and the raw archive is a bucket/prefix or a local folder.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConnector, type SourceSession } from '../../core/connector.js';
import { localArchive } from './archive.js';
import { fileDropCapabilities, readDrop } from './drop-read.js';
import { s3Archive } from './s3-archive.js';
import { s3DropConfig, s3Location } from './s3-config.js';
import { openS3, s3Drop } from './s3-drop.js';
import { fileDropStatus } from './expect-state.js';

export { s3DropConfig, type S3DropConfig } from './s3-config.js';

/**
 * The S3 file-drop source.
 *
 * @example
 * ```ts
 * import { s3FileDrop } from 'patchbay/file';
 * source: s3FileDrop({
 *   bucket: 'erp-drop', prefix: 'out/sap/', region: 'eu-central-1',
 *   accessKeyId: 'env:ERP_S3_KEY_ID', secretAccessKey: 'env:ERP_S3_SECRET',
 *   archive: 's3://erp-archive/sap/', archiveRetentionDays: 400,
 *   patterns: ['MATMAS_*.csv'], readiness: 'marker', // SAP uploads MATMAS_20261117.csv.done last
 *   businessDate: { fromName: '_(?<date>\\d{8})\\.csv$', timeZone: 'Europe/Berlin' },
 *   format: { type: 'csv', delimiter: ';', encoding: 'win1252' },
 * })
 * ```
 */
export const s3FileDrop = defineConnector({
  kind: 's3-drop',
  title: 'File drop (S3)',
  description:
    'Objects under a prefix of an S3-compatible bucket: never read before complete (done-marker or stable size and ETag), claimed by a lease in the store, archived raw to a bucket or folder, processed by business date, replayed by date.',
  direction: 'source',
  config: s3DropConfig,
  capabilities: fileDropCapabilities,
  status: fileDropStatus,
  async connect(cfg, ctx): Promise<SourceSession<Record<string, unknown>>> {
    const s3 = await openS3(cfg, ctx);
    const drop = s3Drop(s3, cfg);
    const at = s3Location(cfg.archive);
    const staging =
      cfg.staging ??
      join(tmpdir(), 'patchbay-s3-drop', ctx.integrationId.replace(/[^A-Za-z0-9._-]/g, '_'));
    const archive = at ? s3Archive(s3, at, staging) : localArchive(cfg.archive);
    return {
      read: (readCtx) => readDrop(cfg, drop, readCtx, archive),
      check: () => drop.check(),
      close: () => drop.close(),
    };
  },
});
