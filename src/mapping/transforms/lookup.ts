/**
 * Lookups: an inline table, a JSON/YAML table file next to the document
 * (read once at load), or a crosswalk in the store (id in one system → id in
 * another). A miss rejects the record unless `onMiss` says `null` or `keep`;
 * crosswalks also take `park` (reject until the entry exists, then retry) and
 * `create` (mint a canonical id, a UUID, and store it once: the first writer
 * wins, also across processes).
 *
 * A crosswalk is named `crosswalk: { system: sap, entity: customer }` (the
 * external id → canonical id table of one system and entity, namespace
 * `sap:customer`) or by its namespace string.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { FieldFailure, OptionError, show, type OptionReader, type TransformDef } from './types.js';

const PART = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** `crosswalk:` as a namespace string or `{ system, entity }`. */
function namespaceOf(opts: OptionReader): string | undefined {
  const v = opts.raw('crosswalk');
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  const r = opts.record('crosswalk') ?? {};
  const { system, entity } = r;
  const extra = Object.keys(r).filter((k) => k !== 'system' && k !== 'entity');
  if (typeof system !== 'string' || typeof entity !== 'string' || extra.length > 0) {
    throw new OptionError('crosswalk', 'expected { system: name, entity: name } or a namespace');
  }
  if (!PART.test(system) || !PART.test(entity)) {
    throw new OptionError('crosswalk', 'system and entity: letters, digits, _ . -');
  }
  return `${system}:${entity}`;
}

type OnMiss = 'reject' | 'park' | 'null' | 'keep' | 'create';

function onMissOf(opts: OptionReader, crosswalk: boolean): OnMiss {
  const v = opts.string('onMiss') ?? 'reject';
  const allowed = crosswalk
    ? ['reject', 'park', 'null', 'keep', 'create']
    : ['reject', 'null', 'keep'];
  if (!allowed.includes(v)) throw new OptionError('onMiss', `onMiss must be ${allowed.join(', ')}`);
  return v as OnMiss;
}

function tableOf(opts: OptionReader): Map<string, unknown> | undefined {
  const inline = opts.record('table');
  const file = opts.string('file');
  if (inline && file) throw new OptionError('file', 'give a table or a file, not both');
  if (inline) return new Map(Object.entries(inline));
  if (file === undefined) return undefined;
  let data: unknown;
  try {
    data = parse(readFileSync(resolve(opts.baseDir, file), 'utf8'));
  } catch (err) {
    throw new OptionError('file', `cannot read lookup table ${file}: ${(err as Error).message}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new OptionError('file', `lookup table ${file} must hold one object of key: value`);
  }
  return new Map(Object.entries(data));
}

function miss(onMiss: OnMiss, v: unknown, where: string): unknown {
  if (onMiss === 'null') return null;
  if (onMiss === 'keep') return v;
  // `park` is a reject by another name: the ledger is where a record waits
  // for its crosswalk entry, and `patchbay rejects retry` re-drives it.
  const parked = onMiss === 'park' ? ' (parked until the crosswalk has it)' : '';
  throw new FieldFailure('lookup', `${show(v)} is not in ${where}${parked}`);
}

function keyOf(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new FieldFailure('lookup', `${show(v)} cannot be looked up`);
}

/**
 * The lookup transform (`table`, `file` or `crosswalk`, with `onMiss`).
 *
 * @example
 * ```ts
 * LOOKUP_TRANSFORMS.lookup.async; // true only for crosswalk lookups
 * ```
 */
export const LOOKUP_TRANSFORMS: Record<string, TransformDef> = {
  lookup: {
    accepts: 'any',
    output: 'unknown',
    async: (opts) => opts.has('crosswalk'),
    create(opts) {
      const namespace = namespaceOf(opts);
      const onMiss = onMissOf(opts, namespace !== undefined);
      const table = tableOf(opts);
      if (namespace !== undefined && table) {
        throw new OptionError('crosswalk', 'give a crosswalk or a table, not both');
      }
      if (table) {
        const where = opts.string('file') ?? 'the lookup table';
        return (v) => {
          const key = keyOf(v);
          return table.has(key) ? table.get(key) : miss(onMiss, v, where);
        };
      }
      if (namespace === undefined) {
        throw new OptionError('table', 'lookup needs a table, a file or a crosswalk namespace');
      }
      // Creations in flight, so two records of one batch with a new id share one canonical id.
      const creating = new Map<string, Promise<string>>();
      return async (v, env) => {
        const key = keyOf(v);
        const crosswalk = env.crosswalk;
        if (!crosswalk) {
          throw new FieldFailure(
            'lookup',
            `no store to look up ${show(v)} in crosswalk ${namespace}`,
          );
        }
        const found = await crosswalk.lookup(namespace, key);
        if (found !== undefined) return found;
        if (onMiss !== 'create') return miss(onMiss, v, `crosswalk ${namespace}`);
        let pending = creating.get(key);
        if (!pending) {
          // The first writer wins: another process minting at the same time gets the same id.
          pending = crosswalk
            .putIfAbsent(namespace, key, randomUUID())
            .finally(() => creating.delete(key));
          creating.set(key, pending);
        }
        return pending;
      };
    },
  },
};
