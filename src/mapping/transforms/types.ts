/**
 * What a transform is: a factory run once at load with its options, which
 * returns the per-value function the compiled mapping calls for every row.
 */
import type { CrosswalkRepo } from '../../store/types.js';

/**
 * The value types a mapping knows, for type checks at load and `mapping types`.
 *
 * @example
 * ```ts
 * const t: ValueType = 'string[]';
 * ```
 */
export type ValueType = 'string' | 'number' | 'boolean' | 'string[]' | 'unknown';

/**
 * Why one field of one record failed: the rule (usually the transform's
 * name) and a message. Thrown by transforms, caught by the compiled mapping.
 *
 * @example
 * ```ts
 * throw new FieldFailure('date', '"2026-02-30" is not a date in format %Y-%m-%d');
 * ```
 */
export class FieldFailure extends Error {
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
    this.name = 'FieldFailure';
  }
}

/**
 * What a row's transforms may use besides the value: the whole input record
 * (templates) and the crosswalk (lookups).
 *
 * @example
 * ```ts
 * const env: MapEnv = { record: input, crosswalk: store.crosswalk };
 * ```
 */
export interface MapEnv {
  record: unknown;
  crosswalk?: CrosswalkRepo | undefined;
}

/**
 * The per-value function of a transform; may return a promise only when `async` is declared.
 *
 * @example
 * ```ts
 * const upper: TransformFn = (v) => String(v).toUpperCase();
 * ```
 */
export type TransformFn = (value: unknown, env: MapEnv) => unknown;

/**
 * A bad option, named by key so the loader can point at its line.
 *
 * @example
 * ```ts
 * throw new OptionError('format', 'unknown directive %Q');
 * ```
 */
export class OptionError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'OptionError';
  }
}

/**
 * Reads a field's options for a transform factory, remembering which keys
 * were used so the loader can report unknown ones.
 *
 * @example
 * ```ts
 * const format = opts.string('format') ?? '%Y-%m-%d';
 * ```
 */
export interface OptionReader {
  /** The folder of the mapping document, for relative `file:` options. */
  readonly baseDir: string;
  has(key: string): boolean;
  raw(key: string): unknown;
  string(key: string): string | undefined;
  integer(key: string, min: number, max: number): number | undefined;
  boolean(key: string): boolean | undefined;
  record(key: string): Record<string, unknown> | undefined;
}

/**
 * A transform definition, as registered under a name.
 *
 * @example
 * ```ts
 * const upper: TransformDef = {
 *   accepts: 'string', output: 'string',
 *   create: () => (v) => String(v).toUpperCase(),
 * };
 * ```
 */
export interface TransformDef {
  /** What it expects; a chain whose previous step produces another type fails at load. */
  accepts: ValueType | 'any';
  /** What it produces (a function of the options for a few, e.g. `enum`). */
  output: ValueType | ((opts: OptionReader) => ValueType);
  /** Takes the list of all sources (`source: [a, b]`) rather than one value. */
  multi?: boolean;
  /** Also called for null/missing values (everything else is skipped on null). */
  handlesNull?: boolean;
  /** Returns promises (crosswalk lookups); the compiled mapping awaits them. */
  async?: boolean | ((opts: OptionReader) => boolean);
  create(opts: OptionReader): TransformFn;
}

/**
 * A user transform: a named TypeScript function registered with the loader.
 *
 * @example
 * ```ts
 * const fns: Record<string, UserTransform> = { vin: (v) => String(v).replace(/[^A-Z0-9]/g, '') };
 * ```
 */
export type UserTransform = (value: unknown, env: MapEnv) => unknown;

/**
 * Describes a value for a failure message without dumping a whole object.
 *
 * @example
 * ```ts
 * show('abc'); // '"abc"'
 * ```
 */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
