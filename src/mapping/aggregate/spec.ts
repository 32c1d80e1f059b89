/**
 * What an aggregation is: its options (from code or from a YAML document),
 * checked once into a {@link CompiledAggregation}: key getters, reducers,
 * window size and allowed lateness.
 */
import { parseDuration, type Duration } from '../../core/duration.js';
import { compileGetter, parsePath, setPath, type PathSegment } from '../path.js';
import { compileReducer, parseReducer, type Reducer, type ReducerSpec } from './reducers.js';

/**
 * A tumbling event-time window: `window` long, placed by the record's own
 * `eventTime` (epoch ms or an ISO date-time), kept open `lateness` after its
 * end for records that arrive out of order (default 0). Windows close when
 * event time moves past them; with `closeIdle`, also when no record has
 * arrived for that long by the clock, so the last windows before a quiet
 * spell (the night, a weekend) are emitted without waiting for the next event.
 *
 * @example
 * ```ts
 * const w: WindowSpec = { window: '1h', eventTime: 'scanned_at', lateness: '5m', closeIdle: '15m' };
 * ```
 */
export interface WindowSpec {
  window: Duration;
  eventTime: string | ((record: unknown) => unknown);
  lateness?: Duration | undefined;
  /**
   * Closes every open window once no record has arrived for this long (wall
   * clock); records for those windows that come later are late. Checked
   * whenever a batch passes the step, and at the end of every run that read
   * its source to the end. Default: windows close by event time only.
   */
  closeIdle?: Duration | undefined;
}

/**
 * Options of `aggregateStep`. Output records hold the key fields, (for
 * windows) `window_start` and `window_end` as ISO strings, and one field per
 * reducer.
 *
 * @example
 * ```ts
 * const options: AggregateOptions = {
 *   name: 'parcels-per-depot',
 *   key: ['depot', 'currency'],
 *   reduce: { parcels: 'count', weight: 'sum(weight_kg)', last_scan: 'max(scanned_at)' },
 *   within: { window: '5m', eventTime: 'scanned_at', lateness: '1m' },
 *   id: 'scan_id',
 * };
 * ```
 */
export interface AggregateOptions {
  /** Step name (`aggregate:<name>`) and the key of its stored window state. */
  name: string;
  /**
   * The group key: a field path, several, `{ output: path }`, or a function
   * (its result goes to the output field `key`).
   */
  key:
    string | readonly string[] | Readonly<Record<string, string>> | ((record: unknown) => unknown);
  /** Output field → `count`, `sum(field)`, `min(field)`, ... or `{ op, field }`. */
  reduce: Readonly<Record<string, string | ReducerSpec>>;
  /** `'batch'`: emit at the end of every batch; or a tumbling event-time window. */
  within: 'batch' | WindowSpec;
  /**
   * A record's identity, so a batch read again after a crash is not counted
   * twice: a field path or a function. Default: the source item's key plus
   * the record's position in it.
   */
  id?: string | ((record: unknown) => unknown) | undefined;
  /**
   * Windows closed in the last this many batches remember their record ids,
   * so a batch read again after a crash is recognised instead of rejected
   * as late. Default 16 (more than the batches a run has in flight).
   */
  keepClosed?: number | undefined;
}

/**
 * An aggregation checked and compiled once.
 *
 * @example
 * ```ts
 * const agg: CompiledAggregation = compileAggregation(options);
 * agg.window?.sizeMs; // 300000
 * ```
 */
export interface CompiledAggregation {
  name: string;
  keyOf(record: unknown): unknown[];
  /** Writes the key values into an output record. */
  writeKey(out: Record<string, unknown>, key: readonly unknown[]): void;
  reducers: Reducer[];
  window:
    | {
        sizeMs: number;
        latenessMs: number;
        /** Close every open window after this much quiet (ms, wall clock); undefined: never. */
        idleMs: number | undefined;
        field: string;
        timeOf(record: unknown): unknown;
      }
    | undefined;
  idOf: ((record: unknown) => unknown) | undefined;
  keepClosed: number;
}

const bad = (message: string) => new TypeError(`aggregateStep: ${message}`);

function pathOf(path: string, where: string): PathSegment[] {
  const segments = parsePath(path);
  if (typeof segments === 'string') throw bad(`${where}: ${segments}`);
  return segments;
}

function getterOf(spec: string | ((record: unknown) => unknown), where: string) {
  return typeof spec === 'function' ? spec : compileGetter(pathOf(spec, where));
}

function keyParts(key: AggregateOptions['key']): Array<[output: PathSegment[], path: string]> {
  if (typeof key === 'string') return [[pathOf(key, 'key'), key]];
  if (Array.isArray(key)) return key.map((p: string) => [pathOf(p, 'key'), p]);
  return Object.entries(key as Record<string, string>).map(([out, p]) => [pathOf(out, 'key'), p]);
}

/**
 * Checks options and compiles them; throws a `TypeError` naming the option.
 *
 * @example
 * ```ts
 * const agg = compileAggregation({ name: 'daily', key: 'sku', reduce: { qty: 'sum(qty)' }, within: 'batch' });
 * ```
 */
export function compileAggregation(options: AggregateOptions): CompiledAggregation {
  if (!options.name) throw bad('name is required');
  let keyOf: (record: unknown) => unknown[];
  let writeKey: CompiledAggregation['writeKey'];
  const outputs = new Set<string>();
  if (typeof options.key === 'function') {
    const fn = options.key;
    keyOf = (r) => [fn(r)];
    writeKey = (out, key) => void (out['key'] = key[0]);
    outputs.add('key');
  } else {
    const parts = keyParts(options.key);
    if (parts.length === 0) throw bad('key needs at least one field');
    const getters = parts.map(([, p]) => compileGetter(pathOf(p, 'key')));
    keyOf = (r) => getters.map((g) => g(r));
    writeKey = (out, key) => parts.forEach(([seg], i) => setPath(out, seg, key[i] ?? null));
    for (const [seg] of parts) outputs.add(String(seg[0]));
  }
  const reducers = Object.entries(options.reduce).map(([name, spec]) => {
    const parsed = typeof spec === 'string' ? parseReducer(spec) : spec;
    if (typeof parsed === 'string') throw bad(`reduce.${name}: ${parsed}`);
    if (outputs.has(name)) throw bad(`reduce.${name}: output field ${name} is already used`);
    outputs.add(name);
    return compileReducer(name, parsed);
  });
  if (reducers.length === 0) throw bad('reduce needs at least one field');
  let window: CompiledAggregation['window'];
  if (options.within !== 'batch') {
    const w = options.within;
    if (!w || typeof w !== 'object' || w.window === undefined || w.eventTime === undefined) {
      throw bad(`within must be 'batch' or { window, eventTime, lateness?, closeIdle? }`);
    }
    const sizeMs = parseDuration(w.window, 'within.window', `aggregate:${options.name}`);
    if (!(sizeMs > 0)) throw bad('within.window must be longer than 0');
    for (const f of ['window_start', 'window_end']) {
      if (outputs.has(f)) throw bad(`output field ${f} is reserved for windows`);
    }
    window = {
      sizeMs,
      latenessMs: parseDuration(w.lateness ?? 0, 'within.lateness', `aggregate:${options.name}`),
      idleMs:
        w.closeIdle === undefined
          ? undefined
          : parseDuration(w.closeIdle, 'within.closeIdle', `aggregate:${options.name}`),
      field: typeof w.eventTime === 'string' ? w.eventTime : '',
      timeOf: getterOf(w.eventTime, 'within.eventTime'),
    };
  }
  return {
    name: options.name,
    keyOf,
    writeKey,
    reducers,
    window,
    idOf: options.id === undefined ? undefined : getterOf(options.id, 'id'),
    keepClosed: options.keepClosed ?? 16,
  };
}
