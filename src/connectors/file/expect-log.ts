/**
 * What happened to the files of each business date, kept durably in the
 * store's versioned policy state (`file-expect:<integration>:<date>`, no
 * migration): arrivals, duplicates and failures as the file-drop read loop
 * reports them, plus the states already counted in the metrics. Writes are
 * compare-and-set, so the read loop and the alerting loop (or two processes)
 * never lose each other's updates.
 */
import type { JsonValue } from '../../core/json-safe.js';
import type { FileEvent } from '../../core/source-status.js';
import type { Store } from '../../store/types.js';
import type { BusinessDate } from './business-date.js';

export type { FileEvent } from '../../core/source-status.js';

const PREFIX = 'file-expect:';
/** Events kept per list and date; a drop that floods one date keeps the newest. */
const MAX_EVENTS = 50;

/**
 * The stored facts of one business date.
 *
 * @example
 * ```ts
 * const r: ExpectationRecord = { date: '2026-11-17', arrivals: [{ name: 'a.csv', at }], duplicates: [], failures: [], counted: [] };
 * ```
 */
export interface ExpectationRecord {
  date: BusinessDate;
  /** Files processed successfully (every batch acknowledged downstream). */
  arrivals: FileEvent[];
  /** Second copies with other content, set aside. */
  duplicates: FileEvent[];
  /** Files that could not be parsed, set aside as `.failed`. */
  failures: FileEvent[];
  /** States already counted in the metrics for this date (each once). */
  counted: string[];
}

/**
 * The kind of a file event.
 *
 * @example
 * ```ts
 * const kind: FileEventKind = 'duplicate';
 * ```
 */
export type FileEventKind = 'arrival' | 'duplicate' | 'failure';

const LIST: Record<FileEventKind, 'arrivals' | 'duplicates' | 'failures'> = {
  arrival: 'arrivals',
  duplicate: 'duplicates',
  failure: 'failures',
};

function key(integrationId: string, date: BusinessDate): string {
  return `${PREFIX}${integrationId}:${date}`;
}

function empty(date: BusinessDate): ExpectationRecord {
  return { date, arrivals: [], duplicates: [], failures: [], counted: [] };
}

/**
 * Reads the record of one business date; undefined when nothing happened yet.
 *
 * @example
 * ```ts
 * const r = await readExpectation(store, 'sap-loads', '2026-11-17');
 * ```
 */
export async function readExpectation(
  store: Store,
  integrationId: string,
  date: BusinessDate,
): Promise<ExpectationRecord | undefined> {
  const v = (await store.policyState.get(key(integrationId, date)))?.value;
  return v ? { ...empty(date), ...(v as unknown as Partial<ExpectationRecord>) } : undefined;
}

/**
 * Applies `change` to a date's record by compare-and-set, retrying when
 * another writer won. `change` returns false to write nothing.
 *
 * @example
 * ```ts
 * await updateExpectation(store, 'sap-loads', '2026-11-17', (r) => { r.counted.push('late'); });
 * ```
 */
export async function updateExpectation(
  store: Store,
  integrationId: string,
  date: BusinessDate,
  change: (record: ExpectationRecord) => boolean | void,
): Promise<ExpectationRecord> {
  const k = key(integrationId, date);
  for (;;) {
    const current = await store.policyState.get(k);
    const record: ExpectationRecord = current
      ? { ...empty(date), ...(current.value as unknown as Partial<ExpectationRecord>) }
      : empty(date);
    if (change(record) === false) return record;
    const won = await store.policyState.compareAndSet(
      k,
      current?.version ?? 0,
      record as unknown as JsonValue,
    );
    if (won !== undefined) return record;
  }
}

/**
 * Records a file event for a business date (the file-drop read loop calls it).
 *
 * @example
 * ```ts
 * await noteFileEvent(store, 'sap-loads', '2026-11-17', 'arrival', { name: 'MATMAS_20261117.csv', at: Date.now() });
 * ```
 */
export async function noteFileEvent(
  store: Store,
  integrationId: string,
  date: BusinessDate,
  kind: FileEventKind,
  event: FileEvent,
): Promise<void> {
  await updateExpectation(store, integrationId, date, (r) => {
    const list = r[LIST[kind]];
    list.push(event.reason === undefined ? { name: event.name, at: event.at } : { ...event });
    if (list.length > MAX_EVENTS) list.splice(0, list.length - MAX_EVENTS);
  });
}

const sinceKey = (integrationId: string) => `file-expect-since:${integrationId}`;

/**
 * When the integration's expectation started to be watched (epoch ms), or
 * undefined before that: business dates due earlier are not judged, so
 * declaring `expect` never raises alerts for the days before it.
 *
 * @example
 * ```ts
 * const since = await expectationSince(store, 'sap-loads');
 * ```
 */
export async function expectationSince(
  store: Store,
  integrationId: string,
): Promise<number | undefined> {
  const v = (await store.policyState.get(sinceKey(integrationId)))?.value;
  return typeof v === 'number' ? v : undefined;
}

/**
 * Records `at` as the start of watching unless an earlier start is stored;
 * returns the start in force. The read loop and the alerting loop both call it.
 *
 * @example
 * ```ts
 * await markExpectationSince(store, 'sap-loads', Date.now());
 * ```
 */
export async function markExpectationSince(
  store: Store,
  integrationId: string,
  at: number,
): Promise<number> {
  for (;;) {
    const current = await store.policyState.get(sinceKey(integrationId));
    if (typeof current?.value === 'number') return current.value;
    if ((await store.policyState.compareAndSet(sinceKey(integrationId), 0, at)) !== undefined) {
      return at;
    }
  }
}
