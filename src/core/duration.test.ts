import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, type Duration } from './duration.js';
import { isPatchbayError } from './errors.js';

function configFailure(
  value: unknown,
  field = 'trigger.every',
): { message: string; field: unknown } {
  try {
    parseDuration(value as Duration, field, 'integration gps');
  } catch (err) {
    expect(isPatchbayError(err)).toBe(true);
    if (isPatchbayError(err)) {
      expect(err.kind).toBe('config');
      expect(err.code).toBe('INVALID_CONFIG');
      return { message: err.message, field: err.details['field'] };
    }
  }
  throw new Error(`expected ${String(value)} to be rejected`);
}

describe('parseDuration', () => {
  it.each([
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 86_400_000 + 7_200_000 + 180_000 + 4000 + 5],
    [' 10s ', 10_000],
    ['0s', 0],
  ])('%j → %i', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('takes numbers as milliseconds and numeric strings too', () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(12.5)).toBe(12.5);
    expect(parseDuration('1500')).toBe(1500);
    expect(parseDuration('2.5')).toBe(2.5);
  });

  it.each([
    ['5 minutes'],
    ['-1s'],
    [''],
    ['   '],
    ['5x'],
    ['1m30'],
    ['s'],
    ['1e3'],
    [Number.NaN],
    [-1],
    [Number.POSITIVE_INFINITY],
    [{ ms: 5 }],
    [null],
    [undefined],
    [['5s']],
  ])('rejects %j with a config error naming the field', (value) => {
    const failure = configFailure(value);
    expect(failure.message).toMatch(/^integration gps: trigger\.every: expected /);
    expect(failure.field).toBe('trigger.every');
  });

  it('says what it got for a malformed string', () => {
    expect(configFailure('5 minutes').message).toContain('(got "5 minutes")');
    expect(configFailure('').message).toContain('empty string');
  });

  it('defaults the field name', () => {
    expect(() => parseDuration('soon')).toThrow(/^patchbay: duration: expected a duration like/);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [999.4, '999ms'],
    [999.6, '1s'],
    [1000, '1s'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [86_400_000, '1d'],
    [90_061_000, '1d1h1m1s'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips with parseDuration for whole seconds', () => {
    for (const ms of [1000, 61_000, 3_600_000, 93_784_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
