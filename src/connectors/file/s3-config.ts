/**
 * The `s3-drop` config: the file-drop fields (without `path`) plus bucket,
 * prefix and connection. Claims are always leases in the store, because S3
 * has no atomic rename to claim with.
 */
import { z } from 'zod';
import { secretRef } from '../../core/secrets/schema.js';
import { fileDropFields, fileDropRules } from './config.js';

/** Hosts that never leave the machine: plain HTTP to them is acceptable. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Whether an endpoint sends requests unencrypted to another machine.
 *
 * @example
 * ```ts
 * insecureEndpoint('http://minio.internal:9000'); // true
 * insecureEndpoint('http://127.0.0.1:4569'); // false
 * ```
 */
export function insecureEndpoint(endpoint: string | undefined): boolean {
  const url = parseUrl(endpoint);
  return url?.protocol === 'http:' && !LOOPBACK.test(url.hostname);
}

function parseUrl(s: string | undefined): URL | undefined {
  try {
    return s === undefined ? undefined : new URL(s);
  } catch {
    return undefined;
  }
}

/** `s3://bucket/prefix` as an archive location. */
const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/**
 * Splits an `s3://bucket/prefix` archive location; undefined for a local folder.
 *
 * @example
 * ```ts
 * s3Location('s3://erp-archive/sap/'); // { bucket: 'erp-archive', prefix: 'sap/' }
 * s3Location('/srv/archive'); // undefined
 * ```
 */
export function s3Location(archive: string): { bucket: string; prefix: string } | undefined {
  const m = S3_URL.exec(archive);
  if (!m) return undefined;
  const prefix = m[2] ?? '';
  return { bucket: m[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/**
 * The zod schema of `s3-drop`.
 *
 * @example
 * ```ts
 * s3DropConfig.parse({ bucket: 'erp-drop', prefix: 'out/', region: 'eu-central-1', accessKeyId: 'env:ERP_S3_KEY_ID', secretAccessKey: 'env:ERP_S3_SECRET', archive: 's3://erp-archive/sap/', readiness: 'marker', format: { type: 'csv' } });
 * ```
 */
export const s3DropConfig = fileDropFields
  .omit({ path: true })
  .extend({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'an S3 bucket name' })
      .meta({ description: 'The drop bucket', examples: ['erp-drop'] }),
    prefix: z
      .string()
      .default('')
      .meta({
        description:
          'The drop "folder": objects directly under it are the drop (deeper keys are ignored); ends with `/` unless empty',
        examples: ['out/sap/'],
      }),
    region: z.string().min(1).default('us-east-1'),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .meta({
        description:
          'An S3-compatible endpoint (MinIO, Ceph, a cloud other than AWS); default: AWS for the region',
        examples: ['https://s3.eu-central-1.wasabisys.com'],
      }),
    forcePathStyle: z.boolean().default(false).meta({
      description: 'Address buckets as `endpoint/bucket/key` (most S3-compatible servers need it)',
    }),
    accessKeyId: secretRef('access key id').optional(),
    secretAccessKey: secretRef('secret access key').optional(),
    sessionToken: secretRef('session token (temporary credentials)').optional(),
    allowInsecureEndpoint: z.boolean().default(false).meta({
      advanced: true,
      description:
        'Accept an `http://` endpoint on another machine (credentials-signed requests and the files travel unencrypted); `patchbay check` flags it',
    }),
    archive: z
      .string()
      .min(1)
      .meta({
        description:
          'Raw archive: `s3://bucket/prefix` (same endpoint and credentials) or a local folder; every received object is kept there as received, by business date',
        examples: ['s3://erp-archive/sap/', '/srv/archive/sap'],
      }),
    staging: z.string().min(1).optional().meta({
      advanced: true,
      description:
        'Local folder for objects in flight (hashed, then parsed) when the archive is a bucket; default: a folder per integration under the OS temp dir',
    }),
    claim: z.enum(['rename', 'lease']).default('lease').meta({
      description:
        'Always `lease`: an expiring lease in the store, since S3 cannot rename atomically',
    }),
    afterSuccess: z.enum(['remove', 'marker', 'keep']).default('keep').meta({
      description:
        '`keep`: leave the object (the store remembers which version was taken); `remove`: delete it (and its marker) once processed',
    }),
  })
  .superRefine((cfg, ctx) => {
    fileDropRules(cfg, ctx);
    if (cfg.readiness === 'rename') {
      ctx.addIssue({
        code: 'custom',
        path: ['readiness'],
        message:
          'S3 has no atomic rename: use `marker` (the producer uploads `X.done` after `X`) or `stable` (size and ETag unchanged across two polls)',
      });
    }
    if (cfg.claim !== 'lease') {
      ctx.addIssue({
        code: 'custom',
        path: ['claim'],
        message: 'S3 has no atomic rename to claim with: use `lease`',
      });
    }
    if (cfg.afterSuccess === 'marker') {
      ctx.addIssue({
        code: 'custom',
        path: ['afterSuccess'],
        message: 'S3 cannot rename to `X.processed`: use `keep` or `remove`',
      });
    }
    if (cfg.prefix !== '' && !cfg.prefix.endsWith('/')) {
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'must end with `/`' });
    }
    if ((cfg.accessKeyId === undefined) !== (cfg.secretAccessKey === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secretAccessKey'],
        message:
          'give both accessKeyId and secretAccessKey, or neither (the AWS default credential chain)',
      });
    }
    if (cfg.endpoint !== undefined && parseUrl(cfg.endpoint)?.username) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message: 'no credentials in the URL: use accessKeyId and secretAccessKey references',
      });
    }
    if (insecureEndpoint(cfg.endpoint) && !cfg.allowInsecureEndpoint) {
      ctx.addIssue({
        code: 'custom',
        path: ['endpoint'],
        message:
          'plain http:// to another machine: use https:// (or set allowInsecureEndpoint: true, which check flags)',
      });
    }
    if (cfg.archive.startsWith('s3:') && s3Location(cfg.archive) === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['archive'],
        message: 's3://<bucket>/<prefix> with a valid bucket name, or a local folder',
      });
    }
  });

/**
 * The parsed `s3-drop` config.
 *
 * @example
 * ```ts
 * const cfg: S3DropConfig = s3DropConfig.parse(raw);
 * ```
 */
export type S3DropConfig = z.output<typeof s3DropConfig>;
