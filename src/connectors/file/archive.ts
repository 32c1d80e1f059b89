/**
 * The raw archive and the file ledger. Every received file is copied into
 * `<archive>/<business date>/<name>` before it is parsed, so a replay reads
 * exactly what arrived; the ledger (in the store) remembers each
 * (name, business date) with its content hash, which is how a second copy is
 * told apart from a redelivery.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/types.js';
import type { BusinessDate } from './business-date.js';
import { fsyncPath } from './drop.js';
import type { ByteSource } from './parsers/index.js';

/**
 * An archived raw file, as a replay reads it.
 *
 * @example
 * ```ts
 * const f: ArchivedFile = { date: '2026-11-17', name: 'a.csv', path: '/srv/archive/2026-11-17/a.csv' };
 * ```
 */
export interface ArchivedFile {
  date: BusinessDate;
  name: string;
  path: ByteSource;
}

/**
 * Where received files are kept as received: a local folder or an S3
 * bucket/prefix. Layout either way: `<date>/<name>`, second copies under
 * `<date>/duplicates/`, replaced unparseable copies under `<date>/failed/`,
 * undated files under `undated/`.
 *
 * @example
 * ```ts
 * const archive: RawArchive = localArchive('/srv/archive/sap');
 * const parseFrom = await archive.keep(staged, '2026-11-17', 'MATMAS.csv');
 * ```
 */
export interface RawArchive {
  readonly where: string;
  /** A local folder for copies in flight (created). */
  staging(): Promise<string>;
  /**
   * Keeps a staged file as the archived copy of (date, name), never
   * overwriting one already there (a resumed file). Returns the local path to
   * parse; call `release` with it once the file is finished.
   */
  keep(staged: string, date: BusinessDate, name: string): Promise<string>;
  /** Keeps a copy that is not loaded, under `<folder>/<name>` (`<date>/duplicates`, `undated`). */
  keepAside(staged: string, folder: string, name: string): Promise<void>;
  /** Moves the archived copy of a file that failed to parse aside (`<date>/failed/<name>.<hash>`). */
  setAsideFailed(date: BusinessDate, name: string, hash: string): Promise<void>;
  /** Archived files of business dates `from`..`to` (inclusive), date by date, names sorted. */
  files(
    from: BusinessDate,
    to: BusinessDate | undefined,
    match: (name: string) => boolean,
  ): Promise<ArchivedFile[]>;
  /** Deletes business dates older than `today - days`; returns them. */
  prune(days: number, today: BusinessDate): Promise<BusinessDate[]>;
  /** Drops the local parse copy `keep` returned, when it is not the archive itself. */
  release(path: string): Promise<void>;
}

/**
 * The raw archive in a local folder (the `.incoming` subfolder stages copies).
 *
 * @example
 * ```ts
 * const archive = localArchive('/srv/archive/sap');
 * ```
 */
export function localArchive(dir: string): RawArchive {
  return {
    where: dir,
    async staging() {
      const incoming = join(dir, '.incoming');
      await mkdir(incoming, { recursive: true });
      return incoming;
    },
    keep: (staged, date, name) => archiveMove(staged, join(dir, date), name),
    async keepAside(staged, folder, name) {
      await archiveMove(staged, join(dir, folder), name);
    },
    setAsideFailed: (date, name, hash) => setAsideArchived({ archive: dir }, date, name, hash),
    files: (from, to, match) => archivedFiles(dir, from, to, match),
    prune: (days, today) => pruneArchive(dir, days, today),
    // The parse copy is the archived file: nothing to drop.
    async release() {},
  };
}

/**
 * The first date older than `today - days`: business dates before it are pruned.
 *
 * @example
 * ```ts
 * retentionCutoff('2026-11-17', 30); // '2026-10-18'
 * ```
 */
export function retentionCutoff(today: BusinessDate, days: number): BusinessDate {
  return new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * What the ledger keeps per (business date, file name).
 *
 * @example
 * ```ts
 * const entry: LedgerEntry = { hash: 'ab12…', state: 'done', at: Date.now() };
 * ```
 */
export interface LedgerEntry {
  hash: string;
  state: 'processing' | 'done' | 'failed';
  at: number;
}

/**
 * The ledger key of a file: `<date>/<name>`; also the prefix of its item keys.
 *
 * @example
 * ```ts
 * fileKey('2026-11-17', 'MATMAS.csv'); // '2026-11-17/MATMAS.csv'
 * ```
 */
export function fileKey(date: BusinessDate, name: string): string {
  return `${date}/${name}`;
}

/**
 * Reads and writes ledger entries (durable: the store's cache never expires them).
 *
 * @example
 * ```ts
 * const ledger = fileLedger(store, 'sap-loads');
 * await ledger.set('2026-11-17/MATMAS.csv', { hash, state: 'done', at: Date.now() });
 * ```
 */
export function fileLedger(store: Store, integrationId: string) {
  const ns = `file-drop:ledger:${integrationId}`;
  return {
    async get(key: string): Promise<LedgerEntry | undefined> {
      return (await store.cache.get(ns, key))?.value as LedgerEntry | undefined;
    },
    async set(key: string, entry: LedgerEntry): Promise<void> {
      await store.cache.set(ns, key, { ...entry });
    },
  };
}

/**
 * SHA-256 of a file, streamed.
 *
 * @example
 * ```ts
 * const hash = await hashFile('/srv/drop/a.csv.processing');
 * ```
 */
export async function hashFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Moves a local staging file into the archive durably (fsync, rename, fsync
 * the folder) and never overwrites: when the name is already archived (a
 * resumed file), the archived copy stays and the staging file is dropped.
 *
 * @example
 * ```ts
 * const path = await archiveMove('/srv/archive/.incoming/a.csv', '/srv/archive/2026-11-17', 'a.csv');
 * ```
 */
export async function archiveMove(staged: string, dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const dest = join(dir, name);
  if (
    await stat(dest).then(
      () => true,
      () => false,
    )
  ) {
    await rm(staged, { force: true });
    return dest;
  }
  await rename(staged, dest);
  await fsyncPath(dir, 'r');
  return dest;
}

/**
 * Archived files of business dates `from`..`to` (both inclusive: dates are
 * whole days), date by date, names sorted; second copies kept under
 * `duplicates/` are not replayed.
 *
 * @example
 * ```ts
 * for (const f of await archivedFiles('/srv/archive/sap', '2026-11-17', '2026-11-18', match)) console.log(f.path);
 * ```
 */
export async function archivedFiles(
  archive: string,
  from: BusinessDate,
  to: BusinessDate | undefined,
  match: (name: string) => boolean,
): Promise<Array<{ date: BusinessDate; name: string; path: string }>> {
  const dates = (await readdir(archive).catch(() => [] as string[]))
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d >= from && (to === undefined || d <= to))
    .sort();
  const out: Array<{ date: BusinessDate; name: string; path: string }> = [];
  for (const date of dates) {
    const entries = await readdir(join(archive, date), { withFileTypes: true });
    for (const e of entries
      .filter((x) => x.isFile() && match(x.name))
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      out.push({ date, name: e.name, path: join(archive, date, e.name) });
    }
  }
  return out;
}

/**
 * Moves the archived copy of a file that failed to parse to
 * `<archive>/<date>/failed/<name>.<hash>`, so a corrected file can take its
 * place and replays read only the corrected one.
 *
 * @example
 * ```ts
 * await setAsideArchived(cfg, '2026-11-17', 'MATMAS.csv', oldHash);
 * ```
 */
export async function setAsideArchived(
  cfg: { archive: string },
  date: BusinessDate,
  name: string,
  hash: string,
): Promise<void> {
  const dir = join(cfg.archive, date, 'failed');
  await mkdir(dir, { recursive: true });
  await rename(join(cfg.archive, date, name), join(dir, `${name}.${hash.slice(0, 12)}`)).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    },
  );
}

/**
 * Deletes archive folders of business dates before `today - days` (their
 * duplicates and failed copies go with them). Returns the dates removed.
 *
 * @example
 * ```ts
 * await pruneArchive('/srv/archive/sap', 400, '2026-11-17'); // ['2025-10-12', ...]
 * ```
 */
export async function pruneArchive(
  archive: string,
  days: number,
  today: BusinessDate,
): Promise<BusinessDate[]> {
  const cutoff = retentionCutoff(today, days);
  const old = (await readdir(archive).catch(() => [] as string[])).filter(
    (d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d < cutoff,
  );
  for (const d of old) await rm(join(archive, d), { recursive: true, force: true });
  return old;
}
