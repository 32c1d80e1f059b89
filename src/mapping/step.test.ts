import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineIntegration, type Step } from '../core/integration.js';
import { createRuntime } from '../runtime/runtime.js';
import { readDrift } from '../store/drift-log.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { parseMapping } from './load.js';
import { MASK } from './rejects.js';
import { mappingStep } from './step.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-mapping-step-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const DOC = parseMapping(
  `name: employee
fields:
  - { source: id, target: id, transform: id, required: true }
  - { source: dob, target: date_of_birth, transform: sap-date, required: true }
  - { source: salary, target: pay.amount, transform: decimal, scale: 2 }
  - { source: ssn, target: tax_id, transform: id, width: 9, sensitive: true }
  - { source: kunnr, target: customer, transform: [id, lookup], crosswalk: "sap:customer", onMiss: "null" }
`,
  { file: 'employee.yaml' },
);

function employee(i: number) {
  return {
    id: String(i).padStart(6, '0'),
    dob: '19900131',
    salary: '1000.5',
    ssn: '123456789',
    kunnr: '4711',
  };
}

function integration(items: unknown[], steps: Step[]) {
  const sink = collectingSink();
  const def = defineIntegration({
    id: 'employees',
    owner: 'hr',
    pattern: 'sql-extract',
    trigger: { type: 'manual' },
    source: memorySource({
      batches: [
        {
          items: items.map((data, i) => ({ key: `E-${i + 1}`, data })),
          checkpoint: { kind: 'offset', value: items.length },
        },
      ],
    }),
    sink,
    steps,
  });
  return { def, sink };
}

describe('mappingStep in a run', () => {
  it('maps 997 of 1,000 records, rejects 3 with masked values, and the batch goes on', async () => {
    await store.crosswalk.put('sap:customer', '4711', 'cust-1');
    const items = Array.from({ length: 1000 }, (_, i) => employee(i + 1));
    items[10] = { ...employee(11), dob: '20260230' };
    items[500] = { ...employee(501), ssn: '1234567890' };
    items[999] = { ...employee(1000), id: '' };
    const { def, sink } = integration(items, [mappingStep(DOC)]);
    const runtime = await createRuntime({ integrations: [def], store });
    const result = await runtime.run('employees');
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ read: 1000, written: 997, skipped: 3, deadLettered: 0 });
    expect(sink.records[0]?.data).toEqual({
      id: '000001',
      date_of_birth: '1990-01-31',
      pay: { amount: '1000.50' },
      tax_id: '123456789',
      customer: 'cust-1',
    });
    const rejects = await store.rejects.list('employees');
    expect(rejects.map((r) => [r.recordKey, r.fieldPath, r.rule])).toEqual([
      ['E-11', 'date_of_birth', 'sap-date'],
      ['E-501', 'tax_id', 'id'],
      ['E-1000', 'id', 'required'],
    ]);
    expect(rejects[0]).toMatchObject({ mapping: 'employee', value: '20260230' });
    // The sensitive field's value, message and raw input are masked.
    expect(rejects[1]?.value).toBe(MASK);
    expect(rejects[1]?.message).not.toContain('1234567890');
    expect((rejects[1]?.raw as Record<string, unknown>)['ssn']).toBe(MASK);
    expect((rejects[0]?.raw as Record<string, unknown>)['ssn']).toBe(MASK);
    expect(JSON.stringify(rejects)).not.toContain('123456789');
    expect((await store.checkpoints.get('employees'))?.value).toBe(1000);
  });

  it('validates output with JSON Schema from the document and with zod', async () => {
    const doc = parseMapping(`
fields:
  - { source: email, target: email, transform: trim }
  - { source: n, target: n, transform: int }
validate:
  schema: { type: object, required: [email], properties: { email: { type: string, format: email } } }
`);
    const step = mappingStep(doc, { validate: z.object({ n: z.number().max(10) }) });
    const { def, sink } = integration(
      [
        { email: 'a@example.com', n: '1' },
        { email: 'nope', n: '1' },
        { email: 'b@example.com', n: '11' },
      ],
      [step],
    );
    const runtime = await createRuntime({ integrations: [def], store });
    expect((await runtime.run('employees')).counts).toMatchObject({ written: 1, skipped: 2 });
    expect(sink.records).toHaveLength(1);
    const rejects = await store.rejects.list('employees');
    expect(rejects.map((r) => [r.fieldPath, r.rule, r.value])).toEqual([
      ['email', 'schema:format', 'nope'],
      ['n', 'zod:too_big', 11],
    ]);
  });

  it('keys rejects per record when asked, so records split from one item do not replace each other', async () => {
    const split: Step = { name: 'split', run: (r) => (r as { rows: unknown[] }).rows };
    const doc = parseMapping('- { source: n, target: n, transform: int }');
    const { def } = integration(
      [{ rows: [{ n: 'x' }, { n: 'y' }, { n: '1' }] }],
      [
        split,
        mappingStep(doc, { recordKey: (r, ctx) => `${ctx.sourceKey}:${(r as { n: string }).n}` }),
      ],
    );
    await (await createRuntime({ integrations: [def], store })).run('employees');
    expect((await store.rejects.list('employees')).map((r) => r.recordKey)).toEqual([
      'E-1:x',
      'E-1:y',
    ]);
  });

  it('re-rejects raw input that was stored masked instead of mapping the mask', async () => {
    const { def, sink } = integration([{ ...employee(1), ssn: MASK }], [mappingStep(DOC)]);
    const runtime = await createRuntime({ integrations: [def], store });
    await runtime.run('employees');
    expect(sink.records).toHaveLength(0);
    expect((await store.rejects.list('employees'))[0]).toMatchObject({
      rule: 'masked-input',
      fieldPath: 'ssn',
    });
  });

  it('detects drift: alert learns and reports once, reject keeps rejecting', async () => {
    const doc = parseMapping('- { source: id, target: id, transform: id }');
    const seen: string[] = [];
    const alert = mappingStep(doc, {
      drift: 'alert',
      onDrift: (events) => seen.push(...events.map((e) => `${e.kind}:${e.field}`)),
    });
    const first = integration(
      [
        { id: '1', name: 'a' },
        { id: '2', name: 'b', extra: 1 },
        { id: '3', extra: 2 },
        { id: 4, name: 'c', extra: 3 },
      ],
      [alert],
    );
    await (await createRuntime({ integrations: [first.def], store })).run('employees');
    expect(seen.sort()).toEqual(['added:extra', 'removed:name', 'retyped:id']);
    expect(first.sink.records).toHaveLength(4);

    const strict = mappingStep(doc, { drift: 'reject' });
    const second = integration(
      [
        { id: 5, name: 'd', extra: 1 },
        { id: 6, name: 'e', extra: 1, surprise: true },
        { id: 7, name: 'f', extra: 1, surprise: true },
      ],
      [strict],
    );
    await (await createRuntime({ integrations: [second.def], store })).run('employees');
    expect(second.sink.records).toHaveLength(1);
    const rejects = await store.rejects.list('employees');
    expect(rejects.map((r) => [r.rule, r.fieldPath])).toEqual([
      ['drift:added', 'surprise'],
      ['drift:added', 'surprise'],
    ]);
  });

  it('records drift durably for alert and reject, with the injected clock, and not for ignore', async () => {
    const doc = parseMapping('- { source: id, target: id, transform: id }', { file: 'emp.yaml' });
    const drifting = [{ id: '1' }, { id: '2', extra: 1 }];
    const ignore = integration(drifting, [mappingStep(doc, { drift: 'ignore' })]);
    await (await createRuntime({ integrations: [ignore.def], store })).run('employees');
    expect(await readDrift(store.cache, 'employees')).toBe(undefined);

    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const strict = mappingStep(doc, { drift: 'reject', now: () => at });
    const reject = integration([{ id: '3', extra: 1, other: true }], [strict]);
    await (await createRuntime({ integrations: [reject.def], store })).run('employees');
    expect(await readDrift(store.cache, 'employees')).toMatchObject({
      mappings: ['emp'],
      added: ['other'],
      since: at,
      acknowledgedAt: null,
    });
  });
});
