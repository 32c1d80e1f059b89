import type Database from 'better-sqlite3';
import type { SerializedError } from '../../core/errors.js';
import type { EpochMs, RunCounts, RunRecord, RunRepo, RunStatus } from '../types.js';
import {
  decodeError,
  decodeJson,
  encodeJson,
  requireInt,
  requireOneOf,
  requireText,
  requireTime,
  toRowId,
} from './codec.js';
import type { SqliteContext } from './context.js';
import { notFound } from './store-errors.js';

interface RunRow {
  id: number;
  integration_id: string;
  run_trigger: string;
  mode: RunRecord['mode'];
  status: RunStatus;
  started_at: number;
  finished_at: number | null;
  counts: string;
  error: string | null;
}

const COLUMNS =
  'id, integration_id, run_trigger, mode, status, started_at, finished_at, counts, error';
const MODES: readonly RunRecord['mode'][] = ['live', 'replay', 'retry'];
const FINAL: readonly Exclude<RunStatus, 'running'>[] = [
  'succeeded',
  'failed',
  'partial',
  'cancelled',
];
const ZERO: RunCounts = { read: 0, written: 0, skipped: 0, deadLettered: 0, errorsByKind: {} };

/** Recorded on runs a crashed process left `running`, so the history says why they ended. */
const ABANDONED: SerializedError = {
  name: 'PatchbayError',
  kind: 'cancelled',
  code: 'RUN_ABANDONED',
  message: 'the process running this run stopped before it finished',
  retryable: true,
  details: {},
};

function toRun(row: RunRow): RunRecord {
  return {
    id: String(row.id),
    integrationId: row.integration_id,
    trigger: row.run_trigger,
    mode: row.mode,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    counts: decodeJson<RunCounts>(row.counts),
    error: decodeError(row.error),
  };
}

/**
 * The SQLite run history. Runs are ordered newest first by start time (then
 * id); `list` returns 50 by default. `abandonRunning` marks leftovers
 * `cancelled` with error code `RUN_ABANDONED`.
 *
 * @example
 * ```ts
 * const { id } = await store.runs.start({ integrationId: 'orders', trigger: 'schedule', mode: 'live' });
 * await store.runs.finish(id, { status: 'succeeded', counts });
 * ```
 */
export class SqliteRunRepo implements RunRepo {
  readonly #ctx: SqliteContext;
  readonly #insert: Database.Statement<[Record<string, unknown>]>;
  readonly #finish: Database.Statement<[Record<string, unknown>]>;
  readonly #list: Database.Statement<[string, number], RunRow>;
  readonly #lastSuccess: Database.Statement<[string], RunRow>;
  readonly #abandon: Database.Statement<[Record<string, unknown>]>;

  constructor(ctx: SqliteContext) {
    this.#ctx = ctx;
    const db = ctx.db;
    this.#insert = db.prepare(
      `INSERT INTO runs (integration_id, run_trigger, mode, status, started_at, counts)
       VALUES (@integrationId, @trigger, @mode, 'running', @startedAt, @counts)`,
    );
    this.#finish = db.prepare(
      `UPDATE runs SET status = @status, counts = @counts, error = @error,
         finished_at = @finishedAt
       WHERE id = @id`,
    );
    this.#list = db.prepare(
      `SELECT ${COLUMNS} FROM runs WHERE integration_id = ?
       ORDER BY started_at DESC, id DESC LIMIT ?`,
    );
    this.#lastSuccess = db.prepare(
      `SELECT ${COLUMNS} FROM runs WHERE integration_id = ? AND status IN ('succeeded', 'partial') AND mode = 'live'
       ORDER BY started_at DESC, id DESC LIMIT 1`,
    );
    this.#abandon = db.prepare(
      `UPDATE runs SET status = 'cancelled', finished_at = @now, error = @error
       WHERE status = 'running' AND started_at < @before
         AND (@integrationId IS NULL OR integration_id = @integrationId)`,
    );
  }

  async start(run: {
    integrationId: string;
    trigger: string;
    mode: RunRecord['mode'];
    startedAt?: EpochMs;
  }): Promise<{ id: string }> {
    const params = {
      integrationId: requireText('integrationId', run.integrationId),
      trigger: requireText('trigger', run.trigger),
      mode: requireOneOf('mode', run.mode, MODES),
      startedAt: requireTime('startedAt', run.startedAt ?? this.#ctx.now()),
      counts: encodeJson(ZERO, 'counts'),
    };
    return this.#ctx.write(() => ({ id: String(this.#insert.run(params).lastInsertRowid) }));
  }

  async finish(
    id: string,
    result: {
      status: Exclude<RunStatus, 'running'>;
      counts: RunCounts;
      error?: SerializedError | null;
      finishedAt?: EpochMs;
    },
  ): Promise<void> {
    const rowId = toRowId(id);
    if (rowId === undefined) throw notFound('run', id);
    const params = {
      id: rowId,
      status: requireOneOf('status', result.status, FINAL),
      counts: encodeJson(result.counts, 'counts'),
      error: result.error == null ? null : encodeJson(result.error, 'error'),
      finishedAt: requireTime('finishedAt', result.finishedAt ?? this.#ctx.now()),
    };
    await this.#ctx.write(() => {
      if (this.#finish.run(params).changes === 0) throw notFound('run', id);
    });
  }

  async list(integrationId: string, opts: { limit?: number } = {}): Promise<RunRecord[]> {
    const limit = requireInt('limit', opts.limit ?? 50, 0);
    const rows = await this.#ctx.read(() => this.#list.all(integrationId, limit));
    return rows.map(toRun);
  }

  async latest(integrationId: string): Promise<{ last?: RunRecord; lastSuccess?: RunRecord }> {
    const [last, lastSuccess] = await this.#ctx.read(() => [
      this.#list.get(integrationId, 1),
      this.#lastSuccess.get(integrationId),
    ]);
    return {
      ...(last ? { last: toRun(last) } : {}),
      ...(lastSuccess ? { lastSuccess: toRun(lastSuccess) } : {}),
    };
  }

  async abandonRunning(before: EpochMs, integrationId?: string): Promise<number> {
    const params = {
      integrationId: integrationId ?? null,
      before: requireTime('before', before),
      now: this.#ctx.now(),
      error: encodeJson(ABANDONED, 'error'),
    };
    return this.#ctx.write(() => this.#abandon.run(params).changes);
  }
}
