import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { mappingStep } from '../../mapping/step.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { dailyCsvDrop, tempDrop, upsertSink } from './__fixtures__/drop.js';

const t = tempDrop();
afterEach(() => rmSync(t.dir, { recursive: true, force: true }));

describe('file-drop through a mapping document', () => {
  it('maps an SAP export (Windows-1252, SAP dates and numbers); parse and mapping rejects share the ledger', async () => {
    writeFileSync(
      join(t.dir, 'material.yaml'),
      `name: material
fields:
  - { source: MATNR, target: material, transform: id, required: true }
  - { source: Text, target: text, transform: id }
  - { source: Datum, target: valid_from, transform: sap-date }
  - { source: Menge, target: quantity, transform: decimal, separator: ',' }
`,
    );
    writeFileSync(
      join(t.drop, 'MATMAS_20261117.csv'),
      iconv.encode(
        'MATNR;Text;Datum;Menge;\r\n' +
          '4711;"Stahlträger\r\n2 m";20261117;1.234,50;\r\n' +
          '4712;Euro-Palette €;20261118;12,5-;\r\n' +
          '4713;kaputt;20261399;1;\r\n' +
          '4714;zu kurz\r\n',
        'win1252',
      ),
    );
    const store = await openSqliteStore({ path: join(t.dir, 'state.db') });
    try {
      const sink = upsertSink();
      const runtime = await createRuntime({
        store,
        integrations: [
          dailyCsvDrop(t, {
            id: 'materials',
            format: { type: 'csv', delimiter: ';', encoding: 'win1252' },
            steps: [mappingStep(join(t.dir, 'material.yaml'))],
            sink,
            idempotencyKey: { fields: ['material'] },
          }),
        ],
      });
      const result = await runtime.run('materials');
      expect(result.status, JSON.stringify(result.error)).not.toBe('failed');
      expect([...sink.rows.values()]).toEqual([
        {
          material: '4711',
          text: 'Stahlträger\r\n2 m',
          valid_from: '2026-11-17',
          quantity: '1234.50',
        },
        { material: '4712', text: 'Euro-Palette €', valid_from: '2026-11-18', quantity: '-12.5' },
      ]);
      const rejects = await store.rejects.list('materials');
      expect(rejects.map((r) => [r.mapping, r.rule])).toEqual([
        ['file-drop:csv', 'csv:columns'],
        ['material', 'sap-date'],
      ]);
    } finally {
      await store.close();
    }
  });
});
