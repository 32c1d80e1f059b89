/**
 * `patchbay/mapping`: declarative mapping documents compiled once into fast
 * functions, validation at the boundary, the reject ledger and schema drift.
 *
 * @example
 * ```ts
 * import { loadMapping, compileMapping, mappingStep } from 'patchbay/mapping';
 * const mapper = compileMapping(loadMapping('mappings/employee.yaml'));
 * const result = await mapper.map({ dob: '19900131' });
 * ```
 */
export { loadMapping, parseMapping, type MappingIssue } from './load.js';
export type { FieldSpec, LoadOptions, MappingDocument } from './document.js';
export {
  compileMapping,
  type MapFailure,
  type MapOptions,
  type MapResult,
  type Mapper,
} from './compile.js';
export { mappingStep, NOT_REDRIVABLE, REJECT_SINK, type MappingStepOptions } from './step.js';
export { enrichStep, type EnrichOptions } from './enrich.js';
export {
  aggregateStep,
  AGGREGATE_STATE,
  loadAggregation,
  parseAggregation,
  type AggregateOptions,
  type ReducerSpec,
  type WindowSpec,
} from './aggregate/index.js';
export { mappingTypes } from './types.js';
export { Crosswalk, crosswalkNamespace, type CrosswalkMiss } from './crosswalk.js';
export { loadModels, ModelRegistry, type CanonicalModel, type RegisteredModel } from './models.js';
export { modelGaps, type ModelGap } from './model-check.js';
export {
  jsonSchemaValidator,
  toValidator,
  zodValidator,
  type ValidateSpec,
  type ValidationIssue,
  type Validator,
} from './validate.js';
export { MASK, maskValue, rawMasker, toReject, type RejectInput } from './rejects.js';
export {
  DriftTracker,
  diffShape,
  shapeOf,
  type DriftEvent,
  type DriftKind,
  type DriftPolicy,
} from './drift.js';
export { addDecimals, formatDecimal, parseDecimal, rescale, type Decimal } from './decimal.js';
export {
  BUILTIN_TRANSFORMS,
  FieldFailure,
  type MapEnv,
  type TransformDef,
  type UserTransform,
  type ValueType,
} from './transforms/index.js';
