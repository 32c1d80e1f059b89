/**
 * The read loop shared by every file-drop source (local folder, SFTP, S3).
 *
 * A live run first resumes files left claimed by an interrupted run (from the
 * saved line), then claims complete files (claim.ts: rename or store lease). Each claimed file is
 * copied to a local staging file, hashed, checked against the ledger, moved
 * into the raw archive and parsed from there. A file is finished
 * (`.processed` or removed, ledger `done`) only once every batch of it has
 * been acknowledged downstream; until then a crash leaves it claimed.
 * A replay reads the archive only.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectorContext, ReadContext, SourceBatch } from '../../core/connector.js';
import { PatchbayError, isPatchbayError } from '../../core/errors.js';
import { fileKey, fileLedger, hashFile, localArchive, type RawArchive } from './archive.js';
import { businessDate, dateInZone } from './business-date.js';
import { leaseClaim, renameClaim } from './claim.js';
import type { DropSettings } from './config.js';
import type { DropFolder } from './drop.js';
import {
  markExpectationSince,
  noteFileEvent,
  type FileEvent,
  type FileEventKind,
} from './expect-log.js';
import { globMatcher } from './glob.js';
import { readFile, type FileMarker } from './read-file.js';

type Row = Record<string, unknown>;

/** A file-level problem: the file is set aside and the run fails at its end, loudly. */
interface Problem {
  code: 'DUPLICATE_FILE' | 'UNPARSEABLE_FILE' | 'BAD_BUSINESS_DATE';
  file: string;
  message: string;
}

function alert(ctx: ConnectorContext, drop: DropFolder, p: Problem): void {
  ctx.logger.error({ file: p.file, drop: drop.where, code: p.code }, p.message);
  // The call metrics carry error_count_by_kind, so a duplicate or failed file shows on dashboards.
  ctx.recordCall({
    operation: p.code === 'DUPLICATE_FILE' ? 'file.duplicate' : 'file.failed',
    target: `${drop.where}/${p.file}`,
    outcome: 'failure',
    errorKind: p.code === 'UNPARSEABLE_FILE' ? 'parse' : 'validation',
    errorCode: p.code,
    latencyMs: 0,
    attempt: 1,
  });
}

async function* liveRead(
  cfg: DropSettings,
  drop: DropFolder,
  archive: RawArchive,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch<Row>> {
  const ledger = fileLedger(ctx.store, ctx.integrationId);
  const saved = ctx.checkpoint?.value as FileMarker | null | undefined;
  const problems: Problem[] = [];
  const claimer = cfg.claim === 'lease' ? leaseClaim(drop, cfg, ctx) : renameClaim(drop, cfg, ctx);
  const candidates = await claimer.candidates(saved?.file.slice(saved.file.indexOf('/') + 1));
  if (cfg.archiveRetentionDays !== undefined) {
    const today = dateInZone(Date.now(), cfg.businessDate.timeZone);
    const pruned = await archive.prune(cfg.archiveRetentionDays, today);
    if (pruned.length > 0)
      ctx.logger.info({ dates: pruned }, 'archive retention: old business dates deleted');
  }
  const incoming = await archive.staging();
  const now = ctx.now ?? Date.now;
  // What happened to each business date's files, for the expectation (`expect`).
  const note = async (date: string, kind: FileEventKind, event: FileEvent) => {
    if (cfg.expect) await noteFileEvent(ctx.store, ctx.integrationId, date, kind, event);
  };
  if (cfg.expect) await markExpectationSince(ctx.store, ctx.integrationId, now());

  for (const candidate of candidates) {
    // The deadline comes from the runtime's clock, so it is compared with the same clock.
    if (ctx.signal.aborted || now() >= ctx.budget.deadline) break;
    const { entry } = candidate;
    const name = entry.name;
    const claimed = await claimer.take(candidate);
    if (claimed === undefined) continue;
    const setAside = async (p: Problem) => {
      await claimer.finish(entry, claimed, 'failed');
      alert(ctx, drop, p);
      problems.push(p);
    };
    const staged = join(incoming, name);
    await drop.download(claimed, staged);
    let date: string;
    try {
      date = businessDate(name, entry.mtimeMs, cfg.businessDate);
    } catch (err) {
      // Kept as received even so: every received file is archived.
      await archive.keepAside(staged, 'undated', `${name}.${Date.now()}`);
      await setAside({ code: 'BAD_BUSINESS_DATE', file: name, message: (err as Error).message });
      continue;
    }
    const key = fileKey(date, name);
    const hash = await hashFile(staged);
    const known = await ledger.get(key);
    if (known?.state === 'failed' && known.hash !== hash) {
      // A corrected file replacing one that could not be parsed: the failed copy moves aside.
      await archive.setAsideFailed(date, name, known.hash);
    } else if (known && known.hash !== hash) {
      // A second copy with other content: keep it (raw archive), never load it over the first.
      await archive.keepAside(staged, `${date}/duplicates`, `${name}.${hash.slice(0, 12)}`);
      await note(date, 'duplicate', { name, at: now() });
      await setAside({
        code: 'DUPLICATE_FILE',
        file: key,
        message: `duplicate file ${name} for business date ${date}: its content differs from the copy processed before; it was not loaded (kept in the archive under duplicates/)`,
      });
      continue;
    } else if (known?.state === 'done') {
      ctx.logger.warn({ file: key }, 'file already processed; identical copy ignored');
      await rm(staged, { force: true });
      await claimer.finish(entry, claimed, 'ignored');
      continue;
    }
    const path = await archive.keep(staged, date, name);
    await ledger.set(key, { hash, state: 'processing', at: Date.now() });
    const after = saved && saved.file === key && saved.hash === hash ? saved.line : 0;

    // The file is finished once every batch is acknowledged, in whatever order they complete.
    let outstanding = 0;
    let readDone = false;
    const finish = async () => {
      await ledger.set(key, { hash, state: 'done', at: Date.now() });
      await claimer.finish(entry, claimed, 'done');
      await archive.release(path);
      // Arrival is when the producer finished the file (its mtime), not when a poll saw it.
      await note(date, 'arrival', { name, at: Math.min(entry.mtimeMs, now()) });
      ctx.logger.info({ file: key }, 'file processed');
    };
    try {
      for await (const batch of readFile(cfg, { key, name, hash, path, after }, ctx, true)) {
        outstanding++;
        await claimer.renew(entry);
        batch.ack = async () => {
          if (--outstanding === 0 && readDone) await finish();
          else await claimer.renew(entry);
        };
        yield batch;
      }
      readDone = true;
      if (outstanding === 0) await finish();
    } catch (err) {
      if (!isPatchbayError(err) || err.code !== 'UNPARSEABLE_FILE') throw err;
      await ledger.set(key, { hash, state: 'failed', at: Date.now() });
      await note(date, 'failure', { name, at: now(), reason: err.message });
      await archive.release(path);
      await setAside({ code: 'UNPARSEABLE_FILE', file: key, message: err.message });
    }
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new PatchbayError(
      first.code === 'UNPARSEABLE_FILE' ? 'parse' : 'validation',
      problems.length === 1
        ? first.message
        : `${problems.length} files set aside; first: ${first.message}`,
      { code: first.code, retryable: false, details: { files: problems.map((p) => ({ ...p })) } },
    );
  }
}

async function* replayRead(
  cfg: DropSettings,
  archive: RawArchive,
  ctx: ReadContext,
): AsyncGenerator<SourceBatch<Row>> {
  if (!ctx.range) {
    throw new PatchbayError(
      'config',
      'file-drop: a replay needs --from (and optionally --to) dates',
      {
        code: 'CONFIG',
      },
    );
  }
  const from = ctx.range.from.slice(0, 10);
  const to = ctx.range.to?.slice(0, 10);
  for (const f of await archive.files(from, to, globMatcher(cfg.patterns))) {
    if (ctx.signal.aborted) return;
    const job = { key: fileKey(f.date, f.name), name: f.name, hash: '', path: f.path, after: 0 };
    yield* readFile(cfg, job, ctx, false);
  }
}

/**
 * What every file drop (local, SFTP, S3) offers the runtime: markers per file
 * as checkpoints, acknowledgement per batch, replay by business date.
 *
 * @example
 * ```ts
 * defineConnector({ kind: 'my-drop', direction: 'source', capabilities: fileDropCapabilities, ... });
 * ```
 */
export const fileDropCapabilities = {
  ack: 'batch',
  checkpoint: 'file-marker',
  replay: 'business-date',
  idempotentWrites: false,
  connectionTest: true,
} as const;

/**
 * Reads a drop for one run: live (pickup, claim, archive, parse) or replay
 * (the archived files of the business dates in `ctx.range`). The archive is
 * the local folder `cfg.archive` unless another is given (an S3 bucket).
 *
 * @example
 * ```ts
 * const session = { read: (ctx) => readDrop(cfg, localDrop(cfg.path), ctx), close: async () => {} };
 * ```
 */
export function readDrop(
  cfg: DropSettings,
  drop: DropFolder,
  ctx: ReadContext,
  archive: RawArchive = localArchive(cfg.archive),
): AsyncGenerator<SourceBatch<Row>> {
  return ctx.mode === 'replay' ? replayRead(cfg, archive, ctx) : liveRead(cfg, drop, archive, ctx);
}
