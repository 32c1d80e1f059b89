/**
 * Compiles a loaded mapping document once into a function. Each field
 * becomes a closure chain (getter → transforms → default/required check),
 * and the output object is built by generated code that writes one object
 * literal, so a row never interprets the document and every output object
 * has the same shape (one hidden class for the JIT).
 */
import type { CrosswalkRepo } from '../store/types.js';
import type { MappingDocument } from './document.js';
import type { FieldSpec } from './fields.js';
import { compileGetter } from './path.js';
import type { TargetNode } from './targets.js';
import {
  FieldFailure,
  show,
  type MapEnv,
  type TransformFn,
  type ValueType,
} from './transforms/types.js';

/**
 * Why a record could not be mapped: the field, the rule and the value.
 *
 * @example
 * ```ts
 * const f: MapFailure = { fieldPath: 'date_of_birth', rule: 'date', message: '"31.02.1990" is not a date', value: '31.02.1990', sensitive: false };
 * ```
 */
export interface MapFailure {
  /** Target path of the failing field (`''` for the whole record). */
  fieldPath: string;
  rule: string;
  message: string;
  /** The offending input value (unmasked; mask before storing when `sensitive`). */
  value: unknown;
  sensitive: boolean;
}

/**
 * The outcome of mapping one record.
 *
 * @example
 * ```ts
 * const r: MapResult = await mapper.map(input);
 * if (r.ok) use(r.value); else console.log(r.failure.fieldPath, r.failure.rule);
 * ```
 */
export type MapResult<T = Record<string, unknown>> =
  { ok: true; value: T } | { ok: false; failure: MapFailure };

/**
 * What a row may use besides the record.
 *
 * @example
 * ```ts
 * await mapper.map(input, { crosswalk: store.crosswalk });
 * ```
 */
export interface MapOptions {
  /** For `lookup` with `crosswalk:`. Without it, such lookups reject the record. */
  crosswalk?: CrosswalkRepo | undefined;
}

/**
 * A compiled mapping. `map` returns a plain result when the document has no
 * crosswalk lookups (`async` false) and a promise otherwise; `await` works for both.
 *
 * @example
 * ```ts
 * const mapper: Mapper = compileMapping(loadMapping('employee.yaml'));
 * const result = await mapper.map({ dob: '1990-01-31' });
 * ```
 */
export interface Mapper<T = Record<string, unknown>> {
  readonly name: string;
  readonly doc: MappingDocument;
  readonly async: boolean;
  map(input: unknown, options?: MapOptions): MapResult<T> | Promise<MapResult<T>>;
}

interface CompiledField {
  read: (record: unknown) => unknown;
  run: (value: unknown, env: MapEnv) => unknown;
  async: boolean;
  spec: FieldSpec;
}

const MATCHES: Record<ValueType, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  'string[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  unknown: () => true,
};

function reader(spec: FieldSpec, emptyAsNull: boolean): (record: unknown) => unknown {
  const norm = emptyAsNull
    ? (v: unknown) => (v === undefined || v === '' ? null : v)
    : (v: unknown) => (v === undefined ? null : v);
  if (spec.sources.length === 0) return () => null;
  const getters = spec.sources.map((s) => compileGetter(s.segments));
  if (spec.multi) return (r) => getters.map((g) => norm(g(r)));
  const get = getters[0] as (r: unknown) => unknown;
  return (r) => norm(get(r));
}

function finisher(spec: FieldSpec): (v: unknown) => unknown {
  const { hasDefault, required, checkType, type, target } = spec;
  const fallback = spec.default;
  // An object default is copied per row so one record's output never aliases another's.
  const fresh =
    fallback !== null && typeof fallback === 'object'
      ? () => structuredClone(fallback)
      : () => fallback;
  const matches = MATCHES[type];
  return (v) => {
    if (v === null || v === undefined || (required && v === '')) {
      if (hasDefault) return fresh();
      if (required)
        throw new FieldFailure('required', `${target} is required but missing or empty`);
      return null;
    }
    if (checkType && !matches(v))
      throw new FieldFailure('type', `expected ${type}, got ${show(v)}`);
    return v;
  };
}

function compileField(spec: FieldSpec, emptyAsNull: boolean): CompiledField {
  const finish = finisher(spec);
  // Null skips a transform unless it handles null itself (coalesce, concat...).
  const steps: TransformFn[] = spec.steps.map((s) =>
    s.handlesNull ? s.fn : (v, env) => (v === null || v === undefined ? v : s.fn(v, env)),
  );
  let run: (value: unknown, env: MapEnv) => unknown;
  if (spec.async) {
    run = async (value, env) => {
      let v = value;
      for (const step of steps) v = await step(v, env);
      return finish(v);
    };
  } else {
    // Compose right to left into one closure chain: no loop, no array per row.
    const chain = steps.reduceRight<TransformFn>(
      (next, step) => (v, env) => next(step(v, env), env),
      (v) => v,
    );
    run = (value, env) => finish(chain(value, env));
  }
  return { read: reader(spec, emptyAsNull), run, async: spec.async, spec };
}

function literal(node: TargetNode): string {
  if (node.kind === 'leaf') return `v[${node.field}]`;
  if (node.kind === 'object') {
    // Keys are JSON-quoted; parsePath refuses __proto__, so a literal can never set a prototype.
    const props = [...node.children].map(([k, c]) => `${JSON.stringify(k)}: ${literal(c)}`);
    return `{${props.join(', ')}}`;
  }
  const size = Math.max(-1, ...node.children.keys()) + 1;
  const items = Array.from({ length: size }, (_, i) => {
    const c = node.children.get(i);
    return c ? literal(c) : 'null';
  });
  return `[${items.join(', ')}]`;
}

function failure(spec: FieldSpec, err: FieldFailure, value: unknown): MapFailure {
  return {
    fieldPath: spec.target,
    rule: err.rule,
    message: err.message,
    value,
    sensitive: spec.sensitive,
  };
}

/**
 * Compiles a document into a {@link Mapper}. Do it once (at module load or
 * when the step is built) and reuse the mapper for every record.
 *
 * @example
 * ```ts
 * import { compileMapping, parseMapping } from 'patchbay/mapping';
 * const mapper = compileMapping(parseMapping('- { source: amt, target: amount, transform: decimal }'));
 * await mapper.map({ amt: '12.50-' }); // { ok: true, value: { amount: '-12.50' } }
 * ```
 */
export function compileMapping<T = Record<string, unknown>>(doc: MappingDocument): Mapper<T> {
  const fields = doc.fields.map((f) => compileField(f, doc.emptyAsNull));
  const build = new Function('v', `return ${literal(doc.targets.root)};`) as (v: unknown[]) => T;
  const n = fields.length;
  const isAsync = fields.some((f) => f.async);

  const mapSync = (input: unknown, options?: MapOptions): MapResult<T> => {
    const env: MapEnv = { record: input, crosswalk: options?.crosswalk };
    const values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const f = fields[i] as CompiledField;
      const src = f.read(input);
      try {
        values[i] = f.run(src, env);
      } catch (err) {
        if (err instanceof FieldFailure) return { ok: false, failure: failure(f.spec, err, src) };
        throw err;
      }
    }
    return { ok: true, value: build(values) };
  };

  const mapAsync = async (input: unknown, options?: MapOptions): Promise<MapResult<T>> => {
    const env: MapEnv = { record: input, crosswalk: options?.crosswalk };
    const values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const f = fields[i] as CompiledField;
      const src = f.read(input);
      try {
        values[i] = f.async ? await f.run(src, env) : f.run(src, env);
      } catch (err) {
        if (err instanceof FieldFailure) return { ok: false, failure: failure(f.spec, err, src) };
        throw err;
      }
    }
    return { ok: true, value: build(values) };
  };

  return { name: doc.name, doc, async: isAsync, map: isAsync ? mapAsync : mapSync };
}
