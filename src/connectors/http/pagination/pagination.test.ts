import { describe, expect, it } from 'vitest';
import { getPath, parsePath } from './json-path.js';
import { findLink } from './link-header.js';
import { PageLoopGuard } from './strategies.js';

const base = new URL('https://api.example.com/v1/items?page=1');

describe('Link header', () => {
  it('finds rel=next among several links, resolving relative references', () => {
    const header =
      '<https://api.example.com/v1/items?page=9>; rel="last", <items?page=2>; rel="next"';
    expect(findLink(header, 'next', base)?.href).toBe('https://api.example.com/v1/items?page=2');
    expect(findLink('</v2/x?a=1,2>; rel=next', 'next', base)?.href).toBe(
      'https://api.example.com/v2/x?a=1,2',
    );
  });

  it('matches one of several relation types and ignores case', () => {
    expect(findLink('<?page=3>; title="a, b"; REL="prev NEXT"', 'next', base)?.href).toBe(
      'https://api.example.com/v1/items?page=3',
    );
  });

  it('returns undefined without a next link', () => {
    expect(findLink(undefined, 'next', base)).toBeUndefined();
    expect(findLink('<x>; rel="prev"', 'next', base)).toBeUndefined();
  });
});

describe('JSON path', () => {
  it('reads dotted paths with indices', () => {
    expect(parsePath('$.data[2].id')).toEqual(['data', 2, 'id']);
    expect(getPath({ a: [{ b: 1 }] }, 'a[0].b')).toBe(1);
    expect(getPath({ a: 1 }, '$')).toEqual({ a: 1 });
    expect(getPath({ a: null }, 'a.b')).toBeUndefined();
  });
});

describe('loop guard', () => {
  it('throws when the same page comes back', () => {
    const guard = new PageLoopGuard();
    guard.visit(new URL('https://x.test/a?cursor=1'));
    guard.visit(new URL('https://x.test/a?cursor=2'));
    expect(() => guard.visit(new URL('https://x.test/a?cursor=1'))).toThrow(/pagination loop/);
  });
});
