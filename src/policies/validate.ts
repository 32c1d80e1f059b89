/**
 * Small, hand-written option readers. Each one names the offending field in
 * a `config` {@link PatchbayError}, e.g.
 * `gps-positions: policies.retry.maxDelay: expected a duration ≥ policies.retry.baseDelay (1000 ms)`.
 * Hand validation (rather than zod) keeps messages precise and construction cheap.
 */
import { ERROR_KINDS, configError, type ErrorKind } from '../core/errors.js';
import { parseDuration, type Duration } from '../core/duration.js';

/** Where an option lives, for error messages: subject and dotted field prefix. */
export interface OptionPath {
  /** The integration or pool name, e.g. `gps-positions`. */
  subject: string;
  /** The dotted prefix, e.g. `policies.retry`. */
  prefix: string;
}

/** `prefix.field`, or just `field` when there is no prefix. */
export function fieldName(path: OptionPath, field: string): string {
  return path.prefix ? `${path.prefix}.${field}` : field;
}

/** Reads an options object: `undefined` → `{}`; anything but a plain object → config error. */
export function readObject(
  value: unknown,
  path: OptionPath,
  allowed: readonly string[],
): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw configError(path.subject, path.prefix || 'options', 'an options object');
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key) && obj[key] !== undefined) {
      throw configError(
        path.subject,
        fieldName(path, key),
        `no such option (allowed: ${allowed.join(', ')})`,
      );
    }
  }
  return obj;
}

/** Reads a duration (`number | "30s"`) in milliseconds; `positive` rejects zero. */
export function readDuration(
  obj: Record<string, unknown>,
  key: string,
  fallback: Duration,
  path: OptionPath,
  opts: { positive?: boolean } = {},
): number {
  const field = fieldName(path, key);
  const ms = parseDuration((obj[key] ?? fallback) as Duration, field, path.subject);
  if (opts.positive && ms <= 0) throw configError(path.subject, field, 'a duration > 0');
  return ms;
}

/** Reads a finite number within bounds (inclusive); `integer` rejects fractions. */
export function readNumber(
  obj: Record<string, unknown>,
  key: string,
  fallback: number,
  path: OptionPath,
  bounds: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number {
  const raw = obj[key] ?? fallback;
  const { min = -Infinity, max = Infinity, integer = false, exclusiveMin = false } = bounds;
  const ok =
    typeof raw === 'number' &&
    Number.isFinite(raw) &&
    (exclusiveMin ? raw > min : raw >= min) &&
    raw <= max &&
    (!integer || Number.isInteger(raw));
  if (!ok) {
    const range = [
      Number.isFinite(min) ? `${exclusiveMin ? '>' : '≥'} ${min}` : '',
      Number.isFinite(max) ? `≤ ${max}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    throw configError(
      path.subject,
      fieldName(path, key),
      `${integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}`,
    );
  }
  return raw as number;
}

/** Reads one of a closed set of strings. */
export function readEnum<T extends string>(
  obj: Record<string, unknown>,
  key: string,
  fallback: T,
  allowed: readonly T[],
  path: OptionPath,
): T {
  const raw = obj[key] ?? fallback;
  if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
    throw configError(path.subject, fieldName(path, key), `one of ${allowed.join(', ')}`);
  }
  return raw as T;
}

/** Reads a boolean. */
export function readBoolean(
  obj: Record<string, unknown>,
  key: string,
  fallback: boolean,
  path: OptionPath,
): boolean {
  const raw = obj[key] ?? fallback;
  if (typeof raw !== 'boolean') throw configError(path.subject, fieldName(path, key), 'a boolean');
  return raw;
}

/** Reads a non-empty list of error kinds; unknown kinds are config errors naming the field. */
export function readKinds(
  obj: Record<string, unknown>,
  key: string,
  fallback: readonly ErrorKind[],
  path: OptionPath,
): ReadonlySet<ErrorKind> {
  const raw = obj[key] ?? fallback;
  const field = fieldName(path, key);
  if (!Array.isArray(raw)) {
    throw configError(path.subject, field, `a list of error kinds (${ERROR_KINDS.join(', ')})`);
  }
  raw.forEach((kind, i) => {
    if (!(ERROR_KINDS as readonly unknown[]).includes(kind)) {
      throw configError(
        path.subject,
        `${field}[${i}]`,
        `an error kind, one of ${ERROR_KINDS.join(', ')} (got "${String(kind)}")`,
      );
    }
  });
  return new Set(raw as ErrorKind[]);
}

/** Reads an optional function. */
export function readFunction<F>(
  obj: Record<string, unknown>,
  key: string,
  path: OptionPath,
): F | undefined {
  const raw = obj[key];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'function')
    throw configError(path.subject, fieldName(path, key), 'a function');
  return raw as F;
}
