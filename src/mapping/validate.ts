/**
 * Validation at the boundary: a JSON Schema compiled once with ajv (with
 * formats), or a zod schema. A validator returns the first problem of a
 * record, shaped like a mapping failure so both land in the reject ledger.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { z } from 'zod';
import type { JsonValue } from '../core/json-safe.js';
import { formatPath } from './path.js';

/**
 * A record's first validation problem.
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { fieldPath: 'email', rule: 'schema:format', message: 'must match format "email"', value: 'x' };
 * ```
 */
export interface ValidationIssue {
  fieldPath: string;
  rule: string;
  message: string;
  value: unknown;
}

/**
 * Checks one record; `undefined` means valid.
 *
 * @example
 * ```ts
 * const v: Validator = (r) => (r && typeof r === 'object' ? undefined : { fieldPath: '', rule: 'object', message: 'not an object', value: r });
 * ```
 */
export type Validator = (record: unknown) => ValidationIssue | undefined;

// ajv and ajv-formats are CommonJS; createRequire sidesteps their default-export interop.
const require = createRequire(import.meta.url);
type AjvCtor = new (opts: Record<string, unknown>) => {
  compile(schema: object): ValidateFunction;
};
let ajv: InstanceType<AjvCtor> | undefined;

function sharedAjv(): InstanceType<AjvCtor> {
  if (!ajv) {
    const mod = require('ajv') as AjvCtor & { default?: AjvCtor };
    const Ajv = mod.default ?? mod;
    const formats = require('ajv-formats') as ((a: unknown) => void) & {
      default?: (a: unknown) => void;
    };
    ajv = new Ajv({ allErrors: false, strict: false });
    (formats.default ?? formats)(ajv);
  }
  return ajv;
}

function pointerToPath(pointer: string): string {
  const segs = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return formatPath(segs);
}

function valueAt(record: unknown, pointer: string): unknown {
  let v = record;
  for (const s of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

/**
 * Compiles a JSON Schema once into a {@link Validator}. Throws a `config`
 * error at compile time when the schema itself is invalid.
 *
 * @example
 * ```ts
 * const check = jsonSchemaValidator({ type: 'object', required: ['id'], properties: { email: { type: 'string', format: 'email' } } });
 * check({ id: 1, email: 'nope' }); // { fieldPath: 'email', rule: 'schema:format', ... }
 * ```
 */
export function jsonSchemaValidator(schema: object): Validator {
  const validate = sharedAjv().compile(schema);
  return (record) => {
    if (validate(record)) return undefined;
    const e = validate.errors?.[0] as ErrorObject;
    let pointer = e.instancePath;
    if (e.keyword === 'required') {
      pointer += `/${String((e.params as { missingProperty: string }).missingProperty)}`;
    }
    return {
      fieldPath: pointerToPath(pointer),
      rule: `schema:${e.keyword}`,
      message: e.message ?? `fails ${e.keyword}`,
      value: valueAt(record, pointer) as JsonValue,
    };
  };
}

/**
 * Wraps a zod schema as a {@link Validator} (the first issue wins).
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * const check = zodValidator(z.object({ amount: z.string().regex(/^-?\d+\.\d{2}$/) }));
 * ```
 */
export function zodValidator(schema: z.ZodType): Validator {
  return (record) => {
    const result = schema.safeParse(record);
    if (result.success) return undefined;
    const issue = result.error.issues[0];
    const segs = (issue?.path ?? []).map((s) => (typeof s === 'number' ? s : String(s)));
    let value: unknown = record;
    for (const s of segs)
      value =
        value && typeof value === 'object' ? (value as Record<string, unknown>)[s] : undefined;
    return {
      fieldPath: formatPath(segs),
      rule: `zod:${issue?.code ?? 'invalid'}`,
      message: issue?.message ?? 'invalid',
      value,
    };
  };
}

/**
 * What `mappingStep`'s `validate` option accepts: a JSON Schema object, a zod
 * schema, or a validator function.
 *
 * @example
 * ```ts
 * const spec: ValidateSpec = { type: 'object', required: ['id'] };
 * ```
 */
export type ValidateSpec = object | z.ZodType | Validator;

/**
 * Turns a {@link ValidateSpec} into a compiled {@link Validator}.
 *
 * @example
 * ```ts
 * const check = toValidator(z.object({ id: z.string() }));
 * ```
 */
export function toValidator(spec: ValidateSpec): Validator {
  if (typeof spec === 'function') return spec as Validator;
  if (typeof (spec as { safeParse?: unknown }).safeParse === 'function') {
    return zodValidator(spec as z.ZodType);
  }
  return jsonSchemaValidator(spec);
}
