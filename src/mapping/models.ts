/**
 * Canonical models: named, versioned schemas (JSON Schema or zod) that
 * mappings declare they produce (`produces: { model: shipment, version: 2 }`).
 * A registry is built in code or read from a folder of schema files, and
 * handed to `loadMapping` / `mappingStep` as `models`; nothing registers
 * itself globally.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { PatchbayError } from '../core/errors.js';

/**
 * One version of a canonical model.
 *
 * @example
 * ```ts
 * const shipmentV2: CanonicalModel = {
 *   name: 'shipment', version: 2,
 *   schema: { type: 'object', required: ['id', 'weight_kg'], properties: { id: { type: 'string' }, weight_kg: { type: 'string' } } },
 * };
 * ```
 */
export interface CanonicalModel {
  name: string;
  /** A positive integer; a new version is a new entry, never an edit. */
  version: number;
  /** JSON Schema object, or a zod schema (converted with `z.toJSONSchema`). */
  schema: Record<string, unknown> | z.ZodType;
  description?: string | undefined;
}

/**
 * A registered model version with its JSON Schema.
 *
 * @example
 * ```ts
 * const m: RegisteredModel | undefined = models.get('shipment', 2);
 * m?.jsonSchema.required; // ['id', 'weight_kg']
 * ```
 */
export interface RegisteredModel {
  name: string;
  version: number;
  jsonSchema: Record<string, unknown>;
  description: string | undefined;
}

const NAME = /^[a-z][a-z0-9_-]*$/;

function modelError(message: string, details: Record<string, string | number> = {}) {
  return new PatchbayError('config', message, { code: 'MODEL_INVALID', details });
}

/**
 * The canonical models of a project, by name and version.
 *
 * @example
 * ```ts
 * import { ModelRegistry, loadMapping } from 'patchbay/mapping';
 * const models = new ModelRegistry([{ name: 'shipment', version: 2, schema: shipmentV2 }]);
 * const doc = loadMapping('mappings/carrier-shipment.yaml', { models });
 * ```
 */
export class ModelRegistry {
  readonly #models = new Map<string, Map<number, RegisteredModel>>();

  constructor(models: Iterable<CanonicalModel> = []) {
    for (const m of models) this.register(m);
  }

  /** Adds a model version; a second registration of the same name and version is an error. */
  register(model: CanonicalModel): this {
    if (!NAME.test(model.name)) {
      throw modelError(`model name "${model.name}" must be lower-case letters, digits, - and _`);
    }
    if (!Number.isInteger(model.version) || model.version < 1) {
      throw modelError(`model ${model.name}: version must be a positive integer`);
    }
    let versions = this.#models.get(model.name);
    if (!versions) this.#models.set(model.name, (versions = new Map()));
    if (versions.has(model.version)) {
      throw modelError(`model ${model.name} version ${model.version} is registered twice`);
    }
    const jsonSchema =
      model.schema instanceof z.ZodType
        ? (z.toJSONSchema(model.schema, { io: 'output', target: 'draft-7' }) as Record<
            string,
            unknown
          >)
        : model.schema;
    versions.set(model.version, {
      name: model.name,
      version: model.version,
      jsonSchema,
      description: model.description,
    });
    return this;
  }

  /** The model version, or undefined when it is not registered. */
  get(name: string, version: number): RegisteredModel | undefined {
    return this.#models.get(name)?.get(version);
  }

  /** Registered versions of a model, ascending (empty when unknown). */
  versions(name: string): number[] {
    return [...(this.#models.get(name)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Every registered model version, by name then version. */
  list(): RegisteredModel[] {
    return [...this.#models.keys()]
      .sort()
      .flatMap((name) => this.versions(name).map((v) => this.get(name, v) as RegisteredModel));
  }
}

/**
 * Reads a folder of model schemas named `<name>.v<version>.json` (or
 * `.yaml`/`.yml`); other files are ignored.
 *
 * @example
 * ```ts
 * const models = loadModels('models'); // models/shipment.v1.json, models/shipment.v2.json
 * ```
 */
export function loadModels(dir: string): ModelRegistry {
  const registry = new ModelRegistry();
  for (const file of readdirSync(dir).sort()) {
    const m = /^([a-z][a-z0-9_-]*)\.v(\d+)\.(json|ya?ml)$/.exec(file);
    if (!m) continue;
    let schema: unknown;
    try {
      schema = parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      throw modelError(`cannot read model ${file}: ${(err as Error).message}`, { file });
    }
    if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) {
      throw modelError(`model ${file} must hold one JSON Schema object`, { file });
    }
    registry.register({
      name: m[1] as string,
      version: Number(m[2]),
      schema: schema as Record<string, unknown>,
    });
  }
  return registry;
}
