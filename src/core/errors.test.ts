import { describe, expect, it } from 'vitest';
import {
  ERROR_KINDS,
  PatchbayError,
  RETRYABLE_BY_DEFAULT,
  configError,
  isPatchbayError,
  permanent,
  retryAfter,
  type ErrorKind,
} from './errors.js';
import { Secret } from './secrets/secret.js';

const RETRYABLE: ErrorKind[] = ['timeout', 'connection', 'http_5xx', 'rate_limited', 'overloaded'];

describe('PatchbayError', () => {
  it('has exactly twelve kinds', () => {
    expect(ERROR_KINDS).toHaveLength(12);
    expect(Object.keys(RETRYABLE_BY_DEFAULT).sort()).toEqual([...ERROR_KINDS].sort());
  });

  it.each(ERROR_KINDS.map((k) => [k, RETRYABLE.includes(k)] as const))(
    '%s is retryable by default: %s',
    (kind, retryable) => {
      const err = new PatchbayError(kind, 'boom');
      expect(err.retryable).toBe(retryable);
      expect(RETRYABLE_BY_DEFAULT[kind]).toBe(retryable);
      expect(err.kind).toBe(kind);
      expect(err.code).toBe(kind.toUpperCase());
      expect(err.name).toBe('PatchbayError');
      expect(err).toBeInstanceOf(Error);
      expect(isPatchbayError(err)).toBe(true);
    },
  );

  it('lets options override code and retryability', () => {
    const err = new PatchbayError('circuit_open', 'open', { code: 'BREAKER', retryable: true });
    expect(err.code).toBe('BREAKER');
    expect(err.retryable).toBe(true);
    expect(new PatchbayError('timeout', 'slow', { retryable: false }).retryable).toBe(false);
  });

  it('throws on an unknown kind, listing the allowed ones', () => {
    expect(() => new PatchbayError('explosion' as ErrorKind, 'x')).toThrow(TypeError);
    expect(() => new PatchbayError('explosion' as ErrorKind, 'x')).toThrow(
      /Unknown error kind "explosion".*timeout/,
    );
  });

  it('keeps the cause as the standard Error cause', () => {
    const cause = new Error('inner');
    expect(new PatchbayError('parse', 'outer', { cause }).cause).toBe(cause);
    expect('cause' in new PatchbayError('parse', 'outer')).toBe(false);
  });
});

describe('helpers', () => {
  it('permanent() is a non-retryable validation error with code PERMANENT', () => {
    const err = permanent('load has no customer', { details: { loadId: 7 } });
    expect(err.kind).toBe('validation');
    expect(err.code).toBe('PERMANENT');
    expect(err.retryable).toBe(false);
    expect(err.details).toEqual({ loadId: 7 });
    // retryable cannot be smuggled back in
    expect(permanent('x', { retryable: true } as never).retryable).toBe(false);
    expect(permanent('x', { code: 'NO_CUSTOMER' }).code).toBe('NO_CUSTOMER');
  });

  it('retryAfter() is a retryable overloaded error carrying the delay', () => {
    const err = retryAfter(30_000, 'order is locked');
    expect(err.kind).toBe('overloaded');
    expect(err.code).toBe('RETRY_AFTER');
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBe(30_000);
    expect(err.message).toBe('order is locked');
    const forced = retryAfter(5, 'x', { retryable: false, retryAfterMs: 1 } as never);
    expect(forced.retryable).toBe(true);
    expect(forced.retryAfterMs).toBe(5);
  });

  it('configError() names subject, field and what is allowed', () => {
    const err = configError('gps-positions', 'trigger.every', 'a duration such as "5m"', {
      details: { hint: 'see docs' },
    });
    expect(err.kind).toBe('config');
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.retryable).toBe(false);
    expect(err.message).toBe('gps-positions: trigger.every: expected a duration such as "5m"');
    expect(err.details).toEqual({
      subject: 'gps-positions',
      field: 'trigger.every',
      expected: 'a duration such as "5m"',
      hint: 'see docs',
    });
  });
});

describe('toJSON', () => {
  it('is JSON-safe and round-trips through JSON.stringify', () => {
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const err = new PatchbayError('http_5xx', 'GPS API answered 503', {
      code: 'HTTP_503',
      status: 503,
      retryAfterMs: 2000,
      cause,
      details: { url: '/positions' },
    });
    const json = err.toJSON();
    expect(json).toEqual({
      name: 'PatchbayError',
      kind: 'http_5xx',
      code: 'HTTP_503',
      message: 'GPS API answered 503',
      retryable: true,
      retryAfterMs: 2000,
      status: 503,
      details: { url: '/positions' },
      cause: { name: 'Error', message: 'socket hang up', code: 'ECONNRESET' },
    });
    expect(JSON.parse(JSON.stringify(err))).toEqual(json);
  });

  it('omits optional fields that are not set and describes non-Error causes', () => {
    const json = new PatchbayError('auth', 'denied').toJSON();
    expect(Object.keys(json).sort()).toEqual([
      'code',
      'details',
      'kind',
      'message',
      'name',
      'retryable',
    ]);
    expect(new PatchbayError('auth', 'x', { cause: 42 }).toJSON().cause).toEqual({
      name: 'number',
      message: '42',
    });
  });

  it('sanitises details: cycles, bigint, buffers, functions, dates, secrets', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const err = new PatchbayError('validation', 'bad', {
      details: {
        cyclic,
        big: 12345678901234567890n,
        buf: Buffer.from('hello'),
        fn: () => 1,
        sym: Symbol('s'),
        when: new Date(0),
        nan: Number.NaN,
        undef: undefined,
        nested: { inner: new Error('inner failure') },
        secret: new Secret('env:X', 'super-secret-value'),
      },
    });
    expect(err.details).toEqual({
      cyclic: { name: 'loop', self: '[circular]' },
      big: '12345678901234567890',
      buf: '[5 bytes]',
      when: '1970-01-01T00:00:00.000Z',
      nan: 'NaN',
      nested: { inner: { name: 'Error', message: 'inner failure' } },
      secret: '[redacted]',
    });
    const text = JSON.stringify(err);
    expect(text).not.toContain('super-secret-value');
    expect(JSON.parse(text).details).toEqual(err.details);
  });
});

describe('isPatchbayError', () => {
  it('recognises an error from another copy of the package by its global brand', () => {
    class ForeignError extends Error {
      readonly kind = 'timeout';
    }
    const foreign = new ForeignError('from copy B');
    Object.defineProperty(foreign, Symbol.for('patchbay.error'), { value: true });
    expect(foreign).not.toBeInstanceOf(PatchbayError);
    expect(isPatchbayError(foreign)).toBe(true);
  });

  it('rejects plain errors, look-alikes and non-objects', () => {
    expect(isPatchbayError(new Error('plain'))).toBe(false);
    expect(isPatchbayError({ kind: 'timeout', code: 'TIMEOUT', retryable: true })).toBe(false);
    expect(isPatchbayError({ [Symbol('patchbay.error')]: true })).toBe(false);
    expect(isPatchbayError({ [Symbol.for('patchbay.error')]: 'yes' })).toBe(false);
    expect(isPatchbayError(null)).toBe(false);
    expect(isPatchbayError(undefined)).toBe(false);
    expect(isPatchbayError('PatchbayError')).toBe(false);
  });

  it('does not expose the brand as an enumerable property', () => {
    const err = new PatchbayError('timeout', 'x');
    expect(Object.getOwnPropertySymbols(err)).toContain(Symbol.for('patchbay.error'));
    expect(Object.getOwnPropertySymbols({ ...err })).not.toContain(Symbol.for('patchbay.error'));
    expect(Object.getOwnPropertyDescriptor(err, Symbol.for('patchbay.error'))?.enumerable).toBe(
      false,
    );
  });
});

describe('serialised errors never carry a revealed secret', () => {
  it('scrubs known secret values from message, details and cause', async () => {
    const { Secret } = await import('./secrets/secret.js');
    const secret = new Secret('env:DB_PASSWORD', 'pw-7f3a9c1e-never-log');
    const err = new PatchbayError('connection', `login failed for app:${secret.reveal()}@db`, {
      details: { dsn: `postgres://app:${secret.reveal()}@db/x` },
      cause: new Error(`bad password ${secret.reveal()}`),
    });
    const text = JSON.stringify(err);
    expect(text).not.toContain('pw-7f3a9c1e-never-log');
    expect(text).toContain('[redacted]');
  });
});
