import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { permanent } from '../core/errors.js';
import { defineIntegration } from '../core/integration.js';
import { createRuntime } from '../runtime/runtime.js';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { parseMapping } from './load.js';
import { MASK } from './rejects.js';
import { mappingStep } from './step.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-mapping-mask-'));
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
  - { source: person.ssn, target: tax_id, transform: id, width: 9, sensitive: true }
  - { source: dob, target: dob, transform: sap-date }
`,
  { file: 'employee.yaml' },
);

describe('sensitive fields', () => {
  it('are masked in dead letters, rejects and logs, whichever stage failed', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const def = defineIntegration({
      id: 'employees',
      owner: 'hr',
      pattern: 'sql-extract',
      trigger: { type: 'manual' },
      source: memorySource({
        batches: [
          {
            items: [
              // Fails after mapping: a later step refuses it, so the item is dead-lettered.
              { key: 'E-1', data: { id: 'blocked', person: { ssn: '123456789' }, dob: '' } },
              // Fails in mapping on a sensitive field: rejected, value masked.
              { key: 'E-2', data: { id: '2', person: { ssn: '1234567890' }, dob: '19900101' } },
              // Fails in mapping on another field: rejected, the raw ssn still masked.
              { key: 'E-3', data: { id: '3', person: { ssn: '987654321' }, dob: '19901301' } },
              { key: 'E-4', data: { id: '4', person: { ssn: '111222333' }, dob: '19900101' } },
            ],
            checkpoint: { kind: 'offset', value: 4 },
          },
        ],
      }),
      steps: [
        mappingStep(DOC),
        function block(record) {
          if ((record as { id: string }).id === 'blocked') throw permanent('blocked by policy');
          return record;
        },
      ],
      sink: collectingSink(),
    });
    const runtime = await createRuntime({ integrations: [def], store, logger });
    const result = await runtime.run('employees');
    expect(result.counts).toMatchObject({ read: 4, written: 1, deadLettered: 1 });

    const [letter] = await store.deadLetters.list('employees');
    expect(letter?.stage).toBe('step:block');
    expect(letter?.raw).toEqual({ id: 'blocked', person: { ssn: MASK }, dob: '' });

    const rejects = await store.rejects.list('employees');
    expect(rejects.map((r) => [r.recordKey, r.fieldPath, r.rule, r.value])).toEqual([
      ['E-2', 'tax_id', 'id', MASK],
      ['E-3', 'dob', 'sap-date', '19901301'],
    ]);
    expect(rejects.map((r) => (r.raw as { person: { ssn: string } }).person.ssn)).toEqual([
      MASK,
      MASK,
    ]);
    expect(rejects[0]?.message).not.toContain('1234567890');

    const logged = lines.join('');
    expect(logged).toContain('record rejected');
    expect(logged).toContain('dead-lettered');
    for (const ssn of ['123456789', '1234567890', '987654321', '111222333']) {
      expect(logged).not.toContain(ssn);
    }
  });
});
