/**
 * File-name globs for the drop folder. Patterns match names inside one
 * folder (no `/`, no recursion), which is all a drop needs; a 40-line
 * matcher keeps a dependency out of the package.
 */

const SPECIAL = /[.+^$()|\\]/;

function translate(pattern: string): string {
  let out = '';
  let inClass = false;
  let braces = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (inClass) {
      if (c === ']') inClass = false;
      out += c === '\\' ? '\\\\' : c;
      continue;
    }
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      inClass = true;
      out += '[';
      if (pattern[i + 1] === '!') {
        out += '^';
        i++;
      }
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += SPECIAL.test(c) || c === '{' || c === '}' ? `\\${c}` : c;
  }
  return out;
}

/**
 * Compiles glob patterns into one predicate on file names. Dot-files never
 * match: producers write temporary files as `.name` before renaming them.
 *
 * @example
 * ```ts
 * const match = globMatcher(['MATMAS_*.csv', '*.{tsv,txt}']);
 * match('MATMAS_20261117.csv'); // true
 * match('.MATMAS_20261117.csv'); // false
 * ```
 */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  const res = patterns.map((p) => new RegExp(`^${translate(p)}$`));
  return (name) => !name.startsWith('.') && res.some((re) => re.test(name));
}
