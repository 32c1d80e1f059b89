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
import type { PathSegment } from './path.js';
import type { TargetNode } from './targets.js';
import { FieldFailure, show, type ValueType } from './transforms/types.js';

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

const MATCHES: Record<ValueType, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  'string[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  unknown: () => true,
};

/**
 * What the generated code calls, each bound to its own parameter name
 * (`s0_1`, `d3`...) so a call site sees one constant function, never an
 * array load, and the JIT can inline it.
 */
type Slots = Map<string, unknown>;

function freshOf(spec: FieldSpec): () => unknown {
  const fallback = spec.default;
  // An object default is copied per row so one record's output never aliases another's.
  return fallback !== null && typeof fallback === 'object'
    ? () => structuredClone(fallback)
    : () => fallback;
}

/**
 * Code that leaves the value at `segments` of `input` in `t`. Own properties
 * only (`H` is `Object.prototype.hasOwnProperty`): an input key never
 * resolves to something inherited. Keys are JSON-quoted, so a key can never
 * become code; inlining them lets the JIT use constant-key property loads.
 */
function read(segments: readonly PathSegment[]): string {
  let code = 't = input';
  for (const seg of segments) {
    const k = JSON.stringify(seg);
    code += `, t = (t !== null && typeof t === 'object' && H.call(t, ${k}) ? t[${k}] : undefined)`;
  }
  return code;
}

/**
 * The code of field `i`: read the source(s), run each step (skipping null
 * unless the step handles it), then default / required / type check. Every
 * call site is specific to one field and one step, so each stays monomorphic
 * and the JIT can inline it: this is what makes a compiled document run
 * close to hand-written code.
 */
function fieldCode(spec: FieldSpec, i: number, slots: Slots, emptyAsNull: boolean): string {
  const lines: string[] = [`f = ${i};`];
  const norm = (x: string) =>
    emptyAsNull
      ? `(${x} === undefined || ${x} === '' ? null : ${x})`
      : `(${x} === undefined ? null : ${x})`;
  if (spec.sources.length === 0) lines.push('src = null;');
  else if (spec.multi) {
    const reads = spec.sources.map((s) => `(${read(s.segments)}, ${norm('t')})`);
    lines.push(`src = [${reads.join(', ')}];`);
  } else {
    const only = spec.sources[0] as { segments: PathSegment[] };
    lines.push(`${read(only.segments)}; src = ${norm('t')};`);
  }
  lines.push('v = src;');
  spec.steps.forEach((s, k) => {
    slots.set(`s${i}_${k}`, s.fn);
    const call = `${s.async ? 'await ' : ''}s${i}_${k}(v, env)`;
    lines.push(s.handlesNull ? `v = ${call};` : `if (v !== null && v !== undefined) v = ${call};`);
  });
  if (spec.hasDefault) slots.set(`d${i}`, freshOf(spec));
  if (spec.checkType) slots.set(`c${i}`, MATCHES[spec.type]);
  const empty = spec.required ? ` || v === ''` : '';
  const onMissing = spec.hasDefault
    ? `v = d${i}();`
    : spec.required
      ? `throw new FF('required', ${JSON.stringify(`${spec.target} is required but missing or empty`)});`
      : 'v = null;';
  lines.push(`if (v === null || v === undefined${empty}) { ${onMissing} }`);
  if (spec.checkType) {
    lines.push(
      `else if (!c${i}(v)) throw new FF('type', ${JSON.stringify(`expected ${spec.type}, got `)} + show(v));`,
    );
  }
  lines.push(`v${spec.index} = v;`);
  return lines.join('\n    ');
}

function literal(node: TargetNode, leaf: (field: number) => string): string {
  if (node.kind === 'leaf') return leaf(node.field);
  if (node.kind === 'object') {
    // Keys are JSON-quoted; parsePath refuses __proto__, so a literal can never set a prototype.
    const props = [...node.children].map(([k, c]) => `${JSON.stringify(k)}: ${literal(c, leaf)}`);
    return `{${props.join(', ')}}`;
  }
  const size = Math.max(-1, ...node.children.keys()) + 1;
  const items = Array.from({ length: size }, (_, i) => {
    const c = node.children.get(i);
    return c ? literal(c, leaf) : 'null';
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
  const specs = [...doc.fields];
  const isAsync = specs.some((f) => f.async);
  const slots: Slots = new Map();
  const code = specs.map((spec, i) => fieldCode(spec, i, slots, doc.emptyAsNull));
  const locals = specs.map((f) => `v${f.index}`).join(', ');
  // Only indexes, JSON-quoted text and the target literal reach the source:
  // every value (tables, functions, defaults) is passed in, never inlined.
  const source = `
return ${isAsync ? 'async ' : ''}function map(input, options) {
  const env = { record: input, crosswalk: options === undefined ? undefined : options.crosswalk };
  let f = -1, src = null, v, t${locals ? `, ${locals}` : ''};
  try {
    ${code.join('\n    ')}
  } catch (err) {
    if (err instanceof FF) return { ok: false, failure: fail(f, err, src) };
    throw err;
  }
  return { ok: true, value: ${literal(doc.targets.root, (i) => `v${i}`)} };
};`;
  const fail = (i: number, err: FieldFailure, value: unknown) =>
    failure(specs[i] as FieldSpec, err, value);
  const factory = new Function('H', 'FF', 'show', 'fail', ...slots.keys(), source) as (
    ...args: unknown[]
  ) => Mapper<T>['map'];
  const map = factory(Object.prototype.hasOwnProperty, FieldFailure, show, fail, ...slots.values());
  return { name: doc.name, doc, async: isAsync, map };
}
