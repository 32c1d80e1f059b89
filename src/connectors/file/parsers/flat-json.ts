/**
 * A fast path for the common JSON Lines record: one flat object. V8's
 * `JSON.parse` internalizes every string value of up to 10 characters, and
 * internalized strings are allocated in the old generation: on a large file
 * of short values (dates, ids, amounts) that fills the old space with dead
 * strings between mark-compacts, ~65 bytes per record and most of the
 * `memory.stream.1gb` excess. Values cut from the line with `slice` stay in
 * the young generation and die there.
 *
 * Anything this scanner does not handle — nested values, escaped keys, the
 * key `__proto__`, any syntax error — yields `undefined`, and the caller
 * parses the line with `JSON.parse` instead, so results and error messages
 * are exactly `JSON.parse`'s.
 */

const QUOTE = 34;
const BACKSLASH = 92;

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 13 || c === 10;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Parses a line holding one flat JSON object (string, number, boolean and
 * null values). `keys` is a cache kept by the caller between lines: a key
 * equal to the previous line's key at the same position is reused, not cut
 * again.
 *
 * @returns the object, or `undefined` when the line needs `JSON.parse`
 * @example
 * ```ts
 * const keys: string[] = [];
 * const rec = parseFlatObject('{"id":"42","qty":1.5}', keys) ?? JSON.parse(line);
 * ```
 */
export function parseFlatObject(s: string, keys: string[]): Record<string, unknown> | undefined {
  const n = s.length;
  let i = 0;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  if (s.charCodeAt(i) !== 123) return undefined;
  i++;
  while (i < n && isWs(s.charCodeAt(i))) i++;
  const out: Record<string, unknown> = {};
  if (s.charCodeAt(i) === 125) {
    i++;
  } else {
    for (let k = 0; ; k++) {
      if (s.charCodeAt(i) !== QUOTE) return undefined;
      i++;
      let key = keys[k];
      if (key !== undefined && s.startsWith(key, i) && s.charCodeAt(i + key.length) === QUOTE) {
        i += key.length + 1;
      } else {
        const start = i;
        for (;;) {
          if (i >= n) return undefined;
          const c = s.charCodeAt(i);
          if (c === QUOTE) break;
          if (c === BACKSLASH || c < 32) return undefined;
          i++;
        }
        key = s.slice(start, i);
        // Assigning `__proto__` would set the prototype; JSON.parse makes it an own property.
        if (key === '__proto__') return undefined;
        keys[k] = key;
        i++;
      }
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) !== 58) return undefined;
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      const c = s.charCodeAt(i);
      let value: unknown;
      if (c === QUOTE) {
        const start = i + 1;
        let escaped = false;
        for (i = start; ; i++) {
          if (i >= n) return undefined;
          const d = s.charCodeAt(i);
          if (d === QUOTE) break;
          if (d < 32) return undefined;
          if (d === BACKSLASH) {
            escaped = true;
            i++;
          }
        }
        if (escaped) {
          // A string with escapes is not internalized by JSON.parse; a bad escape throws here.
          try {
            value = JSON.parse(s.slice(start - 1, i + 1)) as string;
          } catch {
            return undefined;
          }
        } else {
          value = s.slice(start, i);
        }
        i++;
      } else if (c === 116 && s.startsWith('true', i)) {
        value = true;
        i += 4;
      } else if (c === 102 && s.startsWith('false', i)) {
        value = false;
        i += 5;
      } else if (c === 110 && s.startsWith('null', i)) {
        value = null;
        i += 4;
      } else {
        const start = i;
        i = numberEnd(s, i);
        if (i < 0) return undefined;
        // Number() of text in JSON number grammar rounds exactly as JSON.parse does.
        value = Number(s.slice(start, i));
      }
      out[key] = value;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      const sep = s.charCodeAt(i++);
      if (sep === 125) break;
      if (sep !== 44) return undefined;
      while (i < n && isWs(s.charCodeAt(i))) i++;
    }
  }
  while (i < n && isWs(s.charCodeAt(i))) i++;
  return i === n ? out : undefined;
}

/** The end of a JSON number starting at `i`, or -1 when the text there is not one. */
function numberEnd(s: string, i: number): number {
  if (s.charCodeAt(i) === 45) i++;
  const d0 = s.charCodeAt(i);
  if (d0 === 48) i++;
  else if (d0 >= 49 && d0 <= 57) while (isDigit(s.charCodeAt(i))) i++;
  else return -1;
  if (s.charCodeAt(i) === 46) {
    i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  const e = s.charCodeAt(i);
  if (e === 101 || e === 69) {
    i++;
    const sign = s.charCodeAt(i);
    if (sign === 43 || sign === 45) i++;
    if (!isDigit(s.charCodeAt(i))) return -1;
    while (isDigit(s.charCodeAt(i))) i++;
  }
  return i;
}
