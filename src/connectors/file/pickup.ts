/**
 * Safe pickup from the drop folder: which files are complete, and claiming
 * one atomically by renaming it to `X.processing`, so two pollers (or a
 * poller and an operator) can never both take it.
 */
import type { Store } from '../../store/types.js';
import type { DropSettings } from './config.js';
import type { DropEntry, DropFolder } from './drop.js';
import { globMatcher } from './glob.js';

/** Suffix of a claimed file while it is processed. */
export const PROCESSING = '.processing';
/** Suffix of a processed file (with `afterSuccess: 'marker'`). */
export const PROCESSED = '.processed';
/** Suffix of a file that could not be processed (unparseable, bad date, duplicate). */
export const FAILED = '.failed';

interface Seen {
  size: number;
  mtimeMs: number;
  etag?: string | undefined;
}

/**
 * Lists complete files of the drop, oldest first (name breaks ties),
 * according to the integration's readiness rule. With `stable`, each call is
 * one poll: sizes (and S3 ETags) are remembered in the store, so the rule
 * holds across runs and restarts. `skip` drops files already taken (lease
 * claims keep them in the drop) before they count as a poll.
 *
 * @example
 * ```ts
 * const files = await readyFiles(drop, cfg, ctx.store, 'sap-loads', Date.now(), 0);
 * ```
 */
export async function readyFiles(
  drop: DropFolder,
  cfg: DropSettings,
  store: Store,
  integrationId: string,
  now: number,
  stableForMs: number,
  skip?: (e: DropEntry) => Promise<boolean>,
): Promise<DropEntry[]> {
  const match = globMatcher(cfg.patterns);
  const entries = await drop.list();
  const present = new Set(entries.map((e) => e.name));
  const outcome = [PROCESSING, PROCESSED, FAILED, cfg.markerSuffix];
  const ready: DropEntry[] = [];
  const ns = `file-drop:stable:${integrationId}`;
  for (const e of entries) {
    if (!e.isFile || !match(e.name) || outcome.some((s) => e.name.endsWith(s))) continue;
    if (cfg.readiness === 'marker' && !present.has(e.name + cfg.markerSuffix)) continue;
    // A copy still being processed under this name would be overwritten by the claim's rename.
    if (present.has(e.name + PROCESSING)) continue;
    if (skip && (await skip(e))) continue;
    if (cfg.readiness === 'stable') {
      const prev = (await store.cache.get(ns, e.name))?.value as Seen | undefined;
      if (prev?.size !== e.size || prev.mtimeMs !== e.mtimeMs || prev.etag !== e.etag) {
        // First sight, or still growing: remember and look again next poll.
        const seen: Seen = { size: e.size, mtimeMs: e.mtimeMs };
        if (e.etag !== undefined) seen.etag = e.etag;
        await store.cache.set(ns, e.name, { ...seen });
        continue;
      }
      if (now - e.mtimeMs < stableForMs) continue;
    }
    ready.push(e);
  }
  return ready.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
}

/**
 * Files claimed by a run that did not finish (a crash, a SIGKILL, a
 * transient failure), by their original names: resumed before anything new
 * is taken.
 *
 * @example
 * ```ts
 * const leftovers = await claimedFiles(drop, cfg); // [{ name: 'MATMAS_20261117.csv', ... }]
 * ```
 */
export async function claimedFiles(drop: DropFolder, cfg: DropSettings): Promise<DropEntry[]> {
  const match = globMatcher(cfg.patterns);
  return (await drop.list())
    .filter((e) => e.isFile && e.name.endsWith(PROCESSING))
    .map((e) => ({ ...e, name: e.name.slice(0, -PROCESSING.length) }))
    .filter((e) => match(e.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Forgets the remembered size of a claimed file (readiness `stable`).
 *
 * @example
 * ```ts
 * await forgetStable(store, 'sap-loads', 'MATMAS_20261117.csv');
 * ```
 */
export async function forgetStable(
  store: Store,
  integrationId: string,
  name: string,
): Promise<void> {
  await store.cache.delete(`file-drop:stable:${integrationId}`, name);
}
