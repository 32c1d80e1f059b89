/**
 * Remembers every secret value this process has revealed, so free text (an
 * error message a driver built from a connection string, a log line) can be
 * scrubbed before it is written anywhere.
 */

const MIN_LENGTH = 4;
const known = new Set<string>();
let pattern: RegExp | undefined;

/**
 * Adds a value to the set scrubbed by {@link redactText}. Short values are ignored: they would redact ordinary words.
 *
 * @example
 * ```ts
 * rememberSecretValue(token.reveal()); // later log lines cannot contain it
 * ```
 */
export function rememberSecretValue(value: string): void {
  if (value.length < MIN_LENGTH || known.has(value)) return;
  known.add(value);
  pattern = undefined;
}

/**
 * How many distinct secret values are known; for tests and diagnostics.
 *
 * @example
 * ```ts
 * knownSecretCount(); // 0 before any secret was resolved
 * ```
 */
export function knownSecretCount(): number {
  return known.size;
}

/**
 * Replaces every known secret value in `text` with `[redacted]`.
 *
 * @example
 * ```ts
 * redactText(`connect failed: postgres://app:${password}@db`); // 'connect failed: postgres://app:[redacted]@db'
 * ```
 */
export function redactText(text: string): string {
  if (known.size === 0 || text.length < MIN_LENGTH) return text;
  pattern ??= new RegExp(
    [...known]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('|'),
    'g',
  );
  return text.replace(pattern, '[redacted]');
}

/**
 * Deep-copies `value`, scrubbing known secret values from every string.
 * Used on log records, dead letters and error details.
 *
 * @example
 * ```ts
 * redactDeep({ msg: `token ${t.reveal()} rejected` }); // { msg: 'token [redacted] rejected' }
 * ```
 */
export function redactDeep<T>(value: T, depth = 0): T {
  if (known.size === 0) return value;
  if (typeof value === 'string') return redactText(value) as T;
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1)) as T;
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) } as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1);
  return out as T;
}
