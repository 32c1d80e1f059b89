import { describe, expect, it } from 'vitest';
import { businessDate, dateFromName, dateInZone } from './business-date.js';
import { globMatcher } from './glob.js';

describe('globMatcher', () => {
  it('matches *, ?, classes and alternatives on whole names, never dot-files', () => {
    const m = globMatcher(['MATMAS_*.csv', 'GPS_??.{jsonl,txt}', 'R[0-9]_[!x].dat']);
    expect(['MATMAS_1.csv', 'GPS_01.jsonl', 'GPS_01.txt', 'R1_a.dat'].every(m)).toBe(true);
    expect(
      [
        'MATMAS_1.csv.done',
        '.MATMAS_1.csv',
        'GPS_1.txt',
        'R1_x.dat',
        'matmas_1.csv',
        'XMATMAS_1.csv',
      ].some(m),
    ).toBe(false);
    // Regex characters in patterns are literal.
    expect(globMatcher(['a+b(1).csv'])('a+b(1).csv')).toBe(true);
    expect(globMatcher(['a.csv'])('abcsv')).toBe(false);
  });
});

describe('business dates', () => {
  it('reads dates from names with year/month/day groups or one date group', () => {
    expect(dateFromName('X_2026-11-17.csv', /_(?<date>[\d-]{10})\.csv$/)).toBe('2026-11-17');
    expect(dateFromName('17112026_X.csv', /^(?<day>\d\d)(?<month>\d\d)(?<year>\d{4})/)).toBe(
      '2026-11-17',
    );
    expect(dateFromName('other.csv', /_(?<date>\d{8})/)).toBeUndefined();
    expect(() => dateFromName('X_20261317.csv', /_(?<date>\d{8})/)).toThrow(
      /no valid business date/,
    );
  });

  it('uses arrival time in the time zone, and fails names that miss a configured pattern', () => {
    const at = Date.parse('2026-11-16T23:30:00Z');
    expect(dateInZone(at, 'Europe/Berlin')).toBe('2026-11-17');
    expect(dateInZone(at, 'America/New_York')).toBe('2026-11-16');
    expect(businessDate('a.csv', at, { timeZone: 'UTC' })).toBe('2026-11-16');
    expect(() =>
      businessDate('a.csv', at, { fromName: '_(?<date>\\d{8})', timeZone: 'UTC' }),
    ).toThrow(/does not match/);
  });
});
