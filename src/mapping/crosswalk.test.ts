import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index.js';
import { compileMapping } from './compile.js';
import { Crosswalk, crosswalkNamespace } from './crosswalk.js';
import { parseMapping } from './load.js';

let dir: string;
let store: SqliteStore;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-crosswalk-'));
  store = await openSqliteStore({ path: join(dir, 'state.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const doc = (onMiss: string) =>
  parseMapping(
    `- { source: kunnr, target: customer_id, transform: lookup, crosswalk: { system: sap, entity: customer }, onMiss: ${onMiss} }`,
    { file: 'order.yaml' },
  );

describe('crosswalk keyed by (system, entity, external id) ↔ canonical id', () => {
  it('looks up by system and entity from a mapping document', async () => {
    await new Crosswalk(store.crosswalk).link('sap', 'customer', '0000100231', 'c-17');
    const mapper = compileMapping(doc('reject'));
    expect(await mapper.map({ kunnr: '0000100231' }, { crosswalk: store.crosswalk })).toEqual({
      ok: true,
      value: { customer_id: 'c-17' },
    });
    // The leading zeros are part of the external id.
    expect(await mapper.map({ kunnr: '100231' }, { crosswalk: store.crosswalk })).toMatchObject({
      ok: false,
      failure: {
        fieldPath: 'customer_id',
        rule: 'lookup',
        message: '"100231" is not in crosswalk sap:customer',
      },
    });
  });

  it('parks a miss with a reason, and creates one canonical id even when two mappers race', async () => {
    const park = await compileMapping(doc('park')).map(
      { kunnr: '9' },
      { crosswalk: store.crosswalk },
    );
    expect(park).toMatchObject({
      ok: false,
      failure: { message: expect.stringContaining('parked until the crosswalk has it') as unknown },
    });
    // Two compiled mappers stand for two processes: each has its own in-flight map.
    const [a, b] = await Promise.all([
      compileMapping(doc('create')).map({ kunnr: '42' }, { crosswalk: store.crosswalk }),
      compileMapping(doc('create')).map({ kunnr: '42' }, { crosswalk: store.crosswalk }),
    ]);
    expect(a).toEqual(b);
    expect(await store.crosswalk.lookup('sap:customer', '42')).toBe(
      (a as unknown as { value: { customer_id: string } }).value.customer_id,
    );
  });

  it('translates between systems through the canonical id from code', async () => {
    const xw = new Crosswalk(store.crosswalk, () => 'c-new');
    const id = await xw.canonicalId('shop', 'customer', 'cus_9f2k', { onMiss: 'create' });
    expect(id).toBe('c-new');
    await xw.link('erp', 'customer', 'ERP-000311', id);
    expect(await xw.externalIds('erp', 'customer', id)).toEqual(['ERP-000311']);
    await expect(xw.canonicalId('shop', 'customer', 'cus_x', { onMiss: 'park' })).rejects.toThrow(
      /parked/,
    );
    await expect(xw.canonicalId('shop', 'customer', 'cus_x')).rejects.toThrow(
      /is not in the crosswalk/,
    );
    expect(() => crosswalkNamespace('sap', 'cust:omer')).toThrow(/entity/);
  });

  it('reports a malformed crosswalk option at load with its line', () => {
    expect(() =>
      parseMapping('- { source: a, target: b, transform: lookup, crosswalk: { system: sap } }', {
        file: 'x.yaml',
      }),
    ).toThrow(/x\.yaml:1:\d+: .*crosswalk.*expected \{ system: name, entity: name \}/);
  });
});
