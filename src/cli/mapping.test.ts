import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './__fixtures__/harness.js';

let dir: string;
let doc: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-mapping-cli-'));
  doc = join(dir, 'employee.yaml');
  writeFileSync(
    doc,
    `name: employee
version: 3
produces: Employee
fields:
  - { source: id, target: id, transform: id, required: true }
  - { source: dob, target: date_of_birth, transform: sap-date }
  - { source: mobile, target: "phone_numbers[0].value", transform: phone, country: DE }
  - { target: "phone_numbers[0].kind", default: mobile }
  - { source: salary, target: pay.amount, transform: decimal, scale: 2 }
  - { source: active, target: pay.active, transform: boolean, default: false }
  - { source: tags, target: tags, transform: split }
  - { source: ssn, target: tax_id, transform: trim, sensitive: true }
  - { source: extra, target: "odd key", transform: upper }
`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('patchbay mapping types', () => {
  it('prints the TypeScript type of the output', async () => {
    const { code, out } = await cli(['mapping', 'types', doc]);
    expect(code).toBe(0);
    expect(out).toContain('canonical model version 3');
    expect(out).toContain(`export interface Employee {
  id: string;
  date_of_birth: string | null;
  phone_numbers: Array<{
    value: string | null;
    kind: string;
  }>;
  pay: {
    amount: string | null;
    active: boolean;
  };
  tags: string[] | null;
  tax_id: string | null;
  "odd key": string | null;
}`);
    const file = join(dir, 'employee.ts');
    expect((await cli(['mapping', 'types', doc, '--name', 'Worker', '--out', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('export interface Worker {');
  });

  it('fails with file, line and field for a bad document (exit 2)', async () => {
    writeFileSync(doc, 'fields:\n  - { source: a, target: a, transform: nope }\n');
    const { code, err } = await cli(['mapping', 'types', doc]);
    expect(code).toBe(2);
    expect(err).toContain(`${doc}:2:`);
    expect(err).toContain('fields[0] (a).transform: unknown transform "nope"');
  });
});

describe('patchbay mapping test', () => {
  it('prints output records and masked rejects; exits 1 when any record is rejected', async () => {
    const sample = join(dir, 'sample.jsonl');
    writeFileSync(
      sample,
      [
        JSON.stringify({
          id: '007',
          dob: '19900131',
          mobile: '0151 23456789',
          salary: '10.5-',
          active: 'X',
          tags: 'a,b',
          ssn: ' 1 ',
        }),
        JSON.stringify({ id: '008', dob: '00000000', ssn: { n: 5 } }),
        JSON.stringify({ id: '', dob: '19900131' }),
        '',
      ].join('\n'),
    );
    const { code, out } = await cli(['mapping', 'test', doc, sample, '--json']);
    expect(code).toBe(1);
    const json = JSON.parse(out) as {
      mapped: number;
      rejected: number;
      records: unknown[];
      rejects: Array<Record<string, unknown>>;
    };
    expect(json).toMatchObject({ mapped: 1, rejected: 2 });
    expect(json.records[0]).toEqual({
      id: '007',
      date_of_birth: '1990-01-31',
      phone_numbers: [{ value: '+4915123456789', kind: 'mobile' }],
      pay: { amount: '-10.50', active: true },
      tags: ['a', 'b'],
      tax_id: '1',
      'odd key': null,
    });
    expect(json.rejects.map((r) => [r['line'], r['fieldPath'], r['rule'], r['value']])).toEqual([
      [2, 'tax_id', 'trim', '[masked]'],
      [3, 'id', 'required', ''],
    ]);
    const text = await cli(['mapping', 'test', doc, sample]);
    expect(text.out).toContain('1 of 3 records mapped, 2 rejected');
    expect(text.out).toContain(`reject ${sample}:3  id  required`);
  });

  it('reads a JSON array, and names file and line of malformed JSON', async () => {
    const sample = join(dir, 'sample.json');
    writeFileSync(sample, JSON.stringify([{ id: '1' }, { id: '2' }]));
    const ok = await cli(['mapping', 'test', doc, sample]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('2 of 2 records mapped, 0 rejected');
    writeFileSync(sample, '[\n  { "id": "1" },\n  { "id": 2, }\n]\n');
    const bad = await cli(['mapping', 'test', doc, sample]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${sample}:3: not valid JSON`);
    const unknown = await cli(['mapping', 'test', doc, join(dir, 'sample.txt')]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('cannot tell the format');
  });

  it('reads CSV (delimiter sniffed or given) and reports unreadable rows with their line', async () => {
    const sample = join(dir, 'PA0002.csv');
    // SAP-style: semicolons, a trailing delimiter, a ragged row, a bad date.
    writeFileSync(
      sample,
      'id;dob;salary;\n00042;19900131;12,50-;\n00043;19901331;1;\n00044;20000101\n00045;00000000;3;\n',
    );
    const { code, out } = await cli(['mapping', 'test', doc, sample, '--json']);
    expect(code).toBe(1);
    const json = JSON.parse(out) as {
      records: Array<Record<string, unknown>>;
      rejects: Array<Record<string, unknown>>;
    };
    expect(json.records.map((r) => [r['id'], r['date_of_birth']])).toEqual([
      ['00042', '1990-01-31'],
      ['00045', null],
    ]);
    // "12,50-" with "." as the decimal point drops the comma: the sample shows it.
    expect((json.records[0]?.['pay'] as Record<string, unknown>)['amount']).toBe('-1250.00');
    expect(json.rejects.map((r) => [r['line'], r['fieldPath'], r['rule']])).toEqual([
      [3, 'date_of_birth', 'sap-date'],
      [4, '', 'csv:columns'],
    ]);
    const text = await cli(['mapping', 'test', doc, sample]);
    expect(text.out).toContain(
      `reject ${sample}:4  (record)  csv:columns: expected 3 fields, got 2`,
    );

    const tabbed = join(dir, 'sample.csv');
    writeFileSync(tabbed, 'id|dob\n7|19900131\n');
    const piped = await cli(['mapping', 'test', doc, tabbed, '--delimiter', '|', '--json']);
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.out)).toMatchObject({ mapped: 1, records: [{ id: '7' }] });
  });

  it('reads XML records (attributes as @name) and names the line of malformed XML', async () => {
    writeFileSync(
      doc,
      'fields:\n  - { source: id, target: id, required: true }\n  - { source: "@kind", target: kind }\n  - { source: dob, target: dob, transform: sap-date }\n',
    );
    const sample = join(dir, 'export.xml');
    writeFileSync(
      sample,
      '<Export>\n  <Emp kind="a"><id>7</id><dob>19900131</dob></Emp>\n  <Emp><id>8</id><dob>1990</dob></Emp>\n</Export>\n',
    );
    const { code, out } = await cli(['mapping', 'test', doc, sample, '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({
      records: [{ id: '7', kind: 'a', dob: '1990-01-31' }],
      rejects: [{ line: 3, fieldPath: 'dob', rule: 'sap-date' }],
    });
    const nested = join(dir, 'nested.xml');
    writeFileSync(nested, '<A><B><Emp><id>9</id></Emp></B></A>');
    const byPath = await cli(['mapping', 'test', doc, nested, '--record-path', 'A/B/Emp']);
    expect(byPath.out).toContain('{"id":"9","kind":null,"dob":null}');
    writeFileSync(sample, '<Export>\n  <Emp><id>7</id>\n</Export>\n');
    const bad = await cli(['mapping', 'test', doc, sample]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${sample}:3: cannot read XML sample`);
  });

  it('uses named TypeScript functions from --functions', async () => {
    writeFileSync(
      doc,
      'fields:\n  - { source: vin, target: vin, transform: [trim, vin] }\n  - { source: n, target: n, transform: double }\n',
    );
    const fns = join(dir, 'functions.ts');
    writeFileSync(
      fns,
      `export function vin(v: unknown): string {
  if (String(v).length < 3) throw new Error('a VIN has at least 3 characters');
  return String(v).toUpperCase().replace(/[^A-Z0-9]/g, '');
}
export default { double: (v: unknown) => Number(v) * 2 };
export const notAFunction = 1;
`,
    );
    const sample = join(dir, 'cars.jsonl');
    writeFileSync(sample, '{"vin":" wvw-zzz ","n":"2"}\n{"vin":"x"}\n');
    const { code, out } = await cli(['mapping', 'test', doc, sample, '--functions', fns, '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({
      records: [{ vin: 'WVWZZZ', n: 4 }],
      rejects: [
        { line: 2, fieldPath: 'vin', rule: 'vin', message: 'a VIN has at least 3 characters' },
      ],
    });
    const without = await cli(['mapping', 'test', doc, sample]);
    expect(without.code).toBe(2);
    expect(without.err).toContain('unknown transform "vin"');
    const empty = join(dir, 'empty.ts');
    writeFileSync(empty, 'export const x = 1;\n');
    const none = await cli(['mapping', 'test', doc, sample, '--functions', empty]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('exports no functions');
  });
});
