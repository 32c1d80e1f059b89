/**
 * Field paths (`customer.address.city`, `phone_numbers[0].value`): parsed once
 * at load, then turned into specialised getters so a row never re-parses a path.
 */

/**
 * One step of a path: an object key or an array index.
 *
 * @example
 * ```ts
 * const segs: PathSegment[] = ['phones', 0, 'value'];
 * ```
 */
export type PathSegment = string | number;

/** Keys that would reach an object's prototype: refused, so a mapping can never pollute it. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses a path; returns an error message instead of segments when it is malformed.
 *
 * @example
 * ```ts
 * parsePath('phone_numbers[0].value'); // ['phone_numbers', 0, 'value']
 * parsePath('a..b'); // 'empty segment in "a..b"'
 * ```
 */
export function parsePath(path: string): PathSegment[] | string {
  if (typeof path !== 'string' || path.trim() === '') return 'a path must be a non-empty string';
  const segments: PathSegment[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|(\.)|(.)/gy;
  let expectKey = true;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) {
      if (!expectKey) return `expected "." or "[" before "${m[1]}" in "${path}"`;
      const key = m[1].trim();
      if (key === '') return `empty segment in "${path}"`;
      if (FORBIDDEN.has(key)) return `"${key}" is not allowed in a path`;
      segments.push(key);
      expectKey = false;
    } else if (m[2] !== undefined) {
      if (segments.length === 0) return `"${path}" must start with a field name`;
      const index = Number(m[2]);
      if (!Number.isSafeInteger(index) || index > 10_000) return `index too large in "${path}"`;
      segments.push(index);
      expectKey = false;
    } else if (m[3] !== undefined) {
      if (expectKey) return `empty segment in "${path}"`;
      expectKey = true;
    } else {
      return `unexpected "${m[4]}" in "${path}" (indexes are written [0], [1], ...)`;
    }
  }
  if (expectKey) return `"${path}" ends with "."`;
  return segments;
}

/**
 * Formats segments back into a path.
 *
 * @example
 * ```ts
 * formatPath(['phone_numbers', 0, 'value']); // 'phone_numbers[0].value'
 * ```
 */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

/**
 * Reads one value out of a record.
 *
 * @example
 * ```ts
 * const get: Getter = compileGetter(['a', 'b']);
 * ```
 */
export type Getter = (record: unknown) => unknown;

function step(value: unknown, key: PathSegment): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  // Own properties only: an input key never resolves to something inherited.
  return Object.prototype.hasOwnProperty.call(value, key)
    ? (value as Record<PathSegment, unknown>)[key]
    : undefined;
}

/**
 * Builds a getter specialised for the path's length (the common short paths
 * need no loop).
 *
 * @example
 * ```ts
 * const get = compileGetter(['customer', 'id']);
 * get({ customer: { id: '007' } }); // '007'
 * ```
 */
export function compileGetter(segments: readonly PathSegment[]): Getter {
  const [a, b, c] = segments;
  switch (segments.length) {
    case 1:
      return (r) => step(r, a as PathSegment);
    case 2:
      return (r) => step(step(r, a as PathSegment), b as PathSegment);
    case 3:
      return (r) => step(step(step(r, a as PathSegment), b as PathSegment), c as PathSegment);
    default:
      return (r) => {
        let v = r;
        for (const s of segments) v = step(v, s);
        return v;
      };
  }
}

/**
 * Writes `value` at `segments` inside `target`, creating objects and arrays
 * on the way; used for masking copies of raw input, not on the hot path.
 *
 * @example
 * ```ts
 * const o = {}; setPath(o, ['a', 0, 'b'], 1); // { a: [{ b: 1 }] }
 * ```
 */
export function setPath(
  target: Record<string, unknown>,
  segments: readonly PathSegment[],
  value: unknown,
): void {
  let node: Record<PathSegment, unknown> = target;
  for (let i = 0; i < segments.length - 1; i++) {
    const key = segments[i] as PathSegment;
    let next = node[key];
    if (next === null || typeof next !== 'object') {
      next = typeof segments[i + 1] === 'number' ? [] : {};
      node[key] = next;
    }
    node = next as Record<PathSegment, unknown>;
  }
  node[segments[segments.length - 1] as PathSegment] = value;
}
