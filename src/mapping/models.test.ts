import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineIntegration } from '../core/integration.js';
import { MODEL_STAMP, modelOf } from '../core/model-stamp.js';
import { createRuntime } from '../runtime/runtime.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { loadMapping, parseMapping } from './load.js';
import { loadModels, ModelRegistry } from './models.js';
import { mappingStep } from './step.js';

const shipmentV1 = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' }, weight: { type: ['number', 'null'] } },
};
const shipmentV2 = z.object({
  id: z.string(),
  weight_kg: z.string(),
  carrier: z.object({ code: z.string() }),
  tags: z.array(z.string()).nullable(),
});
const models = new ModelRegistry([
  { name: 'shipment', version: 1, schema: shipmentV1 },
  { name: 'shipment', version: 2, schema: shipmentV2 },
]);

const V2_DOC = [
  'produces: { model: shipment, version: 2 }',
  'fields:',
  '  - { source: no, target: id, transform: string, required: true }',
  '  - { source: kg, target: weight_kg, transform: decimal, required: true }',
  '  - { source: carrier, target: carrier.code, transform: upper, required: true }',
  '  - { source: tags, target: tags, transform: split }',
].join('\n');

describe('canonical models', () => {
  it('accepts a mapping whose output satisfies the model version', () => {
    const doc = parseMapping(V2_DOC, { file: 'shipment.yaml', models });
    expect(doc.model).toMatchObject({ name: 'shipment', version: 2 });
    expect(doc.produces).toBe('shipment');
  });

  it('names file and line when the version is unknown', () => {
    const text = V2_DOC.replace('version: 2', 'version: 3');
    expect(() => parseMapping(text, { file: 'mappings/shipment.yaml', models })).toThrow(
      'mappings/shipment.yaml:1:30: produces.version: model shipment has no version 3; known versions: 1, 2',
    );
    expect(() =>
      parseMapping(text.replace('shipment', 'parcel'), { file: 'p.yaml', models }),
    ).toThrow(/p\.yaml:1:13: produces\.model: unknown model parcel; known models: shipment/);
  });

  it('names the field and its line when the output does not satisfy the model version', () => {
    const text = V2_DOC.replace('transform: decimal, required: true', 'transform: int').replace(
      '  - { source: carrier, target: carrier.code, transform: upper, required: true }\n',
      '',
    );
    let message = '';
    try {
      parseMapping(text, { file: 'shipment.yaml', models });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      'shipment.yaml:4:19: fields[1].target: weight_kg is number but shipment v2 expects string',
    );
    expect(message).toContain('shipment.yaml:4:19: fields[1].target: weight_kg may be null');
    expect(message).toContain(
      'shipment.yaml:1:11: produces: carrier is required by shipment v2 but no field sets it',
    );
  });

  it('needs a registry to check a declared model', () => {
    expect(() => parseMapping(V2_DOC, { file: 's.yaml' })).toThrow(
      /s\.yaml:1:13: produces\.model: produces shipment v2, but no model registry was given/,
    );
  });

  it('reads models from a folder of schema files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-models-'));
    try {
      writeFileSync(join(dir, 'shipment.v1.json'), JSON.stringify(shipmentV1));
      writeFileSync(join(dir, 'README.md'), 'not a model');
      writeFileSync(
        join(dir, 'map.yaml'),
        V2_DOC.replace('version: 2', 'version: 1')
          .split('\n')
          .slice(0, 4)
          .join('\n')
          .replace('weight_kg, transform: decimal, required: true', 'weight, transform: int'),
      );
      const folder = loadModels(dir);
      expect(folder.list().map((m) => `${m.name}@${m.version}`)).toEqual(['shipment@1']);
      expect(loadMapping(join(dir, 'map.yaml'), { models: folder }).model?.version).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stamps output records with the model, beside the business fields', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-models-'));
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      const sink = collectingSink();
      const step = mappingStep(parseMapping(V2_DOC, { file: 'shipment.yaml', models }));
      expect((step as { produces?: unknown }).produces).toEqual({ name: 'shipment', version: 2 });
      const def = defineIntegration({
        id: 'shipments',
        owner: 'logistics',
        pattern: 'rest-poll',
        trigger: { type: 'manual' },
        source: memorySource({
          batches: [
            {
              items: [{ key: 'S-1', data: { no: 'S-1', kg: '12,5', carrier: 'dhl', tags: 'a,b' } }],
            },
          ],
        }),
        steps: [step],
        sink,
      });
      const runtime = await createRuntime({ integrations: [def], store });
      await runtime.run('shipments');
      expect(sink.records).toHaveLength(1);
      const [record] = sink.records;
      expect(record?.model).toEqual({ name: 'shipment', version: 2 });
      expect(modelOf(record?.data)).toEqual({ name: 'shipment', version: 2 });
      expect(JSON.parse(JSON.stringify(record?.data))).toEqual({
        id: 'S-1',
        weight_kg: '125',
        carrier: { code: 'DHL' },
        tags: ['a', 'b'],
      });
      expect(Object.keys(record?.data as object)).not.toContain(String(MODEL_STAMP));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
