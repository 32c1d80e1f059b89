/**
 * The built-in transforms by name. User functions are registered per load
 * (`loadMapping(file, { functions })`), never globally.
 */
import { DATE_TRANSFORMS } from './dates.js';
import { LOOKUP_TRANSFORMS } from './lookup.js';
import { NUMBER_TRANSFORMS } from './numbers.js';
import { PHONE_TRANSFORMS } from './phone.js';
import { TEXT_TRANSFORMS } from './text.js';
import type { TransformDef } from './types.js';

export {
  FieldFailure,
  OptionError,
  type MapEnv,
  type OptionReader,
  type TransformDef,
  type TransformFn,
  type UserTransform,
  type ValueType,
} from './types.js';

/**
 * Every built-in transform: string, trim, upper, lower, empty-null, id,
 * boolean, enum, split, concat, coalesce, template, int, decimal, sum, date,
 * datetime, sap-date, odata-date, phone, lookup.
 *
 * @example
 * ```ts
 * Object.keys(BUILTIN_TRANSFORMS).includes('sap-date'); // true
 * ```
 */
export const BUILTIN_TRANSFORMS: Readonly<Record<string, TransformDef>> = Object.freeze({
  ...TEXT_TRANSFORMS,
  ...NUMBER_TRANSFORMS,
  ...DATE_TRANSFORMS,
  ...PHONE_TRANSFORMS,
  ...LOOKUP_TRANSFORMS,
});
