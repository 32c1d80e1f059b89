/**
 * The canonical model a record was mapped to, carried beside the record's
 * business fields rather than among them: a symbol-keyed property, which
 * `JSON.stringify`, `Object.keys` and database drivers ignore but object
 * spread (`{ ...record }`) keeps. The runtime lifts it into
 * `SinkRecord.model`, where a sink may write it as a column, a header or
 * message metadata.
 */

/**
 * A canonical model and version, e.g. `{ name: 'shipment', version: 2 }`.
 *
 * @example
 * ```ts
 * const ref: ModelRef = { name: 'shipment', version: 2 };
 * ```
 */
export interface ModelRef {
  name: string;
  version: number;
}

/**
 * The symbol under which a record carries its {@link ModelRef}.
 *
 * @example
 * ```ts
 * const record = { id: 'S-1', [MODEL_STAMP]: { name: 'shipment', version: 2 } };
 * JSON.stringify(record); // '{"id":"S-1"}'
 * ```
 */
export const MODEL_STAMP: unique symbol = Symbol.for('patchbay.model');

/**
 * Stamps `record` (an object) with its model, in place, and returns it.
 * Non-objects are returned unchanged.
 *
 * @example
 * ```ts
 * stampModel({ id: 'S-1' }, { name: 'shipment', version: 2 });
 * ```
 */
export function stampModel<T>(record: T, model: ModelRef): T {
  if (record !== null && typeof record === 'object') {
    (record as Record<symbol, unknown>)[MODEL_STAMP] = model;
  }
  return record;
}

/**
 * The model a record was stamped with, if any.
 *
 * @example
 * ```ts
 * modelOf(stampModel({ id: 'S-1' }, { name: 'shipment', version: 2 })); // { name: 'shipment', version: 2 }
 * modelOf({ id: 'S-1' }); // undefined
 * ```
 */
export function modelOf(record: unknown): ModelRef | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  return (record as Record<symbol, ModelRef | undefined>)[MODEL_STAMP];
}
