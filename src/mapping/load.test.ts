import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPatchbayError, type PatchbayError } from '../core/errors.js';
import { compileMapping } from './compile.js';
import { loadMapping, parseMapping, type MappingIssue } from './load.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-mapping-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function loadError(file: string): PatchbayError {
  try {
    loadMapping(file);
  } catch (err) {
    if (isPatchbayError(err)) return err;
    throw err;
  }
  throw new Error('expected the load to fail');
}

function issues(err: PatchbayError): MappingIssue[] {
  return err.details['issues'] as unknown as MappingIssue[];
}

describe('loading a mapping document', () => {
  it('loads a document with nested and array targets, relative files and metadata', async () => {
    write('countries.yaml', 'DE: Germany\nFR: France\n');
    const file = write(
      'employee.yaml',
      `name: employee
version: 2
produces: Employee
emptyAsNull: true
fields:
  - { source: dob, target: date_of_birth, transform: date, format: "%Y-%m-%d", required: true }
  - { source: mobile, target: "phone_numbers[0].value", transform: phone, country: DE }
  - { target: "phone_numbers[0].kind", default: mobile }
  - { source: contact.home, target: "phone_numbers[1].value", transform: phone, country: DE }
  - { target: "phone_numbers[1].kind", default: home }
  - { source: hired, target: registration.date, transform: sap-date }
  - { source: land, target: registration.country, transform: lookup, file: countries.yaml }
`,
    );
    const doc = loadMapping(file);
    expect(doc).toMatchObject({
      name: 'employee',
      version: '2',
      produces: 'Employee',
      emptyAsNull: true,
    });
    expect(doc.fields.map((f) => f.line)).toEqual([6, 7, 8, 9, 10, 11, 12]);
    const r = await compileMapping(doc).map({
      dob: '1990-01-31',
      mobile: '0151 23456789',
      contact: { home: '' },
      hired: '20200101',
      land: 'DE',
    });
    expect(r).toEqual({
      ok: true,
      value: {
        date_of_birth: '1990-01-31',
        phone_numbers: [
          { value: '+4915123456789', kind: 'mobile' },
          { value: null, kind: 'home' },
        ],
        registration: { date: '2020-01-01', country: 'Germany' },
      },
    });
  });

  it('names file, line and field for an unknown transform', () => {
    const file = write(
      'bad.yaml',
      'fields:\n  - { source: a, target: b }\n  - { source: dob, target: dob, transform: dat }\n',
    );
    const err = loadError(file);
    expect(err).toMatchObject({ kind: 'config', code: 'MAPPING_INVALID' });
    expect(err.message).toContain(`${file}:3:`);
    expect(err.message).toContain('fields[1] (dob).transform: unknown transform "dat"');
    expect(issues(err)[0]).toMatchObject({ file, line: 3, field: 'fields[1] (dob).transform' });
  });

  it('names file, line and field for bad paths and type conflicts, all at once', () => {
    const file = write(
      'bad.yaml',
      [
        'fields:',
        '  - { source: "a..b", target: x }',
        '  - source: y',
        '    target: "y[z]"',
        '  - { source: n, target: n, transform: [int, upper] }',
        '  - { source: p, target: p }',
        '  - { source: q, target: p.q }',
        '  - { source: r, target: "list[0]" }',
        '  - { source: s, target: list.s }',
        '  - { source: t, target: t, transform: int, default: "none" }',
        '  - { source: u, target: u, transform: date, type: number }',
        '  - { source: v, target: v, transform: date, formt: "%Y" }',
        '  - { source: w, target: __proto__.polluted }',
        '',
      ].join('\n'),
    );
    const found = issues(loadError(file)).map((i) => [i.line, i.field, i.message]);
    expect(found).toEqual([
      [2, 'fields[0] (x).source', 'empty segment in "a..b"'],
      [4, 'fields[1] (y[z]).target', expect.stringContaining('unexpected "["')],
      [5, 'fields[2] (n).transform', 'type conflict: upper expects string but int produces number'],
      [
        7,
        'fields[4] (p.q).target',
        expect.stringContaining('type conflict: p is a value (fields[3])'),
      ],
      [9, 'fields[6] (list.s).target', expect.stringContaining('type conflict: list is an array')],
      [10, 'fields[7] (t).default', 'type conflict: default is string but the field is number'],
      [11, 'fields[8] (u).type', 'type conflict: declared number but date produces string'],
      [12, 'fields[9] (v).formt', 'unknown option "formt" (not used by date)'],
      [13, 'fields[10] (__proto__.polluted).target', '"__proto__" is not allowed in a path'],
    ]);
  });

  it('reports bad transform options on the option line', () => {
    const err = loadError(
      write(
        'bad.yaml',
        '- source: d\n  target: d\n  transform: datetime\n  timezone: Mars/Olympus\n',
      ),
    );
    expect(issues(err)[0]).toMatchObject({ line: 4, field: 'fields[0] (d).timezone' });
    expect(err.message).toContain('unknown time zone "Mars/Olympus"');
    const fmt = loadError(
      write('fmt.yaml', '- { source: d, target: d, transform: date, format: "%Q" }\n'),
    );
    expect(fmt.message).toContain('unknown directive %Q');
    const country = loadError(
      write('c.yaml', '- { source: d, target: d, transform: phone, country: XX }\n'),
    );
    expect(country.message).toContain('unknown country "XX"');
  });

  it('reports duplicate targets, missing sources and unknown top-level keys', () => {
    const err = loadError(
      write(
        'bad.yaml',
        'name: x\nfeilds: []\nfields:\n  - { source: a, target: a }\n  - { source: b, target: a }\n  - { target: c }\n  - { source: [a, b], target: d }\n',
      ),
    );
    expect(issues(err).map((i) => [i.line, i.message])).toEqual([
      [2, expect.stringContaining('unknown key')],
      [5, 'target is already set by fields[0]'],
      [6, 'a field needs a source, a default, or a template'],
      [7, expect.stringContaining('several sources need a transform')],
    ]);
  });

  it('gives a clear error for malformed YAML, with its line', () => {
    const err = loadError(
      write('broken.yaml', 'fields:\n  - { source: a, target: b\n  - { source: c }\n'),
    );
    expect(err.code).toBe('MAPPING_INVALID');
    expect(err.message).toMatch(/broken\.yaml:\d+:\d+: \(yaml\): malformed YAML: /);
    expect(issues(err)[0]?.line).toBeGreaterThan(1);
    const unquoted = loadError(write('flow.yaml', '- { source: a, target: phones[0].value }\n'));
    expect(unquoted.message).toContain('quote paths with [n]');
    const tabs = loadError(write('dup.yaml', 'name: a\nname: b\nfields: []\n'));
    expect(tabs.message).toContain('dup.yaml:2:');
  });

  it('reads a schema file and reports a broken schema with its line', async () => {
    write('out.schema.json', JSON.stringify({ type: 'object', required: ['id'] }));
    const good = loadMapping(
      write(
        's.yaml',
        'fields:\n  - { source: a, target: id }\nvalidate: { schemaFile: out.schema.json }\n',
      ),
    );
    expect(good.schema).toEqual({ type: 'object', required: ['id'] });
    const bad = loadError(
      write(
        'b.yaml',
        'fields:\n  - { source: a, target: id }\nvalidate:\n  schema: { type: objekt }\n',
      ),
    );
    expect(issues(bad)[0]).toMatchObject({ line: 3, field: 'validate.schema' });
    expect(bad.message).toContain('invalid JSON Schema');
    const missing = loadError(
      write(
        'm.yaml',
        'fields:\n  - { source: a, target: id }\nvalidate: { schemaFile: nope.json }\n',
      ),
    );
    expect(missing.message).toContain('cannot read nope.json');
  });

  it('says when the file is missing, and needs a list of fields', () => {
    expect(loadError(join(dir, 'nope.yaml')).code).toBe('MAPPING_NOT_FOUND');
    expect(() => parseMapping('name: x\n', { file: 'x.yaml' })).toThrow(
      /x\.yaml:1:1: fields: expected a list/,
    );
    expect(() =>
      parseMapping('- { source: a, target: a }', { functions: { trim: (v) => v } }),
    ).toThrow(/shadows a built-in/);
  });
});
