import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../core/integration.js';
import { parseMapping } from '../../mapping/load.js';
import { mappingStep } from '../../mapping/step.js';
import { createRuntime, type Runtime } from '../../runtime/runtime.js';
import { acknowledgeDrift, readDrift } from '../../store/drift-log.js';
import { collectingSink, memorySource } from '../../testing/index.js';
import { tempStore, type TempStore } from '../alert-sinks/__fixtures__/peers.js';
import { status } from './__fixtures__/status.js';
import { AlertEngine, listAlerts } from './engine.js';
import { rulesFromConfig } from './from-config.js';
import { schemaDriftRule } from './drift-rule.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('schema drift alerts', () => {
  let t: TempStore;
  let clock: number;
  let records: unknown[];
  let runtime: Runtime;
  const now = () => clock;

  beforeEach(async () => {
    t = await tempStore();
    clock = T0;
    records = [];
    const employees = defineIntegration({
      id: 'employees',
      owner: 'hr',
      pattern: 'sql-extract',
      trigger: { type: 'manual' },
      source: memorySource({
        batches: async function* () {
          yield { items: records.map((data, i) => ({ key: `E-${i}`, data })) };
        },
      }),
      sink: collectingSink(),
      steps: [
        mappingStep(
          parseMapping('- { source: id, target: id, transform: id }', { file: 'employee.yaml' }),
          {
            drift: 'alert',
            now,
          },
        ),
      ],
    });
    runtime = await createRuntime({ integrations: [employees], store: t.store, now });
  });
  afterEach(async () => {
    await t.cleanup();
  });

  it('records drift from the mapping step, alerts with the fields and since when, updates on a new field and resolves on acknowledgement', async () => {
    const engine = new AlertEngine({ store: t.store, rules: [schemaDriftRule()], route: ['t'] });
    records = [{ id: '1', name: 'a' }];
    await runtime.run('employees'); // the baseline
    expect(await engine.evaluate(await observe(), T0)).toEqual([]);
    expect((await runtime.status())[0]?.drift).toBe(null);

    clock = T0 + MIN;
    records = [{ id: '2', nickname: 'b' }];
    await runtime.run('employees');
    const [s] = await runtime.status();
    expect(s?.drift).toMatchObject({
      mappings: ['employee'],
      added: ['nickname'],
      removed: ['name'],
      since: T0 + MIN,
      acknowledgedAt: null,
    });
    clock = T0 + 2 * MIN;
    const opened = await engine.evaluate(await observe(), clock);
    expect(opened.map((e) => `${e.event} ${e.alert.integration} ${e.alert.condition}`)).toEqual([
      'open employees schema-drift',
    ]);
    expect(opened[0]?.alert.actual).toMatch(
      /^new fields: nickname; missing fields: name \(since 2026-11-17T08:01:00\.000Z, last seen 1m ago; acknowledge with patchbay alerts ack-drift employees\)$/,
    );

    // A further change joins the open alert as an update, not a second alert.
    clock = T0 + 3 * MIN;
    records = [{ id: 3, nickname: 'c' }];
    await runtime.run('employees');
    const updated = await engine.evaluate(await observe(), clock);
    expect(updated.map((e) => e.event)).toEqual(['update']);
    expect(updated[0]?.alert.actual).toContain('retyped fields: id (string → number)');

    expect(await acknowledgeDrift(t.store.cache, 'employees', clock)).toBe(true);
    expect((await engine.evaluate(await observe(), clock + MIN)).map((e) => e.event)).toEqual([
      'resolve',
    ]);
    expect(await listAlerts(t.store)).toEqual([]);
  });

  it('resolves on its own once no drift was reported for quietFor (from the config)', async () => {
    const engine = new AlertEngine({
      store: t.store,
      rules: rulesFromConfig({
        sinks: {},
        route: ['t'],
        rules: { schemaDrift: { quietFor: '6h' } },
      }),
      route: ['t'],
    });
    records = [{ id: '1' }];
    await runtime.run('employees');
    records = [{ id: '2', extra: true }];
    await runtime.run('employees');
    expect((await engine.evaluate(await observe(), T0 + HOUR)).map((e) => e.event)).toEqual([
      'open',
    ]);
    expect(await engine.evaluate(await observe(), T0 + 5 * HOUR)).toEqual([]);
    const resolved = await engine.evaluate(await observe(), T0 + 6 * HOUR);
    expect(resolved.map((e) => `${e.event} ${e.alert.condition}`)).toEqual([
      'resolve schema-drift',
    ]);
    // Resolution does not erase the record: status still shows what changed.
    expect((await readDrift(t.store.cache, 'employees'))?.added).toEqual(['extra']);
  });

  it('is silent without drift and once acknowledged', () => {
    const rule = schemaDriftRule();
    const at = (acknowledgedAt: number | null) =>
      status({
        drift: {
          integration: 'gps-positions',
          mappings: ['position'],
          added: ['speed'],
          removed: [],
          retyped: [],
          since: T0,
          lastSeenAt: T0,
          acknowledgedAt,
        },
      });
    const ctx = { now: T0 + MIN, state: undefined };
    expect(rule.evaluate({ status: status() }, ctx).finding).toBe(undefined);
    expect(rule.evaluate({ status: at(T0) }, ctx).finding).toBe(undefined);
    expect(rule.evaluate({ status: at(null) }, ctx).finding).toMatchObject({
      severity: 'warning',
      expected: 'source records shaped as mapping position expects',
      fingerprint: 'speed',
    });
  });

  async function observe() {
    return (await runtime.status()).map((s) => ({ status: s }));
  }
});
