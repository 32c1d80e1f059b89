import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cli } from '../../cli/__fixtures__/harness.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { readLoaded } from './__fixtures__/drop.js';

const FIXTURE = fileURLToPath(new URL('./__fixtures__/drop.ts', import.meta.url));
let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

function project(): string {
  const d = mkdtempSync(join(tmpdir(), 'patchbay-file-replay-'));
  mkdirSync(join(d, 'drop'));
  writeFileSync(
    join(d, 'patchbay.config.mts'),
    `import { replayProject } from ${JSON.stringify(FIXTURE.replace(/\.ts$/, '.js'))};\n` +
      `export default replayProject(${JSON.stringify(d)});\n`,
  );
  return d;
}

function drop(d: string, date: string, rows: number): void {
  let s = 'id;name\n';
  for (let i = 1; i <= rows; i++) s += `${date}-${i};n${i}\n`;
  writeFileSync(join(d, 'drop', `MATMAS_${date}.csv`), s);
}

describe('patchbay replay of a file drop', () => {
  it('re-processes the archived files of a date range, adds no duplicates and leaves the live position alone', async () => {
    dir = project();
    drop(dir, '20261116', 2);
    drop(dir, '20261117', 3);
    drop(dir, '20261118', 4);
    drop(dir, '20261119', 5);
    const live = await cli(['run', '--once', '--project', dir]);
    expect(live.code, live.err).toBe(0);
    expect(readdirSync(join(dir, 'drop'))).toEqual([]);
    const before = readLoaded(dir);
    expect(Object.keys(before)).toHaveLength(14);
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    const checkpoint = await store.checkpoints.get('sap-loads');
    await store.close();

    const { code, out, err } = await cli([
      'replay',
      'sap-loads',
      '--from',
      '2026-11-17',
      '--to',
      '2026-11-18',
      '--project',
      dir,
    ]);
    expect(code, err).toBe(0);
    expect(out).toContain('replay of sap-loads from 2026-11-17 to 2026-11-18: succeeded');
    expect(out).toContain('read 7, written 7');

    const after = readLoaded(dir);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const deliveries = (date: string) =>
      Object.entries(after)
        .filter(([k]) => k.startsWith(date))
        .map(([, v]) => v.deliveries);
    expect(deliveries('2026-11-16')).toEqual([1, 1]);
    expect(deliveries('2026-11-17')).toEqual([2, 2, 2]);
    expect(deliveries('2026-11-18')).toEqual([2, 2, 2, 2]);
    expect(deliveries('2026-11-19')).toEqual([1, 1, 1, 1, 1]);

    const store2 = await openSqliteStore({ path: join(dir, 'state.db') });
    expect(await store2.checkpoints.get('sap-loads')).toEqual(checkpoint);
    await store2.close();
  });

  it('rejects a --from that is not a date as a usage error', async () => {
    dir = project();
    const { code, err } = await cli([
      'replay',
      'sap-loads',
      '--from',
      'yesterday',
      '--project',
      dir,
    ]);
    expect(code).toBe(2);
    expect(err).toContain('is not a date: this source replays by business-date');
  });
});
