/**
 * A drop "folder" in an S3 bucket: the objects directly under a prefix.
 * Every request goes through the integration's policy pipeline (the SDK's
 * own retries are off, so retries are counted and budgeted in one place), and
 * S3 errors are rebuilt from their name and status only: an S3 error body can
 * echo the access key id and the string that was signed.
 */
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ConnectorContext } from '../../core/connector.js';
import { classify } from '../../core/classify.js';
import { PatchbayError, type ErrorKind } from '../../core/errors.js';
import { fsyncPath, type DropEntry, type DropFolder } from './drop.js';
import { guardedCall } from './guarded-call.js';
import type { S3DropConfig } from './s3-config.js';

type Sdk = typeof S3Sdk;

/**
 * An open S3 connection of one session: the SDK module, the client, and the
 * guarded call every request goes through.
 *
 * @example
 * ```ts
 * const s3 = await openS3(cfg, ctx);
 * await s3.call('s3.head', 'erp-drop/a.csv', () => s3.client.send(new s3.sdk.HeadObjectCommand({ Bucket, Key })));
 * ```
 */
export interface S3Access {
  sdk: Sdk;
  client: S3Client;
  call: <T>(operation: string, target: string, fn: () => Promise<T>) => Promise<T>;
  /** Aborts requests when the run is cancelled. */
  signal: AbortSignal;
}

const KIND_BY_STATUS: Array<[(s: number) => boolean, ErrorKind]> = [
  [(s) => s === 401 || s === 403, 'auth'],
  [(s) => s === 429 || s === 503, 'rate_limited'],
  [(s) => s >= 500, 'http_5xx'],
  [(s) => s >= 400, 'http_4xx'],
];

/**
 * Maps an S3 SDK error to a `PatchbayError` without its message body or
 * cause (both can carry the access key id); network errors are classified
 * as usual.
 *
 * @example
 * ```ts
 * try { await client.send(cmd); } catch (err) { throw s3Error(err, 'erp-drop/out/a.csv'); }
 * ```
 */
export function s3Error(err: unknown, target: string): PatchbayError {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = e?.$metadata?.httpStatusCode;
  if (typeof status !== 'number') return classify(err);
  const name = typeof e.name === 'string' ? e.name : 'S3Error';
  const kind = KIND_BY_STATUS.find(([test]) => test(status))?.[1] ?? 'http_4xx';
  return new PatchbayError(kind, `S3 ${name} (HTTP ${status}) on ${target}`, {
    code: name === 'NoSuchBucket' ? 'NO_SUCH_BUCKET' : `S3_${name}`,
    status,
    retryable: kind === 'rate_limited' || kind === 'http_5xx',
    details: { s3Error: name, target },
  });
}

/**
 * Whether an error is S3's "no such key" (a 404 on an object).
 *
 * @example
 * ```ts
 * if (isNotFound(err)) return false;
 * ```
 */
export function isNotFound(err: unknown): boolean {
  return err instanceof PatchbayError && err.status === 404 && err.code !== 'NO_SUCH_BUCKET';
}

async function loadSdk(): Promise<Sdk> {
  try {
    return await import('@aws-sdk/client-s3');
  } catch (cause) {
    throw new PatchbayError(
      'config',
      'the @aws-sdk/client-s3 package is needed for s3-drop: npm install @aws-sdk/client-s3',
      { code: 'DRIVER_MISSING', cause, details: { package: '@aws-sdk/client-s3' } },
    );
  }
}

/**
 * Opens the S3 client of a session, credentials resolved from their
 * references now (or the AWS default chain when none are given).
 *
 * @example
 * ```ts
 * const s3 = await openS3(cfg, ctx);
 * ```
 */
export async function openS3(cfg: S3DropConfig, ctx: ConnectorContext): Promise<S3Access> {
  const sdk = await loadSdk();
  const [keyId, secret, token] = await Promise.all(
    [cfg.accessKeyId, cfg.secretAccessKey, cfg.sessionToken].map((ref) =>
      ref === undefined ? undefined : ctx.secrets.resolve(ref, ctx.signal),
    ),
  );
  const client = new sdk.S3Client({
    region: cfg.region,
    ...(cfg.endpoint !== undefined && { endpoint: cfg.endpoint }),
    forcePathStyle: cfg.forcePathStyle,
    // Retries belong to the integration's policy pipeline, which counts and budgets them.
    maxAttempts: 1,
    // The SDK's default streams uploads as aws-chunked with a trailing checksum, which several
    // S3-compatible servers store verbatim (the archive copy would not be the file as received).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The SDK's own warnings go to the integration's log, never to the console.
    logger: {
      debug() {},
      info() {},
      warn: (m: unknown) => ctx.logger.debug({ sdk: 's3' }, String(m)),
      error: (m: unknown) => ctx.logger.debug({ sdk: 's3' }, String(m)),
    },
    ...(keyId &&
      secret && {
        credentials: {
          accessKeyId: keyId.reveal(),
          secretAccessKey: secret.reveal(),
          ...(token && { sessionToken: token.reveal() }),
        },
      }),
  });
  return {
    sdk,
    client,
    signal: ctx.signal,
    call: <T>(operation: string, target: string, fn: () => Promise<T>) =>
      guardedCall(ctx, (err) => s3Error(err, target))(operation, target, fn),
  };
}

/**
 * Lists every object under `prefix`; with `delimiter`, only those directly
 * under it, and the "sub-folders" as `folders`.
 *
 * @example
 * ```ts
 * const { objects } = await listAll(s3, 'erp-drop', 'out/', '/');
 * ```
 */
export async function listAll(
  s3: S3Access,
  bucket: string,
  prefix: string,
  delimiter?: string,
): Promise<{
  objects: Array<{ key: string; size: number; mtimeMs: number; etag?: string | undefined }>;
  folders: string[];
}> {
  const objects: Array<{ key: string; size: number; mtimeMs: number; etag?: string }> = [];
  const folders: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.call('s3.list', `${bucket}/${prefix}`, () =>
      s3.client.send(
        new s3.sdk.ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
        }),
        { abortSignal: s3.signal },
      ),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key || o.Key.endsWith('/')) continue;
      objects.push({
        key: o.Key,
        size: o.Size ?? 0,
        mtimeMs: o.LastModified?.getTime() ?? 0,
        ...(o.ETag !== undefined && { etag: o.ETag }),
      });
    }
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { objects, folders };
}

/**
 * Streams an object into a local file and makes the copy durable; the body
 * is piped, never held in memory.
 *
 * @example
 * ```ts
 * await getToFile(s3, 'erp-drop', 'out/a.csv', '/tmp/staging/a.csv');
 * ```
 */
export async function getToFile(
  s3: S3Access,
  bucket: string,
  key: string,
  localPath: string,
): Promise<void> {
  await s3.call('s3.get', `${bucket}/${key}`, async () => {
    const out = await s3.client.send(new s3.sdk.GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: s3.signal,
    });
    // A retry starts the file again: createWriteStream truncates.
    await pipeline(out.Body as Readable, createWriteStream(localPath));
  });
  await fsyncPath(localPath, 'r+');
}

/**
 * The drop: objects directly under `cfg.prefix` in `cfg.bucket`, by name
 * relative to the prefix. It cannot rename (S3 has no atomic rename): claims
 * are store leases.
 *
 * @example
 * ```ts
 * const drop = s3Drop(await openS3(cfg, ctx), cfg);
 * ```
 */
export function s3Drop(s3: S3Access, cfg: S3DropConfig): DropFolder {
  const where = `s3://${cfg.bucket}/${cfg.prefix}`;
  const key = (name: string) => cfg.prefix + name;
  return {
    where,
    async list() {
      const { objects } = await listAll(s3, cfg.bucket, cfg.prefix, '/');
      return objects.map((o): DropEntry => ({
        name: o.key.slice(cfg.prefix.length),
        size: o.size,
        mtimeMs: o.mtimeMs,
        isFile: true,
        etag: o.etag,
      }));
    },
    async rename() {
      // Unreachable with a valid config (claim `lease`, afterSuccess not `marker`).
      throw new PatchbayError('config', 's3-drop cannot rename objects', { code: 'CONFIG' });
    },
    async remove(name) {
      await s3.call('s3.delete', `${cfg.bucket}/${key(name)}`, () =>
        s3.client.send(new s3.sdk.DeleteObjectCommand({ Bucket: cfg.bucket, Key: key(name) }), {
          abortSignal: s3.signal,
        }),
      );
    },
    download: (name, localPath) => getToFile(s3, cfg.bucket, key(name), localPath),
    async check() {
      try {
        await s3.client.send(
          new s3.sdk.ListObjectsV2Command({ Bucket: cfg.bucket, Prefix: cfg.prefix, MaxKeys: 1 }),
        );
        return { ok: true, detail: `${where} is listable` };
      } catch (err) {
        return { ok: false, detail: `${where}: ${s3Error(err, where).message}` };
      }
    },
    async close() {
      s3.client.destroy();
    },
  };
}
