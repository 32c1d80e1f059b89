/**
 * s3rver (an S3-compatible fake, not AWS) started in-process on 127.0.0.1
 * with a random port, a temp directory and credentials generated at run time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/**
 * A running fake S3 server and a client for the test's own setup.
 *
 * @example
 * ```ts
 * const s3 = await startS3rver(['drop-bucket']);
 * await s3.put('drop-bucket', 'out/a.csv', 'id\n1\n');
 * ```
 */
export interface S3Fake {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  client: S3Client;
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  keys(bucket: string, prefix?: string): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts s3rver with the given buckets.
 *
 * @example
 * ```ts
 * const s3 = await startS3rver(['drop-bucket', 'archive-bucket']);
 * ```
 */
export async function startS3rver(buckets: string[]): Promise<S3Fake> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory: dir, silent: true });
  const { port } = (await server.run()) as unknown as { port: number };
  const accessKeyId = `AK${randomBytes(9).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64url');
  // s3rver knows only its own access key id; register this run's (it does not verify SigV4).
  const require = createRequire(import.meta.url);
  const account = require('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
  });
  for (const b of buckets) await client.send(new CreateBucketCommand({ Bucket: b }));
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    client,
    async put(bucket, key, body) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    async keys(bucket, prefix) {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    async stop() {
      client.destroy();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
