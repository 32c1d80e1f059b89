import { describe, expect, it } from 'vitest';
import { compileMapping } from '../compile.js';
import { parseMapping } from '../load.js';
import type { MapResult } from '../compile.js';

/** Maps `value` through one field `{ source: v, target: out, ...field }`. */
async function one(field: string, value: unknown, functions = {}): Promise<MapResult> {
  const doc = parseMapping(`- { source: v, target: out, ${field} }`, { functions });
  return compileMapping(doc).map({ v: value });
}
async function ok(field: string, value: unknown): Promise<unknown> {
  const r = await one(field, value);
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.failure)}`);
  return r.value['out'];
}
async function rule(field: string, value: unknown): Promise<string> {
  const r = await one(field, value);
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return r.failure.rule;
}

describe('text transforms', () => {
  it('string, trim, upper, lower and chains', async () => {
    expect(await ok('transform: string', 42)).toBe('42');
    expect(await ok('transform: string', true)).toBe('true');
    expect(await rule('transform: string', { a: 1 })).toBe('string');
    expect(await ok('transform: [trim, upper]', '  abc ')).toBe('ABC');
    expect(await ok('transform: lower', 'ÄBC')).toBe('äbc');
  });

  it('empty-null turns blank text into null, then the default applies', async () => {
    expect(await ok('transform: empty-null', '   ')).toBeNull();
    expect(await ok('transform: [empty-null, trim], default: n/a', '')).toBe('n/a');
    expect(await ok('transform: empty-null', 'x')).toBe('x');
  });

  it('id keeps leading zeros, pads to a width and refuses lossy numbers', async () => {
    expect(await ok('transform: id', '000123')).toBe('000123');
    expect(await ok('transform: id, width: 10', '4711')).toBe('0000004711');
    expect(await ok('transform: id', 4711)).toBe('4711');
    // A JSON number beyond 2^53 has already lost digits; an id must not pretend otherwise.
    expect(await rule('transform: id', 2 ** 64)).toBe('id');
    expect(await rule('transform: id, width: 3', '12345')).toBe('id');
  });

  it('boolean understands yes/no, X and 1/0', async () => {
    for (const v of ['X', 'yes', 'TRUE', '1', 'J'])
      expect(await ok('transform: boolean', v)).toBe(true);
    for (const v of ['no', 'false', '0', 'N'])
      expect(await ok('transform: boolean', v)).toBe(false);
    expect(await rule('transform: boolean', 'maybe')).toBe('boolean');
  });

  it('enum maps codes and rejects unknown ones unless otherwise is given', async () => {
    expect(await ok('transform: enum, map: { A: active, I: inactive }', 'A')).toBe('active');
    expect(await rule('transform: enum, map: { A: active }', 'Z')).toBe('enum');
    expect(await ok('transform: enum, map: { A: active }, otherwise: unknown', 'Z')).toBe(
      'unknown',
    );
    expect(await ok('transform: enum, map: { "1": one }', 1)).toBe('one');
  });

  it('split, concat, coalesce and template', async () => {
    expect(await ok('transform: split, separator: ";"', 'a; b;;c')).toEqual(['a', 'b', 'c']);
    const doc = parseMapping(`
- { source: [first, middle, last], target: name, transform: concat, separator: " " }
- { source: [mobile, phone, fax], target: phone, transform: coalesce }
- { target: label, transform: template, template: "{last}, {first} ({address.city})" }
`);
    const r = await compileMapping(doc).map({
      first: 'Ada',
      middle: '',
      last: 'Lovelace',
      phone: '1',
      fax: '2',
      address: { city: 'London' },
    });
    expect(r).toEqual({
      ok: true,
      value: { name: 'Ada Lovelace', phone: '1', label: 'Lovelace, Ada (London)' },
    });
    const empty = await compileMapping(doc).map({});
    expect(empty).toEqual({ ok: true, value: { name: null, phone: null, label: null } });
  });

  it('named TypeScript functions, synchronous only', async () => {
    const functions = {
      vin: (v: unknown) =>
        String(v)
          .replace(/[^A-Z0-9]/gi, '')
          .toUpperCase(),
      later: async () => 1,
      boom: () => {
        throw new Error('no');
      },
    };
    const r = await one('transform: vin', 'wvw-zzz 1j', functions);
    expect(r).toEqual({ ok: true, value: { out: 'WVWZZZ1J' } });
    const a = await one('transform: later', 'x', functions);
    expect(!a.ok && a.failure.message).toMatch(/must be synchronous/);
    const b = await one('transform: boom', 'x', functions);
    expect(!b.ok && b.failure).toMatchObject({ rule: 'boom', message: 'no' });
  });
});

describe('number transforms', () => {
  it('int: whole numbers, trailing minus, overflow', async () => {
    expect(await ok('transform: int', '0042')).toBe(42);
    expect(await ok('transform: int', '12-')).toBe(-12);
    expect(await ok('transform: int', ' -7 ')).toBe(-7);
    expect(await ok('transform: int', 9007199254740991)).toBe(9007199254740991);
    expect(await rule('transform: int', '9007199254740993')).toBe('int');
    expect(await rule('transform: int', 1.5)).toBe('int');
    expect(await rule('transform: int', '1.5')).toBe('int');
    expect(await rule('transform: int', '-12-')).toBe('int');
    expect(await rule('transform: int', 'abc')).toBe('int');
  });

  it('decimal stays exact text: trailing minus, separators, scale, huge values', async () => {
    expect(await ok('transform: decimal', '12.50-')).toBe('-12.50');
    expect(await ok('transform: decimal', '0012.50')).toBe('12.50');
    expect(await ok('transform: decimal, scale: 2', '12.345')).toBe('12.35');
    expect(await ok('transform: decimal, scale: 2', '-12.345')).toBe('-12.35');
    expect(await ok('transform: decimal, scale: 2', '7')).toBe('7.00');
    expect(await ok('transform: decimal, separator: ","', '1.234,56')).toBe('1234.56');
    expect(await ok('transform: decimal', '1e-7')).toBe('0.0000001');
    expect(await ok('transform: decimal', 0.1)).toBe('0.1');
    expect(await ok('transform: decimal', '123456789012345678901234567890.123456789')).toBe(
      '123456789012345678901234567890.123456789',
    );
    expect(await rule('transform: decimal', '12.5.1')).toBe('decimal');
    expect(await rule('transform: decimal', 'NaN')).toBe('decimal');
  });

  it('sum adds money exactly: 0.1 + 0.2 is 0.3, never 0.30000000000000004', async () => {
    const doc = parseMapping('- { source: [a, b, c], target: total, transform: sum }');
    const mapper = compileMapping(doc);
    expect(await mapper.map({ a: '0.1', b: '0.2' })).toEqual({ ok: true, value: { total: '0.3' } });
    expect(await mapper.map({ a: '10.00-', b: '0.01', c: 0.1 })).toEqual({
      ok: true,
      value: { total: '-9.89' },
    });
    expect(await mapper.map({})).toEqual({ ok: true, value: { total: null } });
    const big = await mapper.map({ a: '99999999999999999999.99', b: '0.01' });
    expect(big).toEqual({ ok: true, value: { total: '100000000000000000000.00' } });
  });
});

describe('date transforms', () => {
  it('date with a format, rejecting impossible dates', async () => {
    expect(await ok('transform: date, format: "%d.%m.%Y"', '31.01.2026')).toBe('2026-01-31');
    expect(await ok('transform: date, format: "%-d/%-m/%y"', '5/3/26')).toBe('2026-03-05');
    expect(await ok('transform: date, format: "%d %b %Y"', '05 Mar 2026')).toBe('2026-03-05');
    expect(await ok('transform: date', '2024-02-29')).toBe('2024-02-29');
    expect(await rule('transform: date', '2026-02-29')).toBe('date');
    expect(await rule('transform: date, format: "%d.%m.%Y"', '31.02.2026')).toBe('date');
    expect(await rule('transform: date, format: "%d.%m.%Y"', '2026-01-31')).toBe('date');
    expect(await rule('transform: date', 'tomorrow')).toBe('date');
  });

  it('datetime in a time zone, across DST changes', async () => {
    const berlin = 'transform: datetime, timezone: Europe/Berlin';
    expect(await ok(berlin, '2026-01-15T12:00:00')).toBe('2026-01-15T11:00:00.000Z');
    expect(await ok(berlin, '2026-07-15 12:00')).toBe('2026-07-15T10:00:00.000Z');
    // 02:30 does not exist on the spring-forward night...
    expect(await rule(berlin, '2026-03-29T02:30:00')).toBe('datetime');
    // ...and happens twice on the fall-back night: the earlier one wins.
    expect(await ok(berlin, '2026-10-25T02:30:00')).toBe('2026-10-25T00:30:00.000Z');
    expect(await ok(berlin, '2026-01-15T12:00:00+05:30')).toBe('2026-01-15T06:30:00.000Z');
    expect(
      await ok(
        'transform: datetime, timezone: America/New_York, format: "%m/%d/%Y %H:%M"',
        '03/08/2026 01:59',
      ),
    ).toBe('2026-03-08T06:59:00.000Z');
    expect(await ok('transform: datetime', 1700000000000)).toBe('2023-11-14T22:13:20.000Z');
    expect(await rule('transform: datetime', '2026-01-15T25:00:00')).toBe('datetime');
  });

  it('SAP dates: YYYYMMDD, 00000000 as no date', async () => {
    expect(await ok('transform: sap-date', '20260131')).toBe('2026-01-31');
    expect(await ok('transform: sap-date', 20260131)).toBe('2026-01-31');
    expect(await ok('transform: sap-date', '00000000')).toBeNull();
    expect(await ok('transform: sap-date, default: "9999-12-31"', '00000000')).toBe('9999-12-31');
    expect(await rule('transform: sap-date, required: true', '00000000')).toBe('required');
    expect(await rule('transform: sap-date', '20260230')).toBe('sap-date');
    expect(await rule('transform: sap-date', '2026-01-31')).toBe('sap-date');
  });

  it('OData /Date(ms)/ with and without offset', async () => {
    expect(await ok('transform: odata-date', '/Date(1700000000000)/')).toBe(
      '2023-11-14T22:13:20.000Z',
    );
    expect(await ok('transform: odata-date', '/Date(1700000000000+0100)/')).toBe(
      '2023-11-14T22:13:20.000Z',
    );
    expect(await ok('transform: odata-date', '/Date(-86400000)/')).toBe('1969-12-31T00:00:00.000Z');
    expect(await rule('transform: odata-date', 'Date(1)')).toBe('odata-date');
  });
});

describe('phone', () => {
  it('normalises numbers from several countries to E.164', async () => {
    expect(await ok('transform: phone, country: DE', '030 12345678')).toBe('+493012345678');
    expect(await ok('transform: phone, country: US', '(213) 373-4253')).toBe('+12133734253');
    expect(await ok('transform: phone, country: GB', '020 7946 0018')).toBe('+442079460018');
    expect(await ok('transform: phone, country: US', '+33 1 42 68 53 00')).toBe('+33142685300');
    expect(await rule('transform: phone, country: DE', '12')).toBe('phone');
    expect(await rule('transform: phone', '030 12345678')).toBe('phone');
  });
});

describe('lookup', () => {
  it('creates a canonical id once for a new external id with onMiss: create', async () => {
    const rows = new Map<string, string>();
    const crosswalk = {
      lookup: async (ns: string, id: string) => rows.get(`${ns}/${id}`),
      put: async (ns: string, id: string, target: string) => void rows.set(`${ns}/${id}`, target),
      putIfAbsent: async (ns: string, id: string, target: string) => {
        if (!rows.has(`${ns}/${id}`)) rows.set(`${ns}/${id}`, target);
        return rows.get(`${ns}/${id}`) as string;
      },
    } as never;
    const mapper = compileMapping(
      parseMapping('- { source: k, target: c, transform: lookup, crosswalk: crm, onMiss: create }'),
    );
    const [a, b] = await Promise.all([
      mapper.map({ k: '17' }, { crosswalk }),
      mapper.map({ k: '17' }, { crosswalk }),
    ]);
    expect(a).toEqual(b);
    expect(a.ok && a.value['c']).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows.size).toBe(1);
  });

  it('inline tables and misses', async () => {
    expect(await ok('transform: lookup, table: { DE: Germany }', 'DE')).toBe('Germany');
    expect(await rule('transform: lookup, table: { DE: Germany }', 'FR')).toBe('lookup');
    expect(await ok('transform: lookup, table: { DE: Germany }, onMiss: "null"', 'FR')).toBeNull();
    expect(await ok('transform: lookup, table: { DE: Germany }, onMiss: keep', 'FR')).toBe('FR');
  });

  it('crosswalks in the store, rejecting a miss or without a store', async () => {
    const doc = parseMapping(
      '- { source: kunnr, target: customerId, transform: [id, lookup], crosswalk: "sap:customer" }',
    );
    const mapper = compileMapping(doc);
    expect(mapper.async).toBe(true);
    const ids = new Map([['0000004711', 'cust-1']]);
    const crosswalk = {
      lookup: async (ns: string, id: string) => (ns === 'sap:customer' ? ids.get(id) : undefined),
    } as never;
    expect(await mapper.map({ kunnr: '0000004711' }, { crosswalk })).toEqual({
      ok: true,
      value: { customerId: 'cust-1' },
    });
    const miss = await mapper.map({ kunnr: '42' }, { crosswalk });
    expect(!miss.ok && miss.failure).toMatchObject({ rule: 'lookup', value: '42' });
    const parked = await compileMapping(
      parseMapping('- { source: k, target: c, transform: lookup, crosswalk: ns, onMiss: park }'),
    ).map({ k: 'x' }, { crosswalk });
    expect(!parked.ok && parked.failure.message).toMatch(/parked/);
    expect(() =>
      parseMapping('- { source: k, target: c, transform: lookup, table: {}, onMiss: create }'),
    ).toThrow(/onMiss must be reject, null, keep/);
    const none = await mapper.map({ kunnr: '0000004711' });
    expect(!none.ok && none.failure.message).toMatch(/no store/);
  });
});
