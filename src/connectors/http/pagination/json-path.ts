/**
 * The small JSON path every HTTP config uses: dotted names and `[n]`
 * indices, an optional leading `$.` (`$.meta.next`, `data.items[0].id`).
 */

/**
 * Reads a value at a path; `undefined` when any step is missing. An empty
 * path or `$` is the value itself.
 *
 * @example
 * ```ts
 * getPath({ meta: { next: 'abc' } }, '$.meta.next'); // 'abc'
 * getPath({ items: [{ id: 7 }] }, 'items[0].id');     // 7
 * ```
 */
export function getPath(value: unknown, path: string): unknown {
  const steps = parsePath(path);
  let current: unknown = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

/**
 * Splits a path into property names and array indices.
 *
 * @example
 * ```ts
 * parsePath('$.data[2].id'); // ['data', 2, 'id']
 * ```
 */
export function parsePath(path: string): Array<string | number> {
  const trimmed = path.trim().replace(/^\$\.?/, '');
  if (trimmed === '') return [];
  const steps: Array<string | number> = [];
  for (const part of trimmed.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      steps.push(part);
      continue;
    }
    if (m[1]) steps.push(m[1]);
    for (const idx of m[2]?.match(/\d+/g) ?? []) steps.push(Number(idx));
  }
  return steps;
}
