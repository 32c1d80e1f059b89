/**
 * Where files are dropped, behind the few operations a file drop needs, so
 * the local folder and SFTP share one pickup, claim, archive and replay path.
 */
import { constants } from 'node:fs';
import { access, copyFile, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionCheck } from '../../core/connector.js';

/**
 * A file (or other entry) in a drop folder.
 *
 * @example
 * ```ts
 * const e: DropEntry = { name: 'a.csv', size: 10, mtimeMs: Date.now(), isFile: true };
 * ```
 */
export interface DropEntry {
  name: string;
  size: number;
  mtimeMs: number;
  isFile: boolean;
  /** The object's ETag (S3): a new upload under the same name has another. */
  etag?: string | undefined;
}

/**
 * The operations on a drop folder. Names are relative to the folder.
 *
 * @example
 * ```ts
 * const drop: DropFolder = localDrop('/srv/drop/sap');
 * for (const e of await drop.list()) console.log(e.name);
 * ```
 */
export interface DropFolder {
  /** For logs and errors, e.g. `/srv/drop` or `sftp://erp@10.0.0.5:22/out`. */
  readonly where: string;
  list(): Promise<DropEntry[]>;
  /** Atomic rename; false when `from` no longer exists (someone else took it). Not for S3. */
  rename(from: string, to: string): Promise<boolean>;
  /** Removes a file; a missing file is fine. */
  remove(name: string): Promise<void>;
  /** Copies a file of the drop to a local path and makes the copy durable. */
  download(name: string, localPath: string): Promise<void>;
  check(): Promise<ConnectionCheck>;
  close(): Promise<void>;
}

/**
 * Flushes a local file (or folder) to disk.
 *
 * @example
 * ```ts
 * await fsyncPath('/srv/archive/2026-11-17', 'r');
 * ```
 */
export async function fsyncPath(path: string, flags: string): Promise<void> {
  const fh = await open(path, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * A drop folder on local disk or a mounted share.
 *
 * @example
 * ```ts
 * const drop = localDrop('/mnt/erp-share/out');
 * ```
 */
export function localDrop(path: string): DropFolder {
  return {
    where: path,
    async list() {
      const out: DropEntry[] = [];
      for (const name of await readdir(path)) {
        // A file may vanish between listing and stat (another poller claimed it).
        const st = await stat(join(path, name)).catch(() => undefined);
        if (st) out.push({ name, size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile() });
      }
      return out;
    },
    async rename(from, to) {
      try {
        await rename(join(path, from), join(path, to));
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    },
    async remove(name) {
      await rm(join(path, name), { force: true });
    },
    async download(name, localPath) {
      await copyFile(join(path, name), localPath);
      await fsyncPath(localPath, 'r+');
    },
    async check() {
      try {
        // Claiming renames files, so the folder must be writable, not only readable.
        await access(path, constants.R_OK | constants.W_OK);
        return { ok: true, detail: `${path} is readable and writable` };
      } catch (err) {
        return { ok: false, detail: `${path}: ${(err as Error).message}` };
      }
    },
    async close() {},
  };
}
