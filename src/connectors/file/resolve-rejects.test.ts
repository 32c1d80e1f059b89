import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Crosswalk } from '../../mapping/crosswalk.js';
import { mappingStep } from '../../mapping/step.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { dailyCsvDrop, tempDrop, upsertSink } from './__fixtures__/drop.js';

const t = tempDrop();
afterEach(() => rmSync(t.dir, { recursive: true, force: true }));

describe('rejects of rows that load later', () => {
  it('leave the ledger when a replay loads them, and only those', async () => {
    writeFileSync(
      join(t.dir, 'load.yaml'),
      `name: load
fields:
  - { source: LOAD, target: load_no, transform: id, required: true }
  - { source: PLANT, target: hub, transform: lookup, crosswalk: { system: erp, entity: plant }, onMiss: park }
`,
    );
    writeFileSync(join(t.drop, 'LOADS_20261117.csv'), 'LOAD;PLANT\nL1;P1\nL2;P9\nL3;P1\nL4;P8\n');
    const store = await openSqliteStore({ path: join(t.dir, 'state.db') });
    try {
      const xw = new Crosswalk(store.crosswalk);
      await xw.link('erp', 'plant', 'P1', 'hub-1');
      const sink = upsertSink();
      const runtime = await createRuntime({
        store,
        integrations: [
          dailyCsvDrop(t, {
            id: 'loads',
            steps: [mappingStep(join(t.dir, 'load.yaml'))],
            sink,
            idempotencyKey: { fields: ['load_no'] },
          }),
        ],
      });
      const live = await runtime.run('loads');
      expect(live.status, JSON.stringify(live.error)).not.toBe('failed');
      expect(sink.rows.size).toBe(2);
      const parked = await store.rejects.list('loads');
      expect(parked.map((r) => [r.recordKey, r.rule])).toEqual([
        ['2026-11-17/LOADS_20261117.csv#3', 'lookup'],
        ['2026-11-17/LOADS_20261117.csv#5', 'lookup'],
      ]);

      // The hubs list learns P9 but not P8; the day is replayed from the archive.
      await xw.link('erp', 'plant', 'P9', 'hub-9');
      const replay = await runtime.run('loads', {
        mode: 'replay',
        range: { from: '2026-11-17', to: '2026-11-17' },
      });
      expect(replay.status, JSON.stringify(replay.error)).not.toBe('failed');
      expect(sink.rows.size).toBe(3);
      const left = await store.rejects.list('loads');
      expect(left.map((r) => r.recordKey)).toEqual(['2026-11-17/LOADS_20261117.csv#5']);
      // The row still missing keeps its ledger row, and the replay refreshed it in place.
      expect(left[0]?.id).toBe(parked[1]?.id);
      await runtime.stop();
    } finally {
      await store.close();
    }
  });
});
