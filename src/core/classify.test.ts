import net from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classify, httpError, kindForStatus } from './classify.js';
import { PatchbayError, isPatchbayError } from './errors.js';

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function socketError(port: number, write = false): Promise<Error> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', resolve);
    socket.on('close', () => reject(new Error('socket closed without an error')));
    if (write) socket.on('connect', () => socket.write('hello'));
  });
}

function nodeError(code: string, message: string, errno: number): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, errno, syscall: 'connect' });
}

describe('classify: Node sockets', () => {
  let resetServer: net.Server;
  let resetPort: number;

  beforeAll(async () => {
    resetServer = net.createServer((socket) => socket.resetAndDestroy());
    await new Promise<void>((resolve) => resetServer.listen(0, '127.0.0.1', resolve));
    resetPort = (resetServer.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => resetServer.close(() => resolve())));

  it('maps a real ECONNREFUSED to a retryable connection error', async () => {
    const raw = await socketError(await closedPort());
    expect((raw as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    const err = classify(raw);
    expect(err.kind).toBe('connection');
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.retryable).toBe(true);
    expect(err.cause).toBe(raw);
    expect(err.message).toBe(raw.message);
  });

  it('maps a real ECONNRESET to a retryable connection error', async () => {
    const raw = await socketError(resetPort, true);
    expect((raw as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    const err = classify(raw);
    expect(err.kind).toBe('connection');
    expect(err.code).toBe('ECONNRESET');
    expect(err.retryable).toBe(true);
  });

  it('maps ETIMEDOUT and friends to timeout', () => {
    for (const code of ['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT']) {
      const err = classify(nodeError(code, `connect ${code} 10.0.0.1:443`, -110));
      expect(err.kind).toBe('timeout');
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(true);
    }
  });

  it('maps DNS failures to connection and certificate problems to auth', () => {
    expect(classify(nodeError('ENOTFOUND', 'getaddrinfo ENOTFOUND nope.invalid', -3008)).kind).toBe(
      'connection',
    );
    const cert = classify(nodeError('CERT_HAS_EXPIRED', 'certificate has expired', 0));
    expect(cert.kind).toBe('auth');
    expect(cert.retryable).toBe(false);
  });

  it('looks through fetch()\'s "fetch failed" TypeError to the socket error', async () => {
    const port = await closedPort();
    const raw = await fetch(`http://127.0.0.1:${port}/`).then(
      () => {
        throw new Error('expected fetch to fail');
      },
      (e: unknown) => e,
    );
    expect(raw).toBeInstanceOf(TypeError);
    const err = classify(raw);
    expect(err.kind).toBe('connection');
    expect(err.code).toBe('ECONNREFUSED');
    expect(err.retryable).toBe(true);
  });

  it('treats "fetch failed" with an unknown cause as a retryable connection error', () => {
    const err = classify(new TypeError('fetch failed', { cause: new Error('other side closed') }));
    expect(err.kind).toBe('connection');
    expect(err.retryable).toBe(true);
  });
});

describe('classify: aborts', () => {
  it('maps the reason of AbortSignal.timeout() to timeout', async () => {
    const signal = AbortSignal.timeout(1);
    await new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    expect((signal.reason as Error).name).toBe('TimeoutError');
    const err = classify(signal.reason);
    expect(err.kind).toBe('timeout');
    expect(err.retryable).toBe(true);
  });

  it('maps a plain abort to non-retryable cancelled', () => {
    const controller = new AbortController();
    controller.abort();
    expect((controller.signal.reason as Error).name).toBe('AbortError');
    const err = classify(controller.signal.reason);
    expect(err.kind).toBe('cancelled');
    expect(err.retryable).toBe(false);
  });

  it('maps an AbortError caused by a timeout to timeout', () => {
    const timeout = new DOMException('The operation timed out', 'TimeoutError');
    const abort = Object.assign(new Error('This operation was aborted', { cause: timeout }), {
      name: 'AbortError',
    });
    const err = classify(abort);
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('The operation timed out');
    expect(err.cause).toBe(abort);
  });
});

describe('classify: undici codes', () => {
  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'timeout'],
    ['UND_ERR_BODY_TIMEOUT', 'timeout'],
    ['UND_ERR_SOCKET', 'connection'],
    ['UND_ERR_CLOSED', 'connection'],
    ['UND_ERR_ABORTED', 'cancelled'],
    ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'parse'],
    ['UND_ERR_INVALID_ARG', 'config'],
  ])('%s → %s', (code, kind) => {
    const raw = Object.assign(new Error('undici says no'), { name: 'UndiciError', code });
    const err = classify(raw);
    expect(err.kind).toBe(kind);
    expect(err.code).toBe(code);
  });
});

describe('classify: PostgreSQL SQLSTATE', () => {
  it.each([
    ['57014', 'timeout', true],
    ['28P01', 'auth', false],
    ['08006', 'connection', true],
    ['23505', 'validation', false],
    ['40001', 'overloaded', true],
    ['53300', 'overloaded', true],
    ['42P01', 'config', false],
  ])('%s → %s', (code, kind, retryable) => {
    const raw = Object.assign(new Error(`pg error ${code}`), {
      name: 'error',
      code,
      severity: 'ERROR',
    });
    const err = classify(raw);
    expect(err.kind).toBe(kind);
    expect(err.code).toBe(`PG_${code}`);
    expect(err.retryable).toBe(retryable);
  });

  it('does not take an unknown five-character code for SQLSTATE', () => {
    const err = classify(Object.assign(new Error('x'), { code: 'ZZ999' }));
    expect(err.kind).toBe('connection');
    expect(err.code).toBe('ZZ999');
  });
});

describe('classify: mysql2', () => {
  it.each([
    ['PROTOCOL_CONNECTION_LOST', 'connection'],
    ['ER_ACCESS_DENIED_ERROR', 'auth'],
    ['ER_LOCK_DEADLOCK', 'overloaded'],
    ['ER_LOCK_WAIT_TIMEOUT', 'timeout'],
    ['ER_DUP_ENTRY', 'validation'],
    ['ER_NO_SUCH_TABLE', 'config'],
  ])('%s → %s', (code, kind) => {
    const raw = Object.assign(new Error('mysql'), {
      code,
      errno: 1045,
      sqlState: '28000',
      fatal: true,
    });
    expect(classify(raw).kind).toBe(kind);
    expect(classify(raw).code).toBe(code);
  });
});

describe('classify: SQLite', () => {
  it('maps SQLITE_BUSY and SQLITE_IOERR_WRITE to retryable overloaded', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_IOERR_WRITE', 'SQLITE_BUSY_SNAPSHOT']) {
      const err = classify(
        Object.assign(new Error('database is locked'), { name: 'SqliteError', code }),
      );
      expect(err.kind).toBe('overloaded');
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(true);
    }
  });

  it('maps real better-sqlite3 constraint failures (extended codes) to validation', () => {
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE t (a TEXT NOT NULL, b INTEGER UNIQUE)');
      const insert = db.prepare('INSERT INTO t (a, b) VALUES (?, ?)');
      const failures: unknown[] = [];
      for (const args of [
        [null, 1],
        ['x', 2],
        ['y', 2],
      ]) {
        try {
          insert.run(...args);
        } catch (e) {
          failures.push(e);
        }
      }
      expect(failures.map((e) => (e as { code: string }).code)).toEqual([
        'SQLITE_CONSTRAINT_NOTNULL',
        'SQLITE_CONSTRAINT_UNIQUE',
      ]);
      for (const e of failures) {
        const err = classify(e);
        expect(err.kind).toBe('validation');
        expect(err.retryable).toBe(false);
      }
    } finally {
      db.close();
    }
  });
});

describe('classify: HTTP statuses', () => {
  it.each([
    [429, 'rate_limited', true],
    [401, 'auth', false],
    [403, 'auth', false],
    [408, 'timeout', true],
    [503, 'http_5xx', true],
    [501, 'http_5xx', false],
    [505, 'http_5xx', false],
    [404, 'http_4xx', false],
  ])('%i → %s (retryable %s)', (status, kind, retryable) => {
    const err = classify(Object.assign(new Error('request failed'), { status }));
    expect(err.kind).toBe(kind);
    expect(err.code).toBe(`HTTP_${status}`);
    expect(err.status).toBe(status);
    expect(err.retryable).toBe(retryable);
  });

  it('reads statusCode and response.status too', () => {
    expect(classify(Object.assign(new Error('x'), { statusCode: 429 })).kind).toBe('rate_limited');
    expect(classify({ message: 'axios-ish', response: { status: 502 } }).kind).toBe('http_5xx');
  });

  it('ignores non-error statuses', () => {
    const err = classify(Object.assign(new Error('odd'), { status: 200 }));
    expect(err.code).toBe('UNCLASSIFIED');
  });

  it('kindForStatus and httpError agree', () => {
    expect(kindForStatus(302)).toBeUndefined();
    expect(kindForStatus(599)).toBe('http_5xx');
    const err = httpError(503, 'GET /positions', { retryAfterMs: 1000 });
    expect(err.message).toBe('GET /positions answered 503');
    expect(err.retryAfterMs).toBe(1000);
    expect(err.retryable).toBe(true);
    expect(httpError(501, 'PATCH /x').retryable).toBe(false);
  });
});

describe('classify: everything else', () => {
  it('maps a JSON.parse SyntaxError to non-retryable parse', () => {
    let raw: unknown;
    try {
      JSON.parse('{not json');
    } catch (e) {
      raw = e;
    }
    expect(raw).toBeInstanceOf(SyntaxError);
    const err = classify(raw);
    expect(err.kind).toBe('parse');
    expect(err.retryable).toBe(false);
  });

  it('maps programming errors to non-retryable validation HANDLER_BUG', () => {
    const read = (o: { x: number }) => o.x;
    let raw: unknown;
    try {
      read(undefined as never);
    } catch (e) {
      raw = e;
    }
    expect(raw).toBeInstanceOf(TypeError);
    for (const e of [
      raw,
      new ReferenceError('nope is not defined'),
      new RangeError('bad length'),
    ]) {
      const err = classify(e);
      expect(err.kind).toBe('validation');
      expect(err.code).toBe('HANDLER_BUG');
      expect(err.retryable).toBe(false);
    }
  });

  it('maps a zod error to validation SCHEMA', () => {
    const result = z.object({ n: z.number() }).safeParse({ n: 'one' });
    expect(result.success).toBe(false);
    const err = classify(result.error);
    expect(err.kind).toBe('validation');
    expect(err.code).toBe('SCHEMA');
    expect(err.retryable).toBe(false);
  });

  it('maps unknown errors and thrown non-errors to retryable connection UNCLASSIFIED', () => {
    for (const raw of [new Error('something odd'), 'a string', 42, undefined, { weird: true }]) {
      const err = classify(raw);
      expect(err.kind).toBe('connection');
      expect(err.code).toBe('UNCLASSIFIED');
      expect(err.retryable).toBe(true);
      expect(isPatchbayError(err)).toBe(true);
    }
    expect(classify('a string').message).toBe('a string');
  });

  it('passes Patchbay errors through unchanged', () => {
    const original = new PatchbayError('auth', 'denied', {
      code: 'TOKEN_EXPIRED',
      retryable: true,
    });
    expect(classify(original)).toBe(original);
    const foreign = Object.assign(new Error('from another copy'), { kind: 'timeout' });
    Object.defineProperty(foreign, Symbol.for('patchbay.error'), { value: true });
    expect(classify(foreign)).toBe(foreign);
  });
});
