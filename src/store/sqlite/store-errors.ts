/**
 * How failures leave the SQLite store: always as {@link PatchbayError}s, with
 * codes the HTTP layer and the runtime can act on without knowing SQLite.
 */
import { classify } from '../../core/classify.js';
import { PatchbayError, isPatchbayError } from '../../core/errors.js';

/**
 * SQLite and OS codes meaning "this store cannot take writes right now":
 * disk full, I/O error, read-only file, lock held too long. `/readyz` and the
 * receivers answer 503 for these, so peers retry later instead of giving up.
 */
const UNAVAILABLE =
  /^(SQLITE_(FULL|IOERR|READONLY|BUSY|LOCKED|CANTOPEN|NOMEM|CORRUPT|NOTADB|PROTOCOL)|ENOSPC|EROFS|EIO|EDQUOT)/;

/** Corruption does not heal by waiting; everything else in the list may. */
const NOT_RETRYABLE = /^SQLITE_(CORRUPT|NOTADB)/;

/**
 * Maps anything thrown by better-sqlite3 (or the file system) to a
 * {@link PatchbayError}. Patchbay errors pass through unchanged.
 *
 * @example
 * ```ts
 * try { stmt.run(row); } catch (err) { throw storeError(err); }
 * // disk full → PatchbayError { kind: 'overloaded', code: 'STORE_UNAVAILABLE', details: { sqliteCode: 'SQLITE_FULL' } }
 * ```
 */
export function storeError(err: unknown): PatchbayError {
  if (isPatchbayError(err)) return err;
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string') {
    if (UNAVAILABLE.test(code)) {
      return new PatchbayError('overloaded', `store unavailable: ${message}`, {
        code: 'STORE_UNAVAILABLE',
        retryable: !NOT_RETRYABLE.test(code),
        cause: err,
        details: { sqliteCode: code },
      });
    }
    if (code.startsWith('SQLITE_CONSTRAINT')) {
      return new PatchbayError('validation', message, {
        code: 'STORE_CONSTRAINT',
        cause: err,
        details: { sqliteCode: code },
      });
    }
  }
  return classify(err);
}

/**
 * The error every call gets once {@link Store.close} has begun. Kind
 * `overloaded` so a request racing a shutdown is answered 503, not 500.
 *
 * @example
 * ```ts
 * if (closed) throw storeClosed();
 * ```
 */
export function storeClosed(): PatchbayError {
  return new PatchbayError('overloaded', 'store is closed', { code: 'STORE_CLOSED' });
}

/**
 * A durable update named a row that does not exist: a caller bug, never
 * worth retrying.
 *
 * @example
 * ```ts
 * if (info.changes === 0) throw notFound('inbox item', id);
 * ```
 */
export function notFound(what: string, id: string): PatchbayError {
  return new PatchbayError('validation', `${what} ${JSON.stringify(id)} does not exist`, {
    code: 'STORE_NOT_FOUND',
    retryable: false,
    details: { what, id },
  });
}

/**
 * A worker tried to finish (complete, fail, mark delivered) an item it no
 * longer holds: its lease ran out and another worker claimed the item, or the
 * item was finished already. Kind `cancelled` and never retryable: the claim
 * is gone, so the same call can only fail again; the caller drops the item
 * and leaves it to whoever holds it now.
 *
 * @example
 * ```ts
 * if (info.changes === 0) throw leaseLost('inbox item', id, owner, { status: 'processing', holder: 'worker-b' });
 * // → PatchbayError { kind: 'cancelled', code: 'LEASE_LOST', retryable: false }
 * ```
 */
export function leaseLost(
  what: string,
  id: string,
  owner: string,
  now: { status: string; holder: string | null },
): PatchbayError {
  const held = now.holder === null ? '' : ` by ${JSON.stringify(now.holder)}`;
  return new PatchbayError(
    'cancelled',
    `${what} ${JSON.stringify(id)} is no longer claimed by ${JSON.stringify(owner)} (now ${now.status}${held}): its lease ran out and it was left to another worker`,
    {
      code: 'LEASE_LOST',
      retryable: false,
      details: { what, id, owner, status: now.status, holder: now.holder },
    },
  );
}

/**
 * An argument the store refuses before touching the database.
 *
 * @example
 * ```ts
 * throw invalidArgument('limit', 'a non-negative integer', -1);
 * ```
 */
export function invalidArgument(field: string, expected: string, got: unknown): PatchbayError {
  const shown = typeof got === 'string' ? JSON.stringify(got.slice(0, 80)) : String(got);
  return new PatchbayError('validation', `${field}: expected ${expected}, got ${shown}`, {
    code: 'STORE_INVALID_ARGUMENT',
    retryable: false,
    details: { field, expected },
  });
}

/**
 * The error every write gets once a WAL sync failed: the store cannot vouch
 * for anything written since, so it refuses writes until the process
 * restarts and SQLite recovers the WAL from what is really on disk.
 *
 * @example
 * ```ts
 * fdatasync(fd, (err) => { if (err) broken = storeSyncFailed(err); });
 * ```
 */
export function storeSyncFailed(err: unknown): PatchbayError {
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return new PatchbayError(
    'overloaded',
    `store unavailable: syncing the write-ahead log failed (${message}); restart the process`,
    {
      code: 'STORE_UNAVAILABLE',
      retryable: false,
      cause: err,
      details: { syscall: 'fdatasync', ...(typeof code === 'string' ? { errno: code } : {}) },
    },
  );
}
