import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical.js';
import {
  checkIdempotencyKey,
  deriveIdempotencyKey,
  fingerprint,
  idempotencyHeaders,
} from './key.js';

describe('canonicalize', () => {
  it('sorts keys at every depth and drops undefined, like RFC 8785', () => {
    expect(canonicalize({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalize({ a: 1, b: 2 })).toBe(canonicalize({ b: 2, a: 1 }));
  });

  it('formats numbers in the ECMAScript shortest form, -0 as 0', () => {
    expect(canonicalize([1e21, 0.1 + 0.2, -0, 1.5e-7, 100])).toBe(
      '[1e+21,0.30000000000000004,0,1.5e-7,100]',
    );
  });

  it('handles dates, bigints, bytes, maps and sets (sets without order)', () => {
    expect(
      canonicalize({
        at: new Date('2026-11-17T00:00:00Z'),
        n: 12345678901234567890n,
        bytes: Buffer.from('hi'),
        m: new Map([
          ['b', 1],
          ['a', 2],
        ]),
      }),
    ).toBe(
      '{"at":"2026-11-17T00:00:00.000Z","bytes":"aGk=","m":{"a":2,"b":1},"n":12345678901234567890}',
    );
    expect(canonicalize(new Set([3, 1, 2]))).toBe(canonicalize(new Set([2, 3, 1])));
  });

  it('escapes strings as JSON does, and sorts keys by UTF-16 code units', () => {
    expect(canonicalize({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, a: '"\\\n' })).toBe(
      '{"\\r":2,"a":"\\"\\\\\\n","€":1,"😀":3}',
    );
  });

  it('rejects values without a stable form with a permanent error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    for (const bad of [NaN, { x: Infinity }, cyclic, new Date('nope')]) {
      expect(() => canonicalize(bad)).toThrow(
        expect.objectContaining({ code: 'NOT_CANONICAL', retryable: false }),
      );
    }
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { id: 1 };
    expect(canonicalize([shared, shared])).toBe('[{"id":1},{"id":1}]');
  });
});

describe('deriveIdempotencyKey', () => {
  const order = { customer: 7, lines: [{ sku: 'A1', qty: 2 }], note: undefined };

  it('is deterministic, order-insensitive and separates actions', () => {
    const key = deriveIdempotencyKey('create-order', order);
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(
      deriveIdempotencyKey('create-order', { lines: [{ qty: 2, sku: 'A1' }], customer: 7 }),
    ).toBe(key);
    expect(deriveIdempotencyKey('cancel-order', order)).not.toBe(key);
    expect(deriveIdempotencyKey('create-order', { ...order, customer: 8 })).not.toBe(key);
  });

  it('gives the same key in another process', () => {
    const here = deriveIdempotencyKey('create-order', order);
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { deriveIdempotencyKey } from './src/idempotency/key.ts';
         process.stdout.write(deriveIdempotencyKey('create-order', { lines: [{ sku: 'A1', qty: 2 }], customer: 7 }));`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe(here);
  });

  it('requires an action', () => {
    expect(() => deriveIdempotencyKey('', {})).toThrow(/action/);
  });

  it('builds the header, Idempotency-Key by default', () => {
    expect(idempotencyHeaders('k')).toEqual({ 'Idempotency-Key': 'k' });
    expect(idempotencyHeaders('k', 'X-Request-Id')).toEqual({ 'X-Request-Id': 'k' });
  });

  it('fingerprints parameters regardless of key order', () => {
    expect(fingerprint({ a: 1, b: [1, 2] })).toBe(fingerprint({ b: [1, 2], a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });

  it('checks client keys: 1–255 printable ASCII characters', () => {
    expect(checkIdempotencyKey('a'.repeat(255))).toBeUndefined();
    expect(checkIdempotencyKey('a'.repeat(256))).toMatch(/255/);
    expect(checkIdempotencyKey('   ')).toBe('empty');
    expect(checkIdempotencyKey('caf\u00e9')).toMatch(/ASCII/);
  });
});
