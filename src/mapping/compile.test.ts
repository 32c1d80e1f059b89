import { describe, expect, it } from 'vitest';
import { compileMapping } from './compile.js';
import { addDecimals, formatDecimal, parseDecimal, rescale } from './decimal.js';
import { diffShape, shapeOf } from './drift.js';
import { parseMapping } from './load.js';
import { formatPath, parsePath } from './path.js';
import { mappingTypes } from './types.js';
import { jsonSchemaValidator } from './validate.js';

describe('compiled mappings', () => {
  it('read nested sources and write nested and array targets', async () => {
    const mapper = compileMapping(
      parseMapping(`
- { source: "customer.contacts[1].phone", target: "phones[2].value" }
- { source: customer.name.first, target: person.name }
- { source: "weird key", target: "x.y z" }
`),
    );
    expect(
      await mapper.map({
        customer: { contacts: [{}, { phone: '1' }], name: { first: 'Ada' } },
        'weird key': 1,
      }),
    ).toEqual({
      ok: true,
      value: { phones: [null, null, { value: '1' }], person: { name: 'Ada' }, x: { 'y z': 1 } },
    });
    expect(await mapper.map(null)).toEqual({
      ok: true,
      value: { phones: [null, null, { value: null }], person: { name: null }, x: { 'y z': null } },
    });
    // Only own properties are read: nothing inherited leaks into the output.
    expect(
      await mapper.map({ customer: Object.create({ name: { first: 'inherited' } }) }),
    ).toMatchObject({
      value: { person: { name: null } },
    });
  });

  it('are compiled once: changing the document afterwards changes nothing', async () => {
    const doc = parseMapping('- { source: a, target: b, transform: upper }');
    const mapper = compileMapping(doc);
    (doc.fields as unknown[]).length = 0;
    doc.targets.root.children.clear();
    expect(await mapper.map({ a: 'x' })).toEqual({ ok: true, value: { b: 'X' } });
    expect(mapper.async).toBe(false);
    expect(mapper.map({ a: 'y' })).toEqual({ ok: true, value: { b: 'Y' } });
  });

  it('treat empty strings as missing with emptyAsNull, and copy object defaults', async () => {
    const mapper = compileMapping(
      parseMapping(`
emptyAsNull: true
fields:
  - { source: a, target: a, default: none }
  - { source: b, target: b, default: [x] }
`),
    );
    const one = (await mapper.map({ a: '' })) as unknown as { value: { a: string; b: string[] } };
    expect(one.value).toEqual({ a: 'none', b: ['x'] });
    one.value.b.push('changed');
    expect(((await mapper.map({})) as unknown as { value: { b: string[] } }).value.b).toEqual([
      'x',
    ]);
  });

  it('check a declared type on values the chain cannot prove', async () => {
    const doc = parseMapping('- { source: a, target: a, transform: f, type: number }', {
      functions: { f: (v) => (v === 'n' ? 1 : 'text') },
    });
    const mapper = compileMapping(doc);
    expect(await mapper.map({ a: 'n' })).toEqual({ ok: true, value: { a: 1 } });
    expect(await mapper.map({ a: 'x' })).toMatchObject({
      ok: false,
      failure: { rule: 'type', fieldPath: 'a' },
    });
    expect(mappingTypes(doc, 'T')).toContain('a: number | null;');
  });
});

describe('exact decimals', () => {
  it('never use binary floating point', () => {
    const d = (s: string) => parseDecimal(s) as NonNullable<ReturnType<typeof parseDecimal>>;
    expect(formatDecimal(addDecimals([d('0.1'), d('0.2')]))).toBe('0.3');
    expect(formatDecimal(addDecimals([d('1.005'), d('0.005')]))).toBe('1.010');
    expect(formatDecimal(rescale(d('1.005'), 2))).toBe('1.01');
    expect(formatDecimal(rescale(d('2.5'), 0))).toBe('3');
    expect(formatDecimal(rescale(d('-2.5'), 0))).toBe('-3');
    expect(formatDecimal(d('-0.05'))).toBe('-0.05');
    expect(formatDecimal(d('12e3'))).toBe('12000');
    expect(parseDecimal('-1-')).toBeUndefined();
    expect(parseDecimal('.')).toBeUndefined();
    expect(formatDecimal(d('.5'))).toBe('0.5');
  });
});

describe('paths', () => {
  it('parse and format', () => {
    expect(parsePath('a.b[0].c')).toEqual(['a', 'b', 0, 'c']);
    expect(formatPath(['a', 'b', 0, 'c'])).toBe('a.b[0].c');
    expect(parsePath('[0]')).toMatch(/must start with a field name/);
    expect(parsePath('a.')).toMatch(/ends with/);
    expect(parsePath('a[0]b')).toMatch(/expected "\." or "\["/);
    expect(parsePath('constructor')).toMatch(/not allowed/);
  });
});

describe('drift shapes', () => {
  it('finds added, removed and retyped fields; null is no type change', () => {
    const known = shapeOf({ id: '1', name: 'a', address: { city: 'x' }, tags: [] });
    expect(known).toEqual({
      id: 'string',
      name: 'string',
      'address.city': 'string',
      tags: 'array',
    });
    expect(
      diffShape(known, shapeOf({ id: 1, name: null, address: { city: 'x', zip: '1' }, tags: [] })),
    ).toEqual([
      { kind: 'retyped', field: 'id', from: 'string', to: 'number' },
      { kind: 'added', field: 'address.zip', to: 'string' },
    ]);
    expect(diffShape(known, shapeOf({ id: '1', address: {}, tags: [] }))).toEqual([
      { kind: 'removed', field: 'name', from: 'string' },
      { kind: 'removed', field: 'address.city', from: 'string' },
    ]);
  });
});

describe('JSON Schema validation', () => {
  it('reports the first problem with a field path', () => {
    const check = jsonSchemaValidator({
      type: 'object',
      required: ['id', 'lines'],
      properties: {
        lines: {
          type: 'array',
          items: { type: 'object', properties: { qty: { type: 'integer' } } },
        },
      },
    });
    expect(check({ id: 1, lines: [] })).toBeUndefined();
    expect(check({ lines: [] })).toMatchObject({
      fieldPath: 'id',
      rule: 'schema:required',
      value: undefined,
    });
    expect(check({ id: 1, lines: [{ qty: 1 }, { qty: 1.5 }] })).toMatchObject({
      fieldPath: 'lines[1].qty',
      rule: 'schema:type',
      value: 1.5,
    });
  });
});
