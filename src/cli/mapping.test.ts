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
    expect(json.rejects.map((r) => [r['index'], r['fieldPath'], r['rule'], r['value']])).toEqual([
      [1, 'tax_id', 'trim', '[masked]'],
      [2, 'id', 'required', ''],
    ]);
    const text = await cli(['mapping', 'test', doc, sample]);
    expect(text.out).toContain('1 of 3 records mapped, 2 rejected');
    expect(text.out).toContain('reject #3  id  required');
  });

  it('reads a JSON array, refuses CSV and XML with a hint', async () => {
    const sample = join(dir, 'sample.json');
    writeFileSync(sample, JSON.stringify([{ id: '1' }, { id: '2' }]));
    const ok = await cli(['mapping', 'test', doc, sample]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain('2 of 2 records mapped, 0 rejected');
    writeFileSync(join(dir, 'sample.csv'), 'id\n1\n');
    const csv = await cli(['mapping', 'test', doc, join(dir, 'sample.csv')]);
    expect(csv.code).toBe(2);
    expect(csv.err).toContain('CSV samples are not supported yet');
  });
});
