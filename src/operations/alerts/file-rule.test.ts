import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileExpectationDay } from '../../connectors/file/expect-state.js';
import { tempStore, type TempStore } from '../alert-sinks/__fixtures__/peers.js';
import { status } from './__fixtures__/status.js';
import { AlertEngine, listAlerts } from './engine.js';
import { fileExpectationRule } from './file-rule.js';
import type { Observation } from './types.js';

const H = 3_600_000;
const DUE = Date.UTC(2026, 10, 17, 1);

function obs(days: Array<Partial<FileExpectationDay> & { date: string }>): Observation {
  return {
    status: status({
      id: 'sap-loads',
      files: {
        due: '02:00',
        timeZone: 'Europe/Berlin',
        graceMs: 0,
        since: 0,
        days: days.map((d) => ({
          state: 'pending',
          dueAt: DUE,
          arrivedAt: null,
          files: [],
          duplicates: [],
          failures: [],
          ...d,
        })),
      },
    }),
  };
}

describe('file expectation rule with the engine', () => {
  let t: TempStore;
  let engine: AlertEngine;
  beforeEach(async () => {
    t = await tempStore();
    engine = new AlertEngine({ store: t.store, rules: [fileExpectationRule()], route: ['hook'] });
  });
  afterEach(() => t.cleanup());

  const run = async (o: Observation, now: number) =>
    (await engine.evaluate([o], now)).map((e) => `${e.event} ${e.alert.condition}`);

  it('keeps one alert per business date and condition, each resolved on its own', async () => {
    const both = obs([
      { date: '2026-11-17', state: 'missing' },
      { date: '2026-11-16', state: 'missing', dueAt: DUE - 24 * H },
    ]);
    expect(await run(both, DUE + H)).toEqual([
      'open file:missing:2026-11-17',
      'open file:missing:2026-11-16',
    ]);
    expect(await run(both, DUE + 2 * H)).toEqual([]);
    const oneLate = obs([
      { date: '2026-11-17', state: 'missing' },
      { date: '2026-11-16', state: 'late', arrivedAt: DUE },
    ]);
    expect(await run(oneLate, DUE + 3 * H)).toEqual(['resolve file:missing:2026-11-16']);
    const open = await listAlerts(t.store);
    expect(open.map((a) => [a.condition, a.severity])).toEqual([
      ['file:missing:2026-11-17', 'critical'],
    ]);
    // Pending and arrived dates never alert; other integrations have no file alerts.
    expect(await run(obs([{ date: '2026-11-18' }]), DUE + 4 * H)).toEqual([
      'resolve file:missing:2026-11-17',
    ]);
    expect(await run({ status: status() }, DUE + 5 * H)).toEqual([]);
  });

  it('updates an open failed alert when another file of the date fails, and a duplicate alert on a new copy', async () => {
    const failures = [{ name: 'A.csv', at: DUE - H, reason: 'empty' }];
    const dup = [{ name: 'B.csv', at: DUE - H }];
    expect(
      await run(obs([{ date: '2026-11-17', state: 'failed', failures, duplicates: dup }]), DUE),
    ).toEqual(['open file:failed:2026-11-17', 'open file:duplicate:2026-11-17']);
    const more = obs([
      {
        date: '2026-11-17',
        state: 'failed',
        failures: [...failures, { name: 'C.csv', at: DUE, reason: 'bad header' }],
        duplicates: [...dup, { name: 'B.csv', at: DUE }],
      },
    ]);
    expect(await run(more, DUE + H)).toEqual([
      'update file:failed:2026-11-17',
      'update file:duplicate:2026-11-17',
    ]);
    // The duplicate alert goes quiet 24 h after the last copy; the failure stays.
    expect(await run(more, DUE + 24 * H + 1)).toEqual(['resolve file:duplicate:2026-11-17']);
  });
});
