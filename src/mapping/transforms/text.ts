/**
 * Text transforms: string, trim/upper/lower, empty-null, id (leading zeros
 * survive), boolean, enum, split, concat, coalesce, template.
 */
import { compileGetter, parsePath } from '../path.js';
import { FieldFailure, OptionError, show, type TransformDef } from './types.js';

function text(rule: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  throw new FieldFailure(rule, `expected text, got ${show(value)}`);
}

const isBlank = (v: unknown) => v === null || v === undefined || v === '';

const TRUE = new Set(['true', 'yes', 'y', '1', 'x', 'on', 't', 'j', 'ja']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'f', 'nein']);

/**
 * The text transforms by name.
 *
 * @example
 * ```ts
 * Object.keys(TEXT_TRANSFORMS); // ['string', 'trim', 'upper', ...]
 * ```
 */
export const TEXT_TRANSFORMS: Record<string, TransformDef> = {
  string: { accepts: 'any', output: 'string', create: () => (v) => text('string', v) },
  trim: { accepts: 'string', output: 'string', create: () => (v) => text('trim', v).trim() },
  upper: {
    accepts: 'string',
    output: 'string',
    create: () => (v) => text('upper', v).toUpperCase(),
  },
  lower: {
    accepts: 'string',
    output: 'string',
    create: () => (v) => text('lower', v).toLowerCase(),
  },
  'empty-null': {
    accepts: 'any',
    output: 'unknown',
    create: () => (v) => (typeof v === 'string' && v.trim() === '' ? null : v),
  },
  id: {
    accepts: 'any',
    output: 'string',
    create(opts) {
      // Never a number: "00042" must stay "00042". `width` pads SAP-style keys.
      const width = opts.integer('width', 1, 64);
      return (v) => {
        if (typeof v === 'number' && !Number.isSafeInteger(v)) {
          throw new FieldFailure('id', `${v} cannot be an id exactly (send ids as text)`);
        }
        const s = text('id', v).trim();
        if (width !== undefined && s.length > width) {
          throw new FieldFailure('id', `${show(s)} is longer than ${width} characters`);
        }
        return width === undefined ? s : s.padStart(width, '0');
      };
    },
  },
  boolean: {
    accepts: 'any',
    output: 'boolean',
    create: () => (v) => {
      if (typeof v === 'boolean') return v;
      const s = text('boolean', v).trim().toLowerCase();
      if (TRUE.has(s)) return true;
      if (FALSE.has(s)) return false;
      throw new FieldFailure('boolean', `${show(v)} is not a yes/no value`);
    },
  },
  enum: {
    accepts: 'any',
    output: (opts) =>
      Object.values(opts.record('map') ?? {}).every((x) => typeof x === 'string')
        ? 'string'
        : 'unknown',
    create(opts) {
      const table = opts.record('map');
      if (!table) throw new OptionError('map', 'enum needs a map: { A: active, I: inactive }');
      const map = new Map(Object.entries(table));
      const hasOtherwise = opts.has('otherwise');
      const otherwise = opts.raw('otherwise');
      return (v) => {
        const key = text('enum', v);
        if (map.has(key)) return map.get(key);
        if (hasOtherwise) return otherwise;
        throw new FieldFailure('enum', `${show(v)} is not one of ${[...map.keys()].join(', ')}`);
      };
    },
  },
  split: {
    accepts: 'string',
    output: 'string[]',
    create(opts) {
      const sep = opts.string('separator') ?? ',';
      return (v) =>
        text('split', v)
          .split(sep)
          .map((s) => s.trim())
          .filter((s) => s !== '');
    },
  },
  concat: {
    accepts: 'any',
    output: 'string',
    multi: true,
    handlesNull: true,
    create(opts) {
      const sep = opts.string('separator') ?? '';
      return (v) => {
        const parts = (v as unknown[]).filter((x) => !isBlank(x)).map((x) => text('concat', x));
        return parts.length === 0 ? null : parts.join(sep);
      };
    },
  },
  coalesce: {
    accepts: 'any',
    output: 'unknown',
    multi: true,
    handlesNull: true,
    create: () => (v) => (v as unknown[]).find((x) => !isBlank(x)) ?? null,
  },
  template: {
    accepts: 'any',
    output: 'string',
    handlesNull: true,
    create(opts) {
      const source = opts.string('template');
      if (source === undefined) throw new OptionError('template', 'template needs a template');
      // Split once at load into literal text and getters.
      const parts: Array<string | ((r: unknown) => unknown)> = [];
      let last = 0;
      for (const m of source.matchAll(/\{([^{}]+)\}/g)) {
        parts.push(source.slice(last, m.index));
        const path = parsePath((m[1] as string).trim());
        if (typeof path === 'string') throw new OptionError('template', path);
        parts.push(compileGetter(path));
        last = m.index + m[0].length;
      }
      parts.push(source.slice(last));
      return (_v, env) => {
        let out = '';
        let filled = false;
        for (const p of parts) {
          if (typeof p === 'string') {
            out += p;
            continue;
          }
          const x = p(env.record);
          if (!isBlank(x)) {
            out += text('template', x);
            filled = true;
          }
        }
        return filled ? out.replace(/\s{2,}/g, ' ').trim() : null;
      };
    },
  },
};
