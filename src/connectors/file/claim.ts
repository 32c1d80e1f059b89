/**
 * Claiming a file so exactly one worker processes it. `rename` moves it to
 * `X.processing` in the drop (atomic on a local disk and on SFTP). `lease`
 * takes an expiring lease in the store instead, for drops that cannot be
 * written or where rename is not atomic (S3): the drop is left alone, the
 * store remembers which version of a file was taken, and a crashed worker's
 * lease simply runs out so another worker picks the file up.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ReadContext } from '../../core/connector.js';
import { parseDuration } from '../../core/duration.js';
import { PatchbayError } from '../../core/errors.js';
import type { DropSettings } from './config.js';
import type { DropEntry, DropFolder } from './drop.js';
import { claimedFiles, FAILED, forgetStable, PROCESSED, PROCESSING, readyFiles } from './pickup.js';

const PROCESS = randomUUID().slice(0, 8);

/**
 * A file the run may take; `resumed` when an interrupted run had claimed it.
 *
 * @example
 * ```ts
 * const c: Candidate = { entry: { name: 'a.csv', size: 10, mtimeMs: 0, isFile: true }, resumed: false };
 * ```
 */
export interface Candidate {
  entry: DropEntry;
  resumed: boolean;
}

/**
 * How a finished file left the pipeline: loaded, an identical copy of one
 * already loaded, or set aside (unparseable, undated, duplicate).
 *
 * @example
 * ```ts
 * await claimer.finish(entry, claimed, 'failed' satisfies Outcome);
 * ```
 */
export type Outcome = 'done' | 'ignored' | 'failed';

/**
 * One claiming strategy, as the read loop uses it.
 *
 * @example
 * ```ts
 * const claimer = cfg.claim === 'lease' ? leaseClaim(drop, cfg, ctx) : renameClaim(drop, cfg, ctx);
 * for (const c of await claimer.candidates()) {
 *   const from = await claimer.take(c);
 *   if (from) await claimer.finish(c.entry, from, 'done');
 * }
 * ```
 */
export interface Claimer {
  /** Complete files to take this run; interrupted ones (or `preferred`) first. */
  candidates(preferred?: string): Promise<Candidate[]>;
  /** Claims a file; the drop name to read it from, or undefined when another worker has it. */
  take(c: Candidate): Promise<string | undefined>;
  /** Keeps the claim alive while the file is read. @throws `LEASE_LOST` (retryable) */
  renew(entry: DropEntry): Promise<void>;
  finish(entry: DropEntry, claimed: string, outcome: Outcome): Promise<void>;
}

async function clearDrop(drop: DropFolder, cfg: DropSettings, name: string, claimed: string) {
  if (cfg.afterSuccess === 'marker') await drop.rename(claimed, name + PROCESSED);
  else await drop.remove(claimed);
  if (cfg.readiness === 'marker') await drop.remove(name + cfg.markerSuffix);
}

/**
 * Claim by atomic rename to `X.processing`; `X.failed` and `X.processed`
 * (or removal) mark the outcome in the drop itself.
 *
 * @example
 * ```ts
 * const claimer = renameClaim(localDrop('/srv/drop'), cfg, ctx);
 * ```
 */
export function renameClaim(drop: DropFolder, cfg: DropSettings, ctx: ReadContext): Claimer {
  const stableForMs = parseDuration(cfg.stableFor, 'stableFor', 'file-drop');
  // The runtime's clock, as in the read loop, so `stableFor` follows a test's fake clock too.
  const now = ctx.now ?? Date.now;
  return {
    async candidates() {
      const resumed = await claimedFiles(drop, cfg);
      const fresh = await readyFiles(drop, cfg, ctx.store, ctx.integrationId, now(), stableForMs);
      return [
        ...resumed.map((entry) => ({ entry, resumed: true })),
        ...fresh.map((entry) => ({ entry, resumed: false })),
      ];
    },
    async take({ entry, resumed }) {
      const claimed = entry.name + PROCESSING;
      if (resumed) return claimed;
      if (!(await drop.rename(entry.name, claimed))) return undefined;
      if (cfg.readiness === 'stable') await forgetStable(ctx.store, ctx.integrationId, entry.name);
      return claimed;
    },
    async renew() {},
    async finish(entry, claimed, outcome) {
      if (outcome === 'failed') await drop.rename(claimed, entry.name + FAILED);
      else await clearDrop(drop, cfg, entry.name, claimed);
    },
  };
}

/**
 * The version of a drop file a lease claim records: a new upload or a
 * rewrite under the same name has another size, mtime or ETag.
 *
 * @example
 * ```ts
 * fileVersion({ name: 'a.csv', size: 10, mtimeMs: 1, isFile: true, etag: '"ab"' }); // '10:1:"ab"'
 * ```
 */
export function fileVersion(e: DropEntry): string {
  return `${e.size}:${e.mtimeMs}:${e.etag ?? ''}`;
}

/**
 * Claim by a lease in the store (`store.leases`, atomic across processes
 * sharing the store), named after the drop and the file so every integration
 * reading the same drop competes for it, as with a rename. The drop is never
 * renamed; files that stay in it (`afterSuccess: keep`, or set aside) are
 * remembered by version, so they are not taken again until they change.
 *
 * @example
 * ```ts
 * const claimer = leaseClaim(await s3Drop(cfg, ctx), cfg, ctx);
 * ```
 */
export function leaseClaim(drop: DropFolder, cfg: DropSettings, ctx: ReadContext): Claimer {
  const stableForMs = parseDuration(cfg.stableFor, 'stableFor', 'file-drop');
  const ttl = parseDuration(cfg.leaseFor, 'leaseFor', 'file-drop');
  const now = ctx.now ?? Date.now;
  // One owner per process and integration: the next run of the same integration here (after a
  // budget stop) resumes its own file at once; any other worker waits for the lease to expire.
  const owner = `${hostname()}:${process.pid}:${PROCESS}:${ctx.integrationId}`;
  const lease = (name: string) => `file-drop:${drop.where}/${name}`;
  const takenNs = `file-drop:taken:${drop.where}`;
  const taken = async (e: DropEntry) =>
    ((await ctx.store.cache.get(takenNs, e.name))?.value as { version?: string } | undefined)
      ?.version === fileVersion(e);

  return {
    async candidates(preferred) {
      const ready = await readyFiles(
        drop,
        cfg,
        ctx.store,
        ctx.integrationId,
        now(),
        stableForMs,
        taken,
      );
      // The file of the saved checkpoint first, so an interrupted file resumes at its line.
      const first = ready.filter((e) => e.name === preferred);
      return [...first, ...ready.filter((e) => e.name !== preferred)].map((entry) => ({
        entry,
        resumed: false,
      }));
    },
    async take({ entry }) {
      if (!(await ctx.store.leases.acquire(lease(entry.name), owner, ttl))) {
        ctx.logger.debug({ file: entry.name, drop: drop.where }, 'file leased by another worker');
        return undefined;
      }
      // Another worker may have finished it between our listing and our lease.
      if (await taken(entry)) {
        await ctx.store.leases.release(lease(entry.name), owner);
        return undefined;
      }
      if (cfg.readiness === 'stable') await forgetStable(ctx.store, ctx.integrationId, entry.name);
      return entry.name;
    },
    async renew(entry) {
      if (await ctx.store.leases.acquire(lease(entry.name), owner, ttl)) return;
      throw new PatchbayError(
        'connection',
        `the lease on ${entry.name} expired and another worker took it; this run stops, the file is not finished here`,
        { code: 'LEASE_LOST', retryable: true, details: { file: entry.name, drop: drop.where } },
      );
    },
    async finish(entry, claimed, outcome) {
      // Remembered before the lease is released, so no worker can take the same version again.
      if (outcome === 'failed' || cfg.afterSuccess === 'keep') {
        await ctx.store.cache.set(takenNs, entry.name, {
          version: fileVersion(entry),
          outcome,
          at: now(),
        });
      }
      if (outcome !== 'failed' && cfg.afterSuccess !== 'keep') {
        await clearDrop(drop, cfg, entry.name, claimed);
      }
      await ctx.store.leases.release(lease(entry.name), owner);
    },
  };
}
