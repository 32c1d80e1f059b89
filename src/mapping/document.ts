/**
 * The schema of a mapping document and its resolution into field specs:
 * paths parsed, transforms found and instantiated with their options, types
 * checked along each chain and across targets. Everything that can be wrong
 * with a document is found here, at load, never on a row.
 *
 * A document is either a list of fields or an object:
 *
 * ```yaml
 * name: employee            # default: the file name
 * produces: Employee        # type name for `patchbay mapping types`, or a canonical model:
 * # produces: { model: employee, version: 2 }   (checked against the registry given as `models`)
 * emptyAsNull: true         # "" in the input counts as missing
 * fields:
 *   - { source: dob, target: date_of_birth, transform: date, format: "%Y-%m-%d", required: true }
 *   - { source: [mobile, phone], target: phone_numbers[0].value, transform: [coalesce, phone], country: DE }
 *   - { source: ssn, target: tax_id, transform: trim, sensitive: true }
 * validate: { schemaFile: employee.schema.json }   # or schema: {...}
 * ```
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isSeq, parse, type YAMLMap, type YAMLSeq } from 'yaml';
import { BUILTIN_TRANSFORMS } from './transforms/index.js';
import type { TransformFn, UserTransform, ValueType } from './transforms/types.js';
import { parsePath, type PathSegment } from './path.js';
import { buildField, type FieldSpec } from './fields.js';
import { TargetTree } from './targets.js';
import { jsonSchemaValidator } from './validate.js';
import { modelGaps } from './model-check.js';
import type { ModelRegistry } from './models.js';

/**
 * Options of `loadMapping` / `parseMapping`.
 *
 * @example
 * ```ts
 * const options: LoadOptions = { functions: { vin: (v) => String(v).replace(/\W/g, '') } };
 * ```
 */
export interface LoadOptions {
  /** Named TypeScript transforms usable by name in `transform:`. Must not shadow a built-in. */
  functions?: Readonly<Record<string, UserTransform>>;
  /** Folder for relative `file:` options. Default: the document's folder. */
  baseDir?: string;
  /** Canonical models, for documents that declare `produces: { model, version }`. */
  models?: ModelRegistry;
}

export type { FieldSpec } from './fields.js';

/**
 * A loaded, checked mapping document, ready for `compileMapping`.
 *
 * @example
 * ```ts
 * const doc: MappingDocument = loadMapping('employee.yaml');
 * doc.fields.map((f) => f.target);
 * ```
 */
export interface MappingDocument {
  name: string;
  file: string;
  version: string | undefined;
  produces: string | undefined;
  emptyAsNull: boolean;
  fields: readonly FieldSpec[];
  targets: TargetTree;
  /** JSON Schema the output must satisfy (inline or read from `schemaFile`). */
  schema: Record<string, unknown> | undefined;
  /** The canonical model version it produces (`produces: { model, version }`), checked at load. */
  model?: { name: string; version: number; schema: Record<string, unknown> } | undefined;
}

/**
 * What the resolver needs from the loader.
 *
 * @example
 * ```ts
 * const ctx: ResolveContext = { file, defaultName: 'employee', baseDir, report: (node, key, field, msg) => {}, lineOf: () => 1 };
 * ```
 */
export interface ResolveContext extends LoadOptions {
  file: string;
  defaultName: string;
  baseDir: string;
  report(node: unknown, key: string | undefined, field: string, message: string): void;
  /** 1-based line of a node. */
  lineOf(node: unknown): number;
}

const TOP_KEYS = new Set([
  'name',
  'version',
  'produces',
  'emptyAsNull',
  'fields',
  'validate',
  'description',
]);

/**
 * A transform instantiated for one field: a built-in or a user function.
 *
 * @example
 * ```ts
 * doc.fields[0].steps.map((s: ResolvedTransform) => s.name); // ['trim', 'upper']
 * ```
 */
export interface ResolvedTransform {
  name: string;
  accepts: ValueType | 'any';
  output: ValueType;
  multi: boolean;
  handlesNull: boolean;
  async: boolean;
  fn: TransformFn;
}

/** Compiles the schema once at load so a broken schema is reported with its line. */
function checkSchema(
  schema: Record<string, unknown>,
  node: YAMLMap,
  field: string,
  ctx: ResolveContext,
): Record<string, unknown> | undefined {
  try {
    jsonSchemaValidator(schema);
    return schema;
  } catch (err) {
    ctx.report(node, 'validate', field, `invalid JSON Schema: ${(err as Error).message}`);
    return undefined;
  }
}

function readSchema(js: Record<string, unknown>, node: YAMLMap, ctx: ResolveContext) {
  const v = js['validate'];
  if (v === undefined) return undefined;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.report(
      node,
      'validate',
      'validate',
      'expected { schema: {...} } or { schemaFile: file.json }',
    );
    return undefined;
  }
  const { schema, schemaFile } = v as Record<string, unknown>;
  if (schema !== undefined && typeof schema === 'object' && schema !== null) {
    return checkSchema(schema as Record<string, unknown>, node, 'validate.schema', ctx);
  }
  if (typeof schemaFile === 'string') {
    try {
      const data: unknown = parse(readFileSync(resolve(ctx.baseDir, schemaFile), 'utf8'));
      if (data && typeof data === 'object' && !Array.isArray(data)) {
        return checkSchema(data as Record<string, unknown>, node, 'validate.schemaFile', ctx);
      }
      ctx.report(
        node,
        'validate',
        'validate.schemaFile',
        `${schemaFile} does not hold a JSON Schema object`,
      );
    } catch (err) {
      ctx.report(
        node,
        'validate',
        'validate.schemaFile',
        `cannot read ${schemaFile}: ${(err as Error).message}`,
      );
    }
    return undefined;
  }
  ctx.report(
    node,
    'validate',
    'validate',
    'expected { schema: {...} } or { schemaFile: file.json }',
  );
  return undefined;
}

/**
 * Resolves a parsed YAML document (its node, for positions, and its plain
 * value) into a {@link MappingDocument}, reporting every problem to `ctx`.
 *
 * @example
 * ```ts
 * const doc = resolveDocument(yaml.contents, yaml.toJS(), { file, defaultName: 'employee', baseDir, report });
 * ```
 */
export function resolveDocument(root: unknown, js: unknown, ctx: ResolveContext): MappingDocument {
  for (const name of Object.keys(ctx.functions ?? {})) {
    if (name in BUILTIN_TRANSFORMS) {
      ctx.report(root, undefined, `functions.${name}`, `"${name}" shadows a built-in transform`);
    }
  }
  let fieldsNode: unknown = root;
  let fieldsJs: unknown = js;
  let top: Record<string, unknown> = {};
  if (isMap(root)) {
    top = (js ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(top)) {
      if (!TOP_KEYS.has(key)) {
        ctx.report(root, key, key, `unknown key; allowed: ${[...TOP_KEYS].join(', ')}`);
      }
    }
    fieldsNode = (root as YAMLMap).get('fields', true);
    fieldsJs = top['fields'];
  }
  const fields: FieldSpec[] = [];
  const targets = new TargetTree();
  if (!isSeq(fieldsNode) || !Array.isArray(fieldsJs)) {
    ctx.report(
      isMap(root) ? root : fieldsNode,
      'fields',
      'fields',
      'expected a list of fields: - { source, target, transform }',
    );
  } else {
    const items = (fieldsNode as YAMLSeq).items;
    fieldsJs.forEach((item, i) => {
      const spec = buildField(i, items[i], item, ctx, targets);
      if (spec) fields.push(spec);
    });
  }
  const stringOf = (key: string) =>
    top[key] === undefined || top[key] === null ? undefined : String(top[key]);
  const produces = top['produces'];
  const model =
    produces !== null && typeof produces === 'object'
      ? resolveModel(root, produces as Record<string, unknown>, fields, targets, fieldsNode, ctx)
      : undefined;
  if (top['emptyAsNull'] !== undefined && typeof top['emptyAsNull'] !== 'boolean') {
    ctx.report(root, 'emptyAsNull', 'emptyAsNull', 'expected true or false');
  }
  return {
    name: stringOf('name') ?? ctx.defaultName,
    file: ctx.file,
    version: model ? String(model.version) : stringOf('version'),
    produces: model ? model.name : stringOf('produces'),
    emptyAsNull: top['emptyAsNull'] === true,
    fields,
    targets,
    schema: isMap(root) ? readSchema(top, root as YAMLMap, ctx) : undefined,
    model,
  };
}

/** `produces: { model, version }`: known in the registry, and the output fits its schema. */
function resolveModel(
  root: unknown,
  produces: Record<string, unknown>,
  fields: readonly FieldSpec[],
  targets: TargetTree,
  fieldsNode: unknown,
  ctx: ResolveContext,
): MappingDocument['model'] {
  const node = (root as YAMLMap).get('produces', true);
  const { model: name, version } = produces;
  if (typeof name !== 'string' || !Number.isInteger(version) || (version as number) < 1) {
    ctx.report(root, 'produces', 'produces', 'expected a type name or { model: name, version: n }');
    return undefined;
  }
  const label = `${name} v${version as number}`;
  if (!ctx.models) {
    ctx.report(
      node,
      'model',
      'produces.model',
      `produces ${label}, but no model registry was given (pass { models } to loadMapping or mappingStep)`,
    );
    return undefined;
  }
  const found = ctx.models.get(name, version as number);
  if (!found) {
    const known = ctx.models.versions(name);
    const message = known.length
      ? `model ${name} has no version ${version as number}; known versions: ${known.join(', ')}`
      : `unknown model ${name}; known models: ${[...new Set(ctx.models.list().map((m) => m.name))].join(', ') || '(none)'}`;
    ctx.report(
      node,
      known.length ? 'version' : 'model',
      `produces.${known.length ? 'version' : 'model'}`,
      message,
    );
    return undefined;
  }
  const items = isSeq(fieldsNode) ? (fieldsNode as YAMLSeq).items : [];
  const byIndex = new Map(fields.map((f) => [f.index, f]));
  for (const gap of modelGaps(targets.root, byIndex, found.jsonSchema, label)) {
    if (gap.field) {
      ctx.report(
        items[gap.field.index],
        'target',
        `fields[${gap.field.index}].target`,
        `${gap.path} ${gap.message}`,
      );
    } else {
      ctx.report(node, undefined, 'produces', `${gap.path} ${gap.message}`);
    }
  }
  return { name, version: version as number, schema: found.jsonSchema };
}

/**
 * Parses every path of a source spec (`a.b` or `[a, b]`).
 *
 * @example
 * ```ts
 * parseSources(['mobile', 'contact.phone']); // [{ path: 'mobile', segments: ['mobile'] }, ...]
 * ```
 */
export function parseSources(
  source: unknown,
): Array<{ path: string; segments: PathSegment[] }> | string {
  const list = Array.isArray(source) ? source : [source];
  const out: Array<{ path: string; segments: PathSegment[] }> = [];
  for (const s of list) {
    if (typeof s !== 'string') return 'expected a field path or a list of field paths';
    const segments = parsePath(s);
    if (typeof segments === 'string') return segments;
    out.push({ path: s, segments });
  }
  return out.length === 0 ? 'expected at least one field path' : out;
}
