/**
 * What a source adds to `patchbay status` beyond runs and checkpoints, as
 * plain data: the runtime shows it without knowing the connector, and the
 * connector that computes it (the file drops' business-date expectations)
 * depends on this module, not the other way round.
 */

/**
 * The state of one business date's expected files.
 *
 *   failed     a file of the date could not be parsed (and nothing complete came after it)
 *   duplicate  a second copy with other content arrived (the first one was loaded)
 *   arrived    complete by due + grace
 *   late       complete after due + grace
 *   missing    due + grace passed, not complete
 *   pending    not complete, not yet due + grace
 *
 * @example
 * ```ts
 * const s: ExpectationState = 'late';
 * ```
 */
export type ExpectationState = 'pending' | 'arrived' | 'late' | 'missing' | 'duplicate' | 'failed';

/**
 * Every expectation state, in display order.
 *
 * @example
 * ```ts
 * for (const s of EXPECTATION_STATES) gauge.set({ state: s }, counts[s] ?? 0);
 * ```
 */
export const EXPECTATION_STATES: readonly ExpectationState[] = [
  'pending',
  'arrived',
  'late',
  'missing',
  'duplicate',
  'failed',
];

/**
 * One file event of a business date.
 *
 * @example
 * ```ts
 * const e: FileEvent = { name: 'MATMAS_20261117.csv', at: Date.now() };
 * ```
 */
export interface FileEvent {
  name: string;
  at: number;
  /** Why a file failed (failures only). */
  reason?: string | undefined;
}

/**
 * One business date in a report.
 *
 * @example
 * ```ts
 * const d: FileExpectationDay = { date: '2026-11-17', state: 'arrived', dueAt, arrivedAt, files: ['a.csv'], duplicates: [], failures: [] };
 * ```
 */
export interface FileExpectationDay {
  /** `YYYY-MM-DD`. */
  date: string;
  state: ExpectationState;
  /** When the files were due (epoch ms); missing starts `graceMs` later. */
  dueAt: number;
  /** When the date became complete; null while it is not. */
  arrivedAt: number | null;
  /** Names of the files that arrived. */
  files: string[];
  duplicates: FileEvent[];
  failures: FileEvent[];
}

/**
 * An integration's expectation and its newest business dates, newest first.
 *
 * @example
 * ```ts
 * const r = await fileExpectationReport(store, 'sap-loads', prepared.source.config, Date.now());
 * r?.days[0]?.state; // 'pending'
 * ```
 */
export interface FileExpectationReport {
  /** `HH:MM`, in `timeZone`. */
  due: string;
  timeZone: string;
  graceMs: number;
  /**
   * When watching started (first run or first evaluation); business dates due
   * before it are left out unless files came for them. Null: not watched yet.
   */
  since: number | null;
  days: FileExpectationDay[];
}

/**
 * The sections a source contributes to its integration's status.
 *
 * @example
 * ```ts
 * const extra: SourceStatus = { files: await fileExpectationReport(store, id, config, now) };
 * ```
 */
export interface SourceStatus {
  /** Expected files per business date (file drops that declare `expect`). */
  files?: FileExpectationReport | undefined;
}
