/**
 * The raw archive in an S3 bucket/prefix (`archive: 's3://bucket/prefix'`),
 * same layout as the local archive: `<date>/<name>`, `<date>/duplicates/`,
 * `<date>/failed/`, `undated/`. Received objects are staged in a local folder
 * (hashed and parsed from there), uploaded as received, and replays stream
 * the archived objects straight into the parsers.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { retentionCutoff, type ArchivedFile, type RawArchive } from './archive.js';
import { isNotFound, listAll, type S3Access } from './s3-drop.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * An archive at `s3://<bucket>/<prefix>`, staging copies in `stagingDir`.
 *
 * @example
 * ```ts
 * const archive = s3Archive(s3, { bucket: 'erp-archive', prefix: 'sap/' }, '/var/tmp/patchbay-s3');
 * ```
 */
export function s3Archive(
  s3: S3Access,
  at: { bucket: string; prefix: string },
  stagingDir: string,
): RawArchive {
  const { bucket, prefix } = at;
  const target = (key: string) => `${bucket}/${key}`;
  const send = <T>(op: string, key: string, fn: () => Promise<T>) => s3.call(op, target(key), fn);

  const exists = async (key: string) => {
    try {
      await send('s3.head', key, () =>
        s3.client.send(new s3.sdk.HeadObjectCommand({ Bucket: bucket, Key: key }), {
          abortSignal: s3.signal,
        }),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };
  const put = async (staged: string, key: string) => {
    const { size } = await stat(staged);
    await send('s3.put', key, () =>
      s3.client.send(
        new s3.sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          // Opened per attempt: a retried upload starts from the first byte.
          Body: createReadStream(staged),
          ContentLength: size,
        }),
        { abortSignal: s3.signal },
      ),
    );
  };
  const remove = (key: string) =>
    send('s3.delete', key, () =>
      s3.client.send(new s3.sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: s3.signal,
      }),
    );
  const dates = async () =>
    (await listAll(s3, bucket, prefix, '/')).folders
      .map((f) => f.slice(prefix.length, -1))
      .filter((d) => DATE.test(d))
      .sort();

  return {
    where: `s3://${bucket}/${prefix}`,
    async staging() {
      await mkdir(stagingDir, { recursive: true });
      return stagingDir;
    },
    async keep(staged, date, name) {
      const key = `${prefix}${date}/${name}`;
      // Never overwritten: a resumed file is already archived as it first arrived.
      if (!(await exists(key))) await put(staged, key);
      return staged;
    },
    async keepAside(staged, folder, name) {
      await put(staged, `${prefix}${folder}/${name}`);
      await rm(staged, { force: true });
    },
    async setAsideFailed(date, name, hash) {
      const from = `${prefix}${date}/${name}`;
      const to = `${prefix}${date}/failed/${name}.${hash.slice(0, 12)}`;
      try {
        await send('s3.copy', to, () =>
          s3.client.send(
            new s3.sdk.CopyObjectCommand({
              Bucket: bucket,
              Key: to,
              CopySource: encodeURIComponent(`${bucket}/${from}`).replace(/%2F/g, '/'),
            }),
            { abortSignal: s3.signal },
          ),
        );
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      await remove(from);
    },
    async files(from, to, match) {
      const out: ArchivedFile[] = [];
      for (const date of (await dates()).filter(
        (d) => d >= from && (to === undefined || d <= to),
      )) {
        // The delimiter leaves duplicates/ and failed/ out: they are never replayed.
        const { objects } = await listAll(s3, bucket, `${prefix}${date}/`, '/');
        for (const o of objects.sort((a, b) => (a.key < b.key ? -1 : 1))) {
          const name = o.key.slice(prefix.length + date.length + 1);
          if (!match(name)) continue;
          out.push({
            date,
            name,
            path: async () =>
              (
                await send('s3.get', o.key, () =>
                  s3.client.send(new s3.sdk.GetObjectCommand({ Bucket: bucket, Key: o.key }), {
                    abortSignal: s3.signal,
                  }),
                )
              ).Body as Readable,
          });
        }
      }
      return out;
    },
    async prune(days, today) {
      const cutoff = retentionCutoff(today, days);
      const old = (await dates()).filter((d) => d < cutoff);
      for (const date of old) {
        for (const o of (await listAll(s3, bucket, `${prefix}${date}/`)).objects)
          await remove(o.key);
      }
      return old;
    },
    async release(path) {
      await rm(path, { force: true });
    },
  };
}
