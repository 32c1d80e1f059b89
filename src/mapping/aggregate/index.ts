/**
 * Aggregation by key within a batch or a tumbling event-time window.
 *
 * @example
 * ```ts
 * import { aggregateStep } from 'patchbay/mapping';
 * const totals = aggregateStep({ name: 'totals', key: 'sku', reduce: { qty: 'sum(qty)' }, within: 'batch' });
 * ```
 */
export { aggregateStep, AGGREGATE_STATE } from './step.js';
export { loadAggregation, parseAggregation } from './load.js';
export {
  compileAggregation,
  type AggregateOptions,
  type CompiledAggregation,
  type WindowSpec,
} from './spec.js';
export { parseReducer, type ReduceOp, type ReducerSpec } from './reducers.js';
