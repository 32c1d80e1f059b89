/**
 * Does a mapping's output type satisfy a canonical model's JSON Schema?
 * Checked at load, from the target tree and each field's type (the same
 * facts `patchbay mapping types` prints): required properties must be set
 * and never null, types must agree, `additionalProperties: false` refuses
 * extra targets. Fields typed `unknown` pass (their values are checked per
 * record by the schema validation the model adds).
 */
import type { FieldSpec } from './fields.js';
import type { TargetNode } from './targets.js';

/**
 * One way the output does not fit the model: the field (when one is to
 * blame, for its line) and the message.
 *
 * @example
 * ```ts
 * const gap: ModelGap = { field: undefined, path: 'weight_kg', message: 'required by shipment v2 but never set' };
 * ```
 */
export interface ModelGap {
  field: FieldSpec | undefined;
  path: string;
  message: string;
}

type Schema = Record<string, unknown>;

function typesOf(schema: Schema): Set<string> | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return new Set([t]);
  if (Array.isArray(t)) return new Set(t.map(String));
  if (schema['nullable'] === true) return undefined;
  return undefined;
}

const join = (path: string, key: string | number) =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

function firstField(node: TargetNode, fields: Map<number, FieldSpec>): FieldSpec | undefined {
  return fields.get(node.kind === 'leaf' ? node.field : node.firstField);
}

function nullable(f: FieldSpec): boolean {
  return !(f.required || (f.hasDefault && f.default !== null));
}

function leafGaps(f: FieldSpec, path: string, schema: Schema, model: string): ModelGap[] {
  const types = typesOf(schema);
  if (!types || f.type === 'unknown') return [];
  const gaps: ModelGap[] = [];
  const want = [...types].join(' | ');
  const fits =
    f.type === 'string[]'
      ? types.has('array')
      : types.has(f.type) || (f.type === 'number' && types.has('integer'));
  if (!fits) gaps.push({ field: f, path, message: `is ${f.type} but ${model} expects ${want}` });
  else if (f.type === 'string[]') {
    const items = schema['items'];
    const itemTypes = items && typeof items === 'object' ? typesOf(items as Schema) : undefined;
    if (itemTypes && !itemTypes.has('string')) {
      gaps.push({
        field: f,
        path,
        message: `is string[] but ${model} expects items of ${[...itemTypes].join(' | ')}`,
      });
    }
  }
  if (nullable(f) && !types.has('null')) {
    gaps.push({
      field: f,
      path,
      message: `may be null (not required, no default) but ${model} expects ${want}; add required: true, a default, or allow null in the model`,
    });
  }
  return gaps;
}

/**
 * Compares an output tree with a JSON Schema; `model` names it in messages
 * (e.g. `shipment v2`).
 *
 * @example
 * ```ts
 * const gaps = modelGaps(doc.targets.root, new Map(doc.fields.map((f) => [f.index, f])), schema, 'shipment v2');
 * ```
 */
export function modelGaps(
  node: TargetNode,
  fields: Map<number, FieldSpec>,
  schema: Schema,
  model: string,
  path = '',
): ModelGap[] {
  if (node.kind === 'leaf') {
    const f = fields.get(node.field);
    return f ? leafGaps(f, path, schema, model) : [];
  }
  const types = typesOf(schema);
  const here = path || '(record)';
  if (types && !types.has(node.kind)) {
    return [
      {
        field: firstField(node, fields),
        path: here,
        message: `is an ${node.kind} but ${model} expects ${[...types].join(' | ')}`,
      },
    ];
  }
  const gaps: ModelGap[] = [];
  if (node.kind === 'array') {
    const items = schema['items'];
    if (items && typeof items === 'object' && !Array.isArray(items)) {
      for (const [i, child] of node.children) {
        gaps.push(...modelGaps(child, fields, items as Schema, model, join(path, i)));
      }
    }
    return gaps;
  }
  const props = (schema['properties'] ?? {}) as Record<string, Schema>;
  const closed = schema['additionalProperties'] === false;
  for (const [key, child] of node.children) {
    const prop = Object.hasOwn(props, key) ? props[key] : undefined;
    if (prop && typeof prop === 'object') {
      gaps.push(...modelGaps(child, fields, prop, model, join(path, key)));
    } else if (closed) {
      gaps.push({
        field: firstField(child, fields),
        path: join(path, key),
        message: `is not a property of ${model} (additionalProperties: false)`,
      });
    }
  }
  const required = Array.isArray(schema['required']) ? (schema['required'] as string[]) : [];
  for (const key of required) {
    if (!node.children.has(key)) {
      gaps.push({
        field: undefined,
        path: join(path, key),
        message: `is required by ${model} but no field sets it`,
      });
    }
  }
  return gaps;
}
