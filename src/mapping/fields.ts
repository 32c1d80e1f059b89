/**
 * One field of a mapping document, resolved: source paths, the transform
 * chain instantiated with its options, the output type, and checks that the
 * chain's types fit together.
 */
import type { ResolveContext, ResolvedTransform } from './document.js';
import { parseSources } from './document.js';
import { parsePath, type PathSegment } from './path.js';
import type { TargetTree } from './targets.js';
import { BUILTIN_TRANSFORMS } from './transforms/index.js';
import {
  FieldFailure,
  OptionError,
  type OptionReader,
  type UserTransform,
  type ValueType,
} from './transforms/types.js';

/** User functions are synchronous so a document without lookups compiles to a sync mapping. */
function userStep(name: string, fn: UserTransform): ResolvedTransform {
  return {
    name,
    accepts: 'any',
    output: 'unknown',
    multi: false,
    handlesNull: false,
    async: false,
    fn(value, env) {
      let out: unknown;
      try {
        out = fn(value, env);
      } catch (err) {
        if (err instanceof FieldFailure) throw err;
        throw new FieldFailure(name, err instanceof Error ? err.message : String(err));
      }
      if (out instanceof Promise) {
        throw new FieldFailure(
          name,
          `function ${name} returned a promise; named functions must be synchronous`,
        );
      }
      return out;
    },
  };
}

/**
 * A resolved field: everything `compileMapping` needs, nothing left to parse.
 *
 * @example
 * ```ts
 * const f: FieldSpec = doc.fields[0];
 * console.log(f.target, f.type, f.line);
 * ```
 */
export interface FieldSpec {
  index: number;
  /** 1-based line of the field in the document. */
  line: number;
  target: string;
  targetPath: PathSegment[];
  sources: Array<{ path: string; segments: PathSegment[] }>;
  /** The first transform takes the list of all sources. */
  multi: boolean;
  steps: ResolvedTransform[];
  required: boolean;
  hasDefault: boolean;
  default: unknown;
  sensitive: boolean;
  /** Output type: declared with `type:` or produced by the chain. */
  type: ValueType;
  /** Check the type on each row: declared, but the chain cannot prove it. */
  checkType: boolean;
  async: boolean;
}

const FIELD_KEYS = new Set([
  'source',
  'target',
  'transform',
  'required',
  'default',
  'sensitive',
  'type',
  'description',
]);
const TYPES = new Set<ValueType>(['string', 'number', 'boolean', 'string[]', 'unknown']);

/**
 * The type of a literal (a `default`), as far as mapping types go.
 *
 * @example
 * ```ts
 * typeOfValue(['a']); // 'string[]'
 * ```
 */
export function typeOfValue(v: unknown): ValueType {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return 'string[]';
  return 'unknown';
}

function optionReader(
  js: Record<string, unknown>,
  used: Set<string>,
  baseDir: string,
): OptionReader {
  const get = (key: string) => {
    used.add(key);
    return js[key];
  };
  return {
    baseDir,
    has: (key) => (used.add(key), key in js),
    raw: get,
    string(key) {
      const v = get(key);
      if (v === undefined || v === null) return undefined;
      if (typeof v === 'string' || typeof v === 'number') return String(v);
      throw new OptionError(key, 'expected text');
    },
    integer(key, min, max) {
      const v = get(key);
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new OptionError(key, `expected a whole number from ${min} to ${max}`);
      }
      return v;
    },
    boolean(key) {
      const v = get(key);
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'boolean') throw new OptionError(key, 'expected true or false');
      return v;
    },
    record(key) {
      const v = get(key);
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'object' || Array.isArray(v))
        throw new OptionError(key, 'expected a map of key: value');
      return v as Record<string, unknown>;
    },
  };
}

/**
 * Resolves field `i`, reporting problems to `ctx`; `undefined` when it is unusable.
 *
 * @example
 * ```ts
 * const spec = buildField(0, node.items[0], { source: 'dob', target: 'date_of_birth', transform: 'date' }, ctx, tree);
 * ```
 */
export function buildField(
  i: number,
  node: unknown,
  js: unknown,
  ctx: ResolveContext,
  targets: TargetTree,
): FieldSpec | undefined {
  if (js === null || typeof js !== 'object' || Array.isArray(js)) {
    ctx.report(node, undefined, `fields[${i}]`, 'expected a map like { source: a, target: b }');
    return undefined;
  }
  const f = js as Record<string, unknown>;
  const label = typeof f['target'] === 'string' ? `fields[${i}] (${f['target']})` : `fields[${i}]`;
  let ok = true;
  const report = (key: string | undefined, message: string) => {
    ok = false;
    ctx.report(node, key, key ? `${label}.${key}` : label, message);
  };
  const line = ctx.lineOf(node);

  const targetPath =
    typeof f['target'] === 'string' ? parsePath(f['target']) : 'a target path is required';
  if (typeof targetPath === 'string') report('target', targetPath);

  const sources = f['source'] === undefined ? [] : parseSources(f['source']);
  if (typeof sources === 'string') report('source', sources);

  const names =
    f['transform'] === undefined
      ? []
      : Array.isArray(f['transform'])
        ? f['transform']
        : [f['transform']];
  const used = new Set<string>(FIELD_KEYS);
  const opts = optionReader(f, used, ctx.baseDir);
  const steps: ResolvedTransform[] = [];
  let prev: ValueType = 'unknown';
  let prevName = 'the source';
  for (const name of names) {
    if (typeof name !== 'string') {
      report('transform', 'expected a transform name or a list of names');
      continue;
    }
    const builtin = BUILTIN_TRANSFORMS[name];
    const user = ctx.functions?.[name];
    if (!builtin && !user) {
      const known = [...Object.keys(BUILTIN_TRANSFORMS), ...Object.keys(ctx.functions ?? {})];
      report('transform', `unknown transform "${name}"; known: ${known.join(', ')}`);
      continue;
    }
    try {
      const step: ResolvedTransform = builtin
        ? {
            name,
            accepts: builtin.accepts,
            output: typeof builtin.output === 'function' ? builtin.output(opts) : builtin.output,
            multi: builtin.multi ?? false,
            handlesNull: builtin.handlesNull ?? false,
            async:
              typeof builtin.async === 'function' ? builtin.async(opts) : (builtin.async ?? false),
            fn: builtin.create(opts),
          }
        : userStep(name, user as UserTransform);
      if (step.accepts !== 'any' && prev !== 'unknown' && prev !== step.accepts) {
        report(
          'transform',
          `type conflict: ${name} expects ${step.accepts} but ${prevName} produces ${prev}`,
        );
      }
      if (step.multi && steps.length > 0)
        report('transform', `${name} combines several sources and must come first`);
      prev = step.output;
      prevName = name;
      steps.push(step);
    } catch (err) {
      if (err instanceof OptionError)
        report(err.key in f ? err.key : 'transform', `${name}: ${err.message}`);
      else report('transform', `${name}: ${(err as Error).message}`);
    }
  }

  const multi = steps[0]?.multi ?? false;
  const nSources = Array.isArray(sources) ? sources.length : 0;
  if (nSources > 1 && !multi) {
    report(
      'source',
      'several sources need a transform that combines them first: coalesce, concat or sum',
    );
  }
  const templated = steps[0]?.name === 'template';
  if (f['source'] === undefined && !templated && !('default' in f)) {
    report('source', 'a field needs a source, a default, or a template');
  }

  for (const key of ['required', 'sensitive'] as const) {
    if (f[key] !== undefined && typeof f[key] !== 'boolean') report(key, 'expected true or false');
  }
  let type: ValueType = prev;
  let checkType = false;
  if (f['type'] !== undefined) {
    if (!TYPES.has(f['type'] as ValueType)) {
      report('type', `expected one of ${[...TYPES].join(', ')}`);
    } else if (prev !== 'unknown' && f['type'] !== prev) {
      report(
        'type',
        `type conflict: declared ${String(f['type'])} but ${prevName} produces ${prev}`,
      );
    } else {
      type = f['type'] as ValueType;
      checkType = prev === 'unknown' && type !== 'unknown';
    }
  }
  if ('default' in f && f['default'] !== null) {
    const dt = typeOfValue(f['default']);
    if (type === 'unknown') type = dt;
    else if (dt !== type)
      report('default', `type conflict: default is ${dt} but the field is ${type}`);
  }
  for (const key of Object.keys(f)) {
    if (!used.has(key)) {
      const chain = steps.map((s) => s.name).join(', ') || 'no transform';
      report(key, `unknown option "${key}" (not used by ${chain})`);
    }
  }
  if (typeof targetPath !== 'string') {
    const conflict = targets.add(targetPath, i);
    if (conflict) report('target', conflict);
  }
  if (!ok || typeof targetPath === 'string' || typeof sources === 'string') return undefined;
  return {
    index: i,
    line,
    target: f['target'] as string,
    targetPath,
    sources,
    multi,
    steps,
    required: f['required'] === true,
    hasDefault: 'default' in f,
    default: f['default'],
    sensitive: f['sensitive'] === true,
    type,
    checkType,
    async: steps.some((s) => s.async),
  };
}
