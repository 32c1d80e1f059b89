import { describe, expect, it } from 'vitest';
import {
  EMPLOYEE_MAPPING,
  handMapped,
  prepare,
  sampleRows,
} from '../../bench/scenarios/mapping-rows.js';
import { compileMapping } from './compile.js';
import { parseMapping } from './load.js';

describe('generated mapping code', () => {
  it('produces exactly what the hand-written benchmark function does, row for row', () => {
    const rows = sampleRows(300);
    const { compiled } = prepare(rows);
    // prepare() already compared all rows; check a few facts directly too.
    expect(compiled(rows[0] as Record<string, unknown>)).toEqual(
      handMapped(rows[0] as Record<string, unknown>),
    );
    expect(compiled(rows[17] as Record<string, unknown>)).toMatchObject({
      id: '00001017',
      compensation: { salary: '-1217.50', currency: 'CHF' },
      employment: { terminated_on: null },
      department: 'Engineering',
    });
    expect(EMPLOYEE_MAPPING).toContain('transform: lookup');
  });

  it('treats quotes, backslashes and code in paths as plain keys', async () => {
    const key = '"); pwned = true; ("\\';
    const mapper = compileMapping(
      parseMapping(
        `- { source: ${JSON.stringify(`a.${key}`)}, target: ${JSON.stringify(`out.${key}`)}, transform: upper }`,
      ),
    );
    expect(await mapper.map({ a: { [key]: 'x' } })).toEqual({
      ok: true,
      value: { out: { [key]: 'X' } },
    });
    expect((globalThis as { pwned?: boolean })['pwned']).toBe(undefined);
  });

  it('reports the failing field and its source value from generated code', async () => {
    const mapper = compileMapping(
      parseMapping(`
- { source: [x, y], target: both, transform: concat, separator: "-" }
- { source: n, target: n, transform: int, required: true }
- { source: t, target: t, type: number }
`),
    );
    expect(await mapper.map({ x: 'a', y: 'b', n: '7', t: 1 })).toEqual({
      ok: true,
      value: { both: 'a-b', n: 7, t: 1 },
    });
    expect(await mapper.map({ n: 'seven' })).toMatchObject({
      ok: false,
      failure: { fieldPath: 'n', rule: 'int', value: 'seven' },
    });
    expect(await mapper.map({ n: null })).toMatchObject({
      ok: false,
      failure: { fieldPath: 'n', rule: 'required' },
    });
    expect(await mapper.map({ n: '1', t: 'one' })).toMatchObject({
      ok: false,
      failure: { fieldPath: 't', rule: 'type', message: 'expected number, got "one"' },
    });
  });
});
