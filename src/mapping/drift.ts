/**
 * Schema drift: the observed shape of source records (field paths and value
 * types) is remembered in the store's cache; a new, missing or retyped field
 * becomes a drift event. Each (kind, field) is reported once per tracker so
 * a changed feed raises one alert, not one per record.
 */
import type { CacheRepo } from '../store/types.js';

/**
 * What changed about a field.
 *
 * @example
 * ```ts
 * const kind: DriftKind = 'retyped';
 * ```
 */
export type DriftKind = 'added' | 'removed' | 'retyped';

/**
 * One observed change of the source shape: data for logs, metrics and alerts.
 *
 * @example
 * ```ts
 * const e: DriftEvent = { kind: 'retyped', field: 'amount', from: 'string', to: 'number' };
 * ```
 */
export interface DriftEvent {
  kind: DriftKind;
  field: string;
  from?: string;
  to?: string;
}

/**
 * What to do with a record that shows drift: `ignore` (learn silently),
 * `alert` (learn, log and call `onDrift`), `reject` (send it to the reject
 * ledger and do not learn the new shape, so later records are rejected too
 * until the mapping or the source is fixed), or `pause` (alert, pause the
 * integration in the store and stop the run without acknowledging the
 * batch; live runs are refused until `patchbay resume`, after which the
 * record is read again and the new shape accepted. In a replay, `pause`
 * rejects the record instead, so old data cannot stop the live flow).
 *
 * @example
 * ```ts
 * const policy: DriftPolicy = 'pause';
 * ```
 */
export type DriftPolicy = 'ignore' | 'alert' | 'reject' | 'pause';

type Shape = Record<string, string>;

const MAX_DEPTH = 3;

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * The shape of one record: dotted field paths (objects followed three levels
 * deep; arrays are one field) to type names.
 *
 * @example
 * ```ts
 * shapeOf({ a: 1, b: { c: 'x' } }); // { a: 'number', 'b.c': 'string' }
 * ```
 */
export function shapeOf(record: unknown, prefix = '', depth = 0, out: Shape = {}): Shape {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) return out;
  for (const [k, v] of Object.entries(record)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && depth < MAX_DEPTH) {
      shapeOf(v, path, depth + 1, out);
    } else {
      out[path] = typeName(v);
    }
  }
  return out;
}

/**
 * Compares a record's shape with the remembered one. Nulls never count as a
 * type change (a null says nothing about the type).
 *
 * @example
 * ```ts
 * diffShape({ a: 'string' }, { a: 'number', b: 'string' }); // retyped a, added b
 * ```
 */
export function diffShape(known: Shape, seen: Shape): DriftEvent[] {
  const events: DriftEvent[] = [];
  for (const [field, type] of Object.entries(seen)) {
    const before = known[field];
    if (before === undefined) events.push({ kind: 'added', field, to: type });
    else if (before !== type && before !== 'null' && type !== 'null') {
      events.push({ kind: 'retyped', field, from: before, to: type });
    }
  }
  for (const field of Object.keys(known)) {
    if (!(field in seen)) events.push({ kind: 'removed', field, from: known[field] as string });
  }
  return events;
}

/**
 * Tracks the shape of one integration's source records for one mapping.
 *
 * @example
 * ```ts
 * const drift = new DriftTracker(store.cache, 'employees', 'employee');
 * const events = await drift.observe(record, { learn: true });
 * ```
 */
export class DriftTracker {
  readonly #cache: CacheRepo;
  readonly #key: string;
  #known: Shape | undefined;
  #loading: Promise<void> | undefined;
  readonly #reported = new Set<string>();

  constructor(cache: CacheRepo, integrationId: string, mapping: string) {
    this.#cache = cache;
    this.#key = `${integrationId}:${mapping}`;
  }

  /**
   * Returns the drift this record shows that was not reported before. The
   * first record ever seen sets the baseline. With `learn`, additions and
   * type changes become part of the remembered shape (saved in the cache).
   */
  async observe(record: unknown, options: { learn: boolean }): Promise<DriftEvent[]> {
    // One shared load: records of a batch arrive concurrently, and only the
    // first may set the baseline.
    this.#loading ??= this.#cache.get('drift', this.#key).then((entry) => {
      this.#known = (entry?.value as Shape | undefined) ?? undefined;
    });
    await this.#loading;
    const seen = shapeOf(record);
    if (!this.#known) {
      this.#known = seen;
      await this.#cache.set('drift', this.#key, seen);
      return [];
    }
    const events = diffShape(this.#known, seen);
    if (events.length === 0) return events;
    if (options.learn) {
      let changed = false;
      for (const e of events) {
        if (e.kind !== 'removed' && (this.#known[e.field] ?? 'null') !== e.to) {
          this.#known[e.field] = e.to as string;
          changed = true;
        }
      }
      if (changed) await this.#cache.set('drift', this.#key, this.#known);
    }
    // A policy that rejects must see every drifting record; alerts fire once.
    if (!options.learn) return events;
    const fresh = events.filter((e) => !this.#reported.has(`${e.kind}:${e.field}`));
    for (const e of fresh) this.#reported.add(`${e.kind}:${e.field}`);
    return fresh;
  }
}
