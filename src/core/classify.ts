/**
 * Maps whatever a library threw (Node socket errors, undici, pg, mysql2,
 * better-sqlite3, JSON, zod, aborts) to a {@link PatchbayError}, so nothing
 * leaves a connector unclassified.
 */
import { PatchbayError, isPatchbayError, type ErrorKind } from './errors.js';

const SOCKET_CODES: Record<string, ErrorKind> = {
  ECONNREFUSED: 'connection',
  ECONNRESET: 'connection',
  ECONNABORTED: 'connection',
  EPIPE: 'connection',
  ENOTFOUND: 'connection',
  EAI_AGAIN: 'connection',
  EHOSTUNREACH: 'connection',
  ENETUNREACH: 'connection',
  ENETDOWN: 'connection',
  EHOSTDOWN: 'connection',
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'timeout',
  CERT_HAS_EXPIRED: 'auth',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'auth',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'auth',
  ERR_TLS_CERT_ALTNAME_INVALID: 'auth',
  // undici
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_SOCKET: 'connection',
  UND_ERR_CLOSED: 'connection',
  UND_ERR_DESTROYED: 'connection',
  UND_ERR_ABORTED: 'cancelled',
  UND_ERR_REQ_CONTENT_LENGTH_MISMATCH: 'parse',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'parse',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'parse',
  UND_ERR_INVALID_ARG: 'config',
  // mysql2 / MariaDB
  PROTOCOL_CONNECTION_LOST: 'connection',
  PROTOCOL_SEQUENCE_TIMEOUT: 'timeout',
  ER_ACCESS_DENIED_ERROR: 'auth',
  ER_DBACCESS_DENIED_ERROR: 'auth',
  ER_LOCK_DEADLOCK: 'overloaded',
  ER_LOCK_WAIT_TIMEOUT: 'timeout',
  ER_QUERY_TIMEOUT: 'timeout',
  ER_QUERY_INTERRUPTED: 'timeout',
  ER_CON_COUNT_ERROR: 'overloaded',
  ER_TOO_MANY_USER_CONNECTIONS: 'overloaded',
  ER_DUP_ENTRY: 'validation',
  ER_NO_REFERENCED_ROW_2: 'validation',
  ER_DATA_TOO_LONG: 'validation',
  ER_PARSE_ERROR: 'config',
  ER_NO_SUCH_TABLE: 'config',
  ER_BAD_FIELD_ERROR: 'config',
  ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: 'config',
  // better-sqlite3
  SQLITE_BUSY: 'overloaded',
  SQLITE_LOCKED: 'overloaded',
  SQLITE_FULL: 'overloaded',
  SQLITE_IOERR: 'overloaded',
  SQLITE_READONLY: 'config',
  SQLITE_CONSTRAINT: 'validation',
  SQLITE_CONSTRAINT_UNIQUE: 'validation',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'validation',
  SQLITE_ERROR: 'config',
  // file system
  ENOENT: 'config',
  EACCES: 'auth',
  EPERM: 'auth',
  ENOSPC: 'overloaded',
  EMFILE: 'overloaded',
};

/** PostgreSQL SQLSTATE classes (first two characters). */
const PG_CLASSES: Record<string, ErrorKind> = {
  '08': 'connection',
  '28': 'auth',
  '53': 'overloaded',
  '57': 'connection',
  '40': 'overloaded',
  '22': 'validation',
  '23': 'validation',
  '25': 'config',
  '42': 'config',
};

/**
 * Classifies an HTTP status into a kind; `undefined` for 1xx–3xx.
 *
 * @example
 * ```ts
 * kindForStatus(429); // 'rate_limited'
 * ```
 */
export function kindForStatus(status: number): ErrorKind | undefined {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403 || status === 407) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500 && status <= 599) return 'http_5xx';
  if (status >= 400 && status <= 499) return 'http_4xx';
  return undefined;
}

/**
 * An HTTP status as a Patchbay error. 501 and 505 are not retryable: the
 * server will not learn the method or the protocol by waiting.
 *
 * @example
 * ```ts
 * throw httpError(503, 'GET /positions', { retryAfterMs: 1000 });
 * ```
 */
export function httpError(
  status: number,
  what: string,
  extra: { retryAfterMs?: number; details?: Record<string, unknown>; cause?: unknown } = {},
): PatchbayError {
  const kind = kindForStatus(status) ?? 'http_4xx';
  return new PatchbayError(kind, `${what} answered ${status}`, {
    code: `HTTP_${status}`,
    status,
    ...(status === 501 || status === 505 ? { retryable: false } : {}),
    ...extra,
  });
}

function numericStatus(err: Record<string, unknown>): number | undefined {
  for (const key of ['status', 'statusCode']) {
    const v = err[key];
    if (typeof v === 'number' && v >= 100 && v <= 599) return v;
  }
  const response = err['response'];
  if (response && typeof response === 'object') {
    const v = (response as Record<string, unknown>)['status'];
    if (typeof v === 'number' && v >= 100 && v <= 599) return v;
  }
  return undefined;
}

/**
 * Turns any thrown value into a {@link PatchbayError}; Patchbay errors pass
 * through unchanged. Unknown errors become `connection` errors with code
 * `UNCLASSIFIED` (retryable: a remote failure we cannot name is more often
 * transient than not, and the retry budget bounds the cost), except
 * programming errors (`TypeError`, `ReferenceError`, `RangeError`), which
 * become non-retryable `validation` errors with code `HANDLER_BUG`, since
 * the same input will fail the same way.
 *
 * @example
 * ```ts
 * try { await socketCall(); } catch (err) { throw classify(err); }
 * ```
 */
export function classify(err: unknown): PatchbayError {
  if (isPatchbayError(err)) return err;
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) {
    return new PatchbayError('connection', String(err), { code: 'UNCLASSIFIED', cause: err });
  }
  const e = err as Error & Record<string, unknown>;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(err);

  if (name === 'TimeoutError') return new PatchbayError('timeout', message, { cause: err });
  if (name === 'AbortError') {
    const reason = e['cause'] ?? e['reason'];
    if (reason instanceof Error && reason.name === 'TimeoutError') {
      return new PatchbayError('timeout', reason.message, { cause: err });
    }
    return new PatchbayError('cancelled', message, { cause: err });
  }
  if (name === 'ZodError' || Array.isArray(e['issues'])) {
    return new PatchbayError('validation', message, { code: 'SCHEMA', cause: err });
  }

  const code = typeof e['code'] === 'string' ? e['code'] : undefined;
  if (code) {
    const byCode = SOCKET_CODES[code];
    if (byCode) return new PatchbayError(byCode, message, { code, cause: err });
    if (code.startsWith('SQLITE_')) {
      // better-sqlite3 reports extended codes (SQLITE_CONSTRAINT_NOTNULL, SQLITE_BUSY_SNAPSHOT, ...):
      // classify them by their primary code.
      const primary = SOCKET_CODES[code.split('_', 2).join('_')];
      if (primary) return new PatchbayError(primary, message, { code, cause: err });
    }
    if (/^[0-9A-Z]{5}$/.test(code)) {
      const pgKind = code === '57014' ? 'timeout' : PG_CLASSES[code.slice(0, 2)];
      if (pgKind) return new PatchbayError(pgKind, message, { code: `PG_${code}`, cause: err });
    }
  }

  const status = numericStatus(e);
  if (status !== undefined) {
    const kind = kindForStatus(status);
    if (kind) return httpError(status, message, { cause: err });
  }

  if (err instanceof SyntaxError) return new PatchbayError('parse', message, { cause: err });
  // undici's fetch wraps network failures as `TypeError('fetch failed', { cause })`: classify the cause.
  const cause = e['cause'];
  if (err instanceof TypeError && cause instanceof Error && !(cause instanceof TypeError)) {
    const inner = classify(cause);
    if (inner.code !== 'UNCLASSIFIED' || message === 'fetch failed') return inner;
  }
  if (err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError) {
    return new PatchbayError('validation', message, {
      code: 'HANDLER_BUG',
      retryable: false,
      cause: err,
    });
  }
  return new PatchbayError('connection', message, {
    code: code ?? 'UNCLASSIFIED',
    cause: err,
  });
}
