/**
 * The one error type Patchbay lets out of a connector, policy or store.
 *
 * The surface is deliberately small and closed (in the manner of Temporal's
 * failures): twelve kinds, a stable `code`, a retryability flag that policies
 * may override, and JSON-safe `details`. Everything else is built from it with
 * the named helpers below.
 */
import { toJsonSafe, type JsonValue } from './json-safe.js';
import { redactDeep } from './secrets/redaction.js';

/**
 * Every kind of failure Patchbay distinguishes. The list is closed.
 *
 * @example
 * ```ts
 * ERROR_KINDS.includes('timeout'); // true
 * ```
 */
export const ERROR_KINDS = [
  'timeout',
  'connection',
  'http_5xx',
  'rate_limited',
  'http_4xx',
  'auth',
  'parse',
  'validation',
  'circuit_open',
  'overloaded',
  'cancelled',
  'config',
] as const;

/**
 * One of {@link ERROR_KINDS}.
 *
 * @example
 * ```ts
 * function isThrottle(kind: ErrorKind): boolean {
 *   return kind === 'rate_limited' || kind === 'overloaded';
 * }
 * ```
 */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * Whether a kind is retried when the error itself does not say otherwise.
 * `circuit_open` is not: the breaker decides when to try again, and the
 * retry policy must not burn attempts on it.
 *
 * @example
 * ```ts
 * RETRYABLE_BY_DEFAULT.http_4xx; // false
 * ```
 */
export const RETRYABLE_BY_DEFAULT: Readonly<Record<ErrorKind, boolean>> = {
  timeout: true,
  connection: true,
  http_5xx: true,
  rate_limited: true,
  overloaded: true,
  http_4xx: false,
  auth: false,
  parse: false,
  validation: false,
  circuit_open: false,
  cancelled: false,
  config: false,
};

/**
 * Options accepted by {@link PatchbayError} and every helper that builds one.
 *
 * @example
 * ```ts
 * const options: PatchbayErrorOptions = { code: 'ERP_LOCKED', status: 423, retryAfterMs: 30_000, details: { orderId: 1042 } };
 * throw new PatchbayError('overloaded', 'order 1042 is locked in the ERP', options);
 * ```
 */
export interface PatchbayErrorOptions {
  /** Stable, machine-readable code, e.g. `HTTP_503`. Defaults to the kind in upper case. */
  code?: string;
  /** Overrides {@link RETRYABLE_BY_DEFAULT} for this one error. */
  retryable?: boolean;
  /** How long the peer asked us to wait before trying again. */
  retryAfterMs?: number;
  /** HTTP (or protocol) status, when there was one. */
  status?: number;
  /** The underlying error. Kept for logs; never serialised with secrets. */
  cause?: unknown;
  /** Extra facts; converted to JSON-safe values on construction. */
  details?: Record<string, unknown>;
}

const BRAND = Symbol.for('patchbay.error');

/**
 * The single error type of Patchbay.
 *
 * Branded with a global symbol, so {@link isPatchbayError} works even when two
 * copies of the package are loaded.
 *
 * @example
 * ```ts
 * import { PatchbayError } from 'patchbay';
 * throw new PatchbayError('http_5xx', 'GPS API answered 503', { status: 503, retryAfterMs: 2000 });
 * ```
 */
export class PatchbayError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly details: Record<string, JsonValue>;
  declare readonly [BRAND]: true;

  constructor(kind: ErrorKind, message: string, options: PatchbayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (!(ERROR_KINDS as readonly string[]).includes(kind)) {
      throw new TypeError(
        `Unknown error kind "${String(kind)}"; allowed: ${ERROR_KINDS.join(', ')}`,
      );
    }
    this.name = 'PatchbayError';
    this.kind = kind;
    this.code = options.code ?? kind.toUpperCase();
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT[kind];
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
    this.details = (toJsonSafe(options.details ?? {}) ?? {}) as Record<string, JsonValue>;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /**
   * A JSON-safe view: what dead letters, run history, logs and the admin API
   * store. Every secret value this process has revealed is scrubbed from it,
   * because driver messages love to quote connection strings.
   */
  toJSON(): SerializedError {
    return redactDeep({
      name: this.name,
      kind: this.kind,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      ...(this.status === undefined ? {} : { status: this.status }),
      details: this.details,
      ...(this.cause === undefined ? {} : { cause: describeCause(this.cause) }),
    });
  }
}

/**
 * The shape of {@link PatchbayError.toJSON}.
 *
 * @example
 * ```ts
 * const error: SerializedError = classify(err).toJSON();
 * await store.deadLetters.add({ integrationId: 'orders', stage: 'sink', raw, error, attempts: 5, firstSeenAt, lastSeenAt: Date.now() });
 * ```
 */
export interface SerializedError {
  name: string;
  kind: ErrorKind;
  code: string;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  status?: number;
  details: Record<string, JsonValue>;
  cause?: { name: string; message: string; code?: string };
}

function describeCause(cause: unknown): { name: string; message: string; code?: string } {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return {
      name: cause.name,
      message: cause.message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: typeof cause, message: String(cause) };
}

/**
 * True for any Patchbay error, from this or any other copy of the package.
 *
 * @example
 * ```ts
 * if (isPatchbayError(err) && err.kind === 'rate_limited') wait(err.retryAfterMs);
 * ```
 */
export function isPatchbayError(value: unknown): value is PatchbayError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/**
 * The error user code throws when trying again cannot help (bad data, a
 * rejected business rule). It goes to the dead-letter queue at once.
 *
 * @example
 * ```ts
 * if (!load.customerId) throw permanent('load has no customer', { details: { loadId: load.id } });
 * ```
 */
export function permanent(message: string, options: Omit<PatchbayErrorOptions, 'retryable'> = {}) {
  return new PatchbayError('validation', message, {
    code: 'PERMANENT',
    ...options,
    retryable: false,
  });
}

/**
 * The error user code throws when the same work should be tried again later,
 * no sooner than `delayMs`. The retry policy honours it within its cap.
 *
 * @example
 * ```ts
 * if (order.status === 'locked') throw retryAfter(30_000, 'order is locked in the ERP');
 * ```
 */
export function retryAfter(
  delayMs: number,
  message: string,
  options: Omit<PatchbayErrorOptions, 'retryable' | 'retryAfterMs'> = {},
) {
  return new PatchbayError('overloaded', message, {
    code: 'RETRY_AFTER',
    ...options,
    retryAfterMs: delayMs,
    retryable: true,
  });
}

/**
 * A configuration error: names the subject (integration or connector), the
 * field and what is allowed. Never includes the offending value when the field
 * may hold a secret.
 *
 * @example
 * ```ts
 * throw configError('gps-positions', 'trigger.every', 'a duration such as "5m"');
 * ```
 */
export function configError(
  subject: string,
  field: string,
  expected: string,
  options: PatchbayErrorOptions = {},
) {
  return new PatchbayError('config', `${subject}: ${field}: expected ${expected}`, {
    code: 'INVALID_CONFIG',
    ...options,
    details: { subject, field, expected, ...options.details },
  });
}
