import { afterEach, describe, expect, it } from 'vitest';
import { headerValue, parseRateLimitHeaders, parseRetryAfter } from './rate-limit-headers.js';

const NOW = Date.parse('2015-10-21T07:28:00Z');

describe('parseRetryAfter', () => {
  const tz = process.env['TZ'];
  afterEach(() => {
    if (tz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = tz;
  });

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads the three HTTP-date forms as GMT, whatever the local zone', () => {
    process.env['TZ'] = 'America/New_York';
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:28:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wed Oct 21 07:28:30 2015', NOW)).toBe(30_000);
  });

  it('treats a date in the past as "now" and ignores garbage', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });
});

describe('parseRateLimitHeaders', () => {
  it('reads X-RateLimit-* with reset as delta seconds, epoch seconds or epoch ms', () => {
    expect(
      parseRateLimitHeaders(
        { 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '7', 'X-RateLimit-Reset': '30' },
        NOW,
      ),
    ).toEqual({ limit: 100, remaining: 7, resetMs: 30_000 });
    expect(
      parseRateLimitHeaders({ 'x-ratelimit-reset': String(NOW / 1000 + 45) }, NOW).resetMs,
    ).toBe(45_000);
    expect(parseRateLimitHeaders({ 'x-ratelimit-reset': String(NOW + 500) }, NOW).resetMs).toBe(
      500,
    );
  });

  it('reads fetch Headers and node header arrays', () => {
    const h = new Headers({ 'Retry-After': '3', 'x-rate-limit-remaining': '0' });
    expect(parseRateLimitHeaders(h, NOW)).toEqual({ retryAfterMs: 3000, remaining: 0 });
    expect(headerValue({ 'set-cookie': ['a', 'b'] }, 'Set-Cookie')).toBe('a, b');
  });

  it('reads the IETF draft-07 RateLimit dictionary and separate RateLimit-* fields', () => {
    expect(parseRateLimitHeaders({ RateLimit: 'limit=100, remaining=50, reset=30' }, NOW)).toEqual({
      limit: 100,
      remaining: 50,
      resetMs: 30_000,
    });
    expect(
      parseRateLimitHeaders(
        { 'RateLimit-Limit': '10', 'RateLimit-Remaining': '2', 'RateLimit-Reset': '5' },
        NOW,
      ),
    ).toEqual({ limit: 10, remaining: 2, resetMs: 5000 });
  });

  it('reads draft-08+ structured RateLimit and RateLimit-Policy, most restrictive first', () => {
    expect(
      parseRateLimitHeaders(
        {
          RateLimit: '"burst";r=40;t=1, "daily";r=5;t=3600',
          'RateLimit-Policy': '"burst";q=100;w=60, "daily";q=1000;w=86400',
        },
        NOW,
      ),
    ).toEqual({
      remaining: 5,
      resetMs: 3_600_000,
      policy: { quota: 1000, windowMs: 86_400_000 },
    });
    expect(parseRateLimitHeaders({ 'RateLimit-Policy': '10;w=1, 50;w=60' }, NOW).policy).toEqual({
      quota: 50,
      windowMs: 60_000,
    });
  });

  it('returns an empty object when the server said nothing', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' }, NOW)).toEqual({});
  });
});
