/**
 * Reading one file into batches: parse, send bad records to the reject
 * ledger (file, line, reason), and give every record a stable key
 * `<date>/<name>#<line>` so a re-read after a crash or a replay loads nothing
 * twice into an idempotent sink.
 */
import type { ReadContext, SourceBatch, SourceItem } from '../../core/connector.js';
import { PatchbayError } from '../../core/errors.js';
import type { DropSettings } from './config.js';
import { decodedText, parserFor, type ByteSource } from './parsers/index.js';

/**
 * The checkpoint `file-drop` saves (kind `file-marker`): the file in progress
 * and the last line acknowledged downstream.
 *
 * @example
 * ```ts
 * const cp: FileMarker = { file: '2026-11-17/MATMAS.csv', hash: 'ab12…', line: 500 };
 * ```
 */
export interface FileMarker {
  file: string;
  hash: string;
  line: number;
}

/**
 * One file to read.
 *
 * @example
 * ```ts
 * const job: FileJob = { key: '2026-11-17/a.csv', name: 'a.csv', hash, path: '/srv/archive/2026-11-17/a.csv', after: 0 };
 * ```
 */
export interface FileJob {
  key: string;
  name: string;
  hash: string;
  /** The bytes to parse: a local copy, or a stream from a remote archive (replays). */
  path: ByteSource;
  /** Entries on lines up to this one were acknowledged before a crash: skipped. */
  after: number;
}

/**
 * Reads a file into batches of `batchSize` records. Rejects are written to
 * the ledger before the batch that follows them is handed on. `withCheckpoint`
 * is false for replays (a replay never moves the live position).
 *
 * @throws a `parse` error `UNPARSEABLE_FILE` when the file as a whole cannot be parsed
 * @example
 * ```ts
 * for await (const batch of readFile(cfg, job, ctx, true)) yield batch;
 * ```
 */
export async function* readFile(
  cfg: DropSettings,
  job: FileJob,
  ctx: ReadContext,
  withCheckpoint: boolean,
): AsyncGenerator<SourceBatch<Record<string, unknown>>> {
  const parse = parserFor(cfg.format, cfg.maxRecordBytes);
  let items: SourceItem<Record<string, unknown>>[] = [];
  let last = job.after;
  const batch = (): SourceBatch<Record<string, unknown>> => {
    const out: SourceBatch<Record<string, unknown>> = { items };
    if (withCheckpoint) {
      out.checkpoint = {
        kind: 'file-marker',
        value: { file: job.key, hash: job.hash, line: last },
      };
    }
    items = [];
    return out;
  };
  try {
    for await (const entry of parse(decodedText(job.path, cfg.format.encoding))) {
      if (entry.line <= job.after) continue;
      last = entry.line;
      // Not `${entry.line}`: V8 caches number-to-string results, so every line number's
      // string would outlive a scavenge or two and be promoted, filling the old space.
      const key = `${job.key}#${entry.line.toFixed(0)}`;
      if (entry.error) {
        await ctx.store.rejects.add({
          integrationId: ctx.integrationId,
          mapping: `file-drop:${cfg.format.type}`,
          recordKey: key,
          fieldPath: '',
          rule: entry.error.rule,
          message: `${job.name} line ${entry.line}: ${entry.error.message}`,
          value: null,
          raw: { file: job.key, line: entry.line, text: entry.raw ?? '' },
          at: Date.now(),
        });
        continue;
      }
      items.push({ key, data: entry.record! });
      if (items.length >= cfg.batchSize) yield batch();
    }
  } catch (err) {
    if (err instanceof PatchbayError) throw err;
    throw new PatchbayError('parse', `${job.name} cannot be parsed: ${(err as Error).message}`, {
      code: 'UNPARSEABLE_FILE',
      retryable: false,
      cause: err,
      details: { file: job.key },
    });
  }
  // The last batch may be empty: it still carries the end position of the file.
  yield batch();
}
