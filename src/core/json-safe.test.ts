import { describe, expect, it } from 'vitest';
import { toJsonSafe } from './json-safe.js';

describe('toJsonSafe', () => {
  it('keeps plain JSON values unchanged', () => {
    const value = { a: 1, b: 'two', c: [true, null, { d: 2.5 }] };
    expect(toJsonSafe(value)).toEqual(value);
  });

  it('converts values JSON cannot hold', () => {
    expect(toJsonSafe(undefined)).toBeNull();
    expect(toJsonSafe(10n)).toBe('10');
    expect(toJsonSafe(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(toJsonSafe(() => 1)).toBeNull();
    expect(toJsonSafe(Symbol('x'))).toBeNull();
    expect(toJsonSafe(new Date('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05.000Z');
    expect(toJsonSafe(new Date('nope'))).toBeNull();
    expect(toJsonSafe(Buffer.alloc(3))).toBe('[3 bytes]');
    expect(toJsonSafe(new Uint8Array(7))).toBe('[7 bytes]');
    expect(toJsonSafe(new RangeError('out'))).toEqual({ name: 'RangeError', message: 'out' });
    expect(toJsonSafe(new Map<string, unknown>([['k', 1n]]))).toEqual({ k: '1' });
    expect(toJsonSafe(new Set([1, 2]))).toEqual([1, 2]);
    expect(toJsonSafe([undefined, () => 0])).toEqual([null, null]);
  });

  it('drops functions, symbols and undefined from objects', () => {
    expect(toJsonSafe({ a: 1, f: () => 0, s: Symbol('s'), u: undefined })).toEqual({ a: 1 });
  });

  it('cuts cycles but keeps shared (non-cyclic) references', () => {
    const shared = { id: 1 };
    const arr: unknown[] = [shared, shared];
    arr.push(arr);
    expect(toJsonSafe(arr)).toEqual([{ id: 1 }, { id: 1 }, '[circular]']);
  });

  it('cuts deep nesting and long strings', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(toJsonSafe(deep))).toContain('[too deep]');
    const long = toJsonSafe('x'.repeat(5000)) as string;
    expect(long.length).toBeLessThan(5000);
    expect(long).toMatch(/…\(5000 chars\)$/);
  });

  it('asks objects with toJSON first', () => {
    expect(toJsonSafe({ s: { toJSON: () => '[redacted]' } })).toEqual({ s: '[redacted]' });
  });

  it('always produces something JSON.stringify round-trips', () => {
    const cyclic: Record<string, unknown> = { b: 1n, buf: Buffer.from('x') };
    cyclic['me'] = cyclic;
    const safe = toJsonSafe(cyclic);
    expect(JSON.parse(JSON.stringify(safe))).toEqual(safe);
  });
});
