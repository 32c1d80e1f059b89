/**
 * Re-driving rejects after a mapping fix: each reject's raw input goes
 * through the integration's steps and sink exactly as live input does. The
 * mapping step hands a repeated reject back here (instead of writing a new
 * row), so a reject that fails again is counted on its own row. A parser
 * reject is not re-driven (see `isParserReject`), and one a step refuses as
 * {@link NOT_REDRIVABLE} keeps its reason.
 */
import type { RejectFailure, Reject, RejectAdd } from '../../store/types.js';
import { NOT_REDRIVABLE, REJECT_SINK } from '../../mapping/step.js';
import {
  emptyCounts,
  processBatch,
  TransientBatchFailure,
  type BatchDeps,
} from '../../runtime/process-batch.js';
import type { Runtime } from '../../runtime/runtime.js';
import { connectorContext } from '../../runtime/services.js';
import { openSink, sinkGuard } from '../../runtime/sink.js';

/**
 * The file drop writes a line it cannot parse under mapping `file-drop:<format>`
 * (src/connectors/file/read-file.ts; the S3 and SFTP drops share that reader).
 * No other source writes rejects itself: mapping and aggregate steps name
 * their mapping document or `aggregate:<name>`.
 */
const PARSER_MAPPING_PREFIX = 'file-drop:';

/** Why a parser reject is left alone; shown per reject by `rejects retry`. */
const PARSER_REJECT_REASON =
  'a parser reject is fixed at the source: correct and re-send the file, or replay its business date';

/**
 * True for a reject written by a file parser rather than a step. Its raw input
 * is the unparsed line (`{ file, line, text }`), not a record the steps
 * understand, so re-driving it could only fail in the mapping and overwrite
 * the real reason, or reach the sink as a bogus record.
 *
 * @example
 * ```ts
 * isParserReject({ mapping: 'file-drop:csv' }); // true
 * isParserReject({ mapping: 'employee' }); // false
 * ```
 */
export function isParserReject(reject: Pick<Reject, 'mapping'>): boolean {
  return reject.mapping.startsWith(PARSER_MAPPING_PREFIX);
}

/**
 * Outcome of re-driving rejects.
 *
 * @example
 * ```ts
 * const r: RejectRetryResult = { retried: 2, succeeded: ['1'], deadLettered: [], failed: [{ id: '2', fieldPath: 'dob', rule: 'date', message: 'bad' }], skipped: [] };
 * ```
 */
export interface RejectRetryResult {
  /** Rejects sent through the steps again (skipped ones are not counted). */
  retried: number;
  /** Mapped and written: removed from the ledger. */
  succeeded: string[];
  /** Mapped but refused by the sink: now dead letters, removed from the ledger. */
  deadLettered: string[];
  /** Rejected again: still in the ledger with the latest reason. */
  failed: Array<{ id: string; fieldPath: string; rule: string; message: string }>;
  /** Not re-drivable (parser rejects, windowed aggregations): left in the ledger untouched, with why. */
  skipped: Array<{ id: string; mapping: string; rule: string; reason: string }>;
  /** Set when a transient failure stopped the re-drive early. */
  stoppedBy?: { kind: string; code: string; message: string };
}

/**
 * Re-drives the given rejects of one integration through its steps and sink.
 *
 * @example
 * ```ts
 * const page = await store.rejects.list('employees', { limit: 100 });
 * const result = await retryRejects(runtime, 'employees', page);
 * ```
 */
export async function retryRejects(
  runtime: Runtime,
  integrationId: string,
  rejects: readonly Reject[],
  options: { signal?: AbortSignal; onProgress?: (done: number) => void } = {},
): Promise<RejectRetryResult> {
  const prepared = runtime.integrations.get(integrationId);
  if (!prepared) throw new Error(`no integration ${integrationId}`);
  const services = runtime.services;
  const signal = options.signal ?? new AbortController().signal;
  const base = connectorContext(
    services,
    integrationId,
    'rejects-retry',
    signal,
    sinkGuard(services, prepared),
  );
  const sink = await openSink(prepared, base);
  const result: RejectRetryResult = {
    retried: 0,
    succeeded: [],
    deadLettered: [],
    failed: [],
    skipped: [],
  };
  try {
    for (const reject of rejects) {
      if (signal.aborted) break;
      if (isParserReject(reject)) {
        const { id, mapping, rule } = reject;
        result.skipped.push({ id, mapping, rule, reason: PARSER_REJECT_REASON });
        continue;
      }
      let again: RejectAdd | undefined;
      const deps: BatchDeps = {
        services,
        prepared,
        guard: services.workGuardFor?.(integrationId) ?? services.guardFor(integrationId),
        writeSink: sink.write,
        sinkGuardsOwnCalls: sink.guardsOwnCalls,
        sinkName: sink.name,
        ctx: { ...base, [REJECT_SINK]: (r: RejectAdd) => void (again = r) } as typeof base,
        mode: 'replay',
        dryRun: false,
        counts: emptyCounts(),
      };
      result.retried += 1;
      try {
        await processBatch(deps, { items: [{ key: reject.recordKey, data: reject.raw }] });
      } catch (err) {
        if (!(err instanceof TransientBatchFailure)) throw err;
        const { kind, code, message } = err.error;
        result.stoppedBy = { kind, code, message };
        break;
      }
      if (again?.rule === NOT_REDRIVABLE) {
        // A step said this record cannot be re-driven: keep the real reason.
        result.retried -= 1;
        const { id, mapping, rule } = reject;
        result.skipped.push({ id, mapping, rule, reason: again.message });
      } else if (again) {
        const failure: RejectFailure = again;
        await services.store.rejects.markRetried(reject.id, failure, services.now());
        result.failed.push({
          id: reject.id,
          fieldPath: failure.fieldPath,
          rule: failure.rule,
          message: failure.message,
        });
      } else {
        await services.store.rejects.remove([reject.id]);
        (deps.counts.deadLettered > 0 ? result.deadLettered : result.succeeded).push(reject.id);
      }
      options.onProgress?.(result.retried);
    }
  } finally {
    await sink.close();
  }
  return result;
}
