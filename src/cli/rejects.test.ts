import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLoaded } from '../connectors/file/__fixtures__/drop.js';
import { employeeYaml } from '../mapping/__fixtures__/project.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { cli, testIo } from './__fixtures__/harness.js';

const FIXTURE = fileURLToPath(new URL('../mapping/__fixtures__/project.js', import.meta.url));
const DROP_FIXTURE = fileURLToPath(
  new URL('../connectors/file/__fixtures__/drop.js', import.meta.url),
);
let dir: string;

interface ListJson {
  total: number;
  rejects: Array<{
    id: string;
    mapping: string;
    recordKey: string;
    fieldPath: string;
    rule: string;
    value: unknown;
    raw: Record<string, unknown>;
  }>;
}

async function list(integration = 'employees', folder = dir): Promise<ListJson> {
  const { code, out } = await cli(['rejects', 'list', integration, '--json', '--project', folder]);
  expect(code).toBe(0);
  return JSON.parse(out) as ListJson;
}

function written(): Array<Record<string, unknown>> {
  return readFileSync(join(dir, 'out.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * Writes a project folder. The CLI runs in-process here, so a config module
 * is imported once per folder: a "fixed" mapping gets a fresh folder on the
 * same store and document, as a new `patchbay` process would see it.
 */
function project(folder: string): string {
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'patchbay.config.mts'),
    `import { rejectsProject } from ${JSON.stringify(FIXTURE)};\n` +
      `export default rejectsProject(${JSON.stringify({ dir })});\n`,
  );
  return folder;
}

async function start(sensitive: boolean): Promise<void> {
  writeFileSync(join(dir, 'employee.yaml'), employeeYaml(false, sensitive));
  expect((await cli(['run', '--once', '--project', project(dir)])).code).toBe(0);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-rejects-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('patchbay rejects', () => {
  it('lists and shows rejects with field, rule and masked raw input', async () => {
    await start(true);
    const { code, out } = await cli(['rejects', 'list', 'employees', '--project', dir]);
    expect(code).toBe(0);
    expect(out).toMatch(/^ID\s+KEY\s+FIELD\s+RULE\s+VALUE/);
    expect(out).toContain('2 of 2 rejects of employees');
    const json = await list();
    expect(json.rejects.map((r) => [r.recordKey, r.fieldPath, r.rule, r.value])).toEqual([
      ['E-2', 'country', 'lookup', 'FR'],
      ['E-4', 'country', 'lookup', 'FR'],
    ]);
    expect(json.rejects[0]?.raw['ssn']).toBe('[masked]');
    const id = json.rejects[0]?.id ?? '';
    const shown = await cli(['rejects', 'show', 'employees', id, '--project', dir]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`reject ${id}`);
    expect(shown.out).toMatch(/rule\s+lookup/);
    expect(shown.out).not.toContain('999000002');
    expect(written()).toHaveLength(3);
    const missing = await cli(['rejects', 'show', 'employees', '9999', '--project', dir]);
    expect(missing.code).toBe(2);
  });

  it('cannot re-drive a record whose sensitive input was stored masked', async () => {
    await start(true);
    writeFileSync(join(dir, 'employee.yaml'), employeeYaml(true, false));
    const before = await cli([
      'rejects',
      'retry',
      'employees',
      '--all',
      '--project',
      project(join(dir, 'fixed')),
    ]);
    expect(before.code).toBe(1);
    expect(before.out).toContain('0 succeeded, 0 dead-lettered, 2 rejected again');
    // Even with the fix dropping `sensitive`, the mask itself is never mapped.
    expect((await list()).rejects.map((r) => r.rule)).toEqual(['masked-input', 'masked-input']);
  });

  it('re-drives rejects after a mapping fix through the same steps and sink', async () => {
    await start(false);
    const unfixed = await cli(['rejects', 'retry', 'employees', '--all', '--project', dir]);
    expect(unfixed.code).toBe(1);
    expect(unfixed.out).toContain('2 rejected again');
    expect((await list()).rejects.map((r) => r.rule)).toEqual(['lookup', 'lookup']);
    writeFileSync(join(dir, 'employee.yaml'), employeeYaml(true, false));
    const fixed = project(join(dir, 'fixed'));
    const [first] = (await list()).rejects;
    const one = await cli([
      'rejects',
      'retry',
      'employees',
      first?.id ?? '',
      '--json',
      '--project',
      fixed,
    ]);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out)).toMatchObject({ retried: 1, succeeded: [first?.id], failed: [] });
    const rest = await cli(['rejects', 'retry', 'employees', '--all', '--project', fixed]);
    expect(rest.code).toBe(0);
    expect(rest.out).toContain('1 succeeded');
    expect((await list()).total).toBe(0);
    expect(written().map((r) => r['country'])).toEqual([
      'Germany',
      'Germany',
      'Germany',
      'France',
      'France',
    ]);
  });

  it('refuses unclear selections', async () => {
    await start(true);
    expect((await cli(['rejects', 'retry', 'employees', '--project', dir])).code).toBe(2);
    expect(
      (await cli(['rejects', 'retry', 'employees', '1', '--all', '--project', dir])).code,
    ).toBe(2);
    expect((await cli(['rejects', 'retry', 'employees', '424242', '--project', dir])).code).toBe(2);
    expect((await cli(['rejects', 'list', 'nope', '--project', dir])).code).toBe(2);
  });

  it('drops named rejects, and all of them only when confirmed', async () => {
    await start(true);
    const [first, second] = (await list()).rejects;
    const one = await cli(['rejects', 'drop', 'employees', first?.id ?? '', '--project', dir]);
    expect(one.code).toBe(0);
    expect(one.out).toContain('dropped 1 reject of employees');
    expect((await list()).rejects.map((r) => r.id)).toEqual([second?.id]);
    // Another integration's id, or an unknown one, drops nothing.
    const unknown = await cli(['rejects', 'drop', 'employees', '424242', '--project', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('no reject of employees with id 424242');
    expect((await cli(['rejects', 'drop', 'employees', '--project', dir])).code).toBe(2);

    const unattended = await cli(['rejects', 'drop', 'employees', '--all', '--project', dir]);
    expect(unattended.code).toBe(2);
    expect(unattended.err).toContain('needs --yes');
    const declined = await cli(
      ['rejects', 'drop', 'employees', '--all', '--project', dir],
      testIo({ interactive: true, answer: 'n' }),
    );
    expect(declined.code).toBe(1);
    expect((await list()).total).toBe(1);
    const all = await cli([
      'rejects',
      'drop',
      'employees',
      '--all',
      '--yes',
      '--json',
      '--project',
      dir,
    ]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.out)).toEqual({ integration: 'employees', dropped: 1 });
    expect((await list()).total).toBe(0);
    const again = await cli(['rejects', 'drop', 'employees', '--all', '--project', dir]);
    expect(again.out).toContain('dropped 0 rejects of employees');
  });
});

describe('patchbay rejects retry of a parser reject', () => {
  it('leaves a file line the parser rejected as it is and says to fix the file', async () => {
    // The file-drop CSV project of the replay tests: no mapping step, sink keyed by `id`.
    const folder = join(dir, 'drop-project');
    mkdirSync(join(folder, 'drop'), { recursive: true });
    writeFileSync(
      join(folder, 'patchbay.config.mts'),
      `import { replayProject } from ${JSON.stringify(DROP_FIXTURE)};\n` +
        `export default replayProject(${JSON.stringify(folder)});\n`,
    );
    writeFileSync(join(folder, 'drop', 'MATMAS_20261117.csv'), 'id;name\n1;a\n2\n3;c\n');
    expect((await cli(['run', '--once', '--project', folder])).code).toBe(0);
    const before = (await list('sap-loads', folder)).rejects;
    expect(before.map((r) => [r.mapping, r.rule])).toEqual([['file-drop:csv', 'csv:columns']]);
    const id = before[0]?.id ?? '';

    const json = await cli([
      'rejects',
      'retry',
      'sap-loads',
      '--all',
      '--json',
      '--project',
      folder,
    ]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      integration: 'sap-loads',
      retried: 0,
      succeeded: [],
      deadLettered: [],
      failed: [],
      skipped: [
        {
          id,
          mapping: 'file-drop:csv',
          rule: 'csv:columns',
          reason:
            'a parser reject is fixed at the source: correct and re-send the file, or replay its business date',
        },
      ],
    });
    const text = await cli(['rejects', 'retry', 'sap-loads', id, '--project', folder]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('0 rejected again, 1 skipped');
    expect(text.out).toContain(
      `skipped   ${id}  csv:columns: a parser reject is fixed at the source`,
    );

    // Reason, raw line and retry count as the parser wrote them; nothing reached the sink or the DLQ.
    expect((await list('sap-loads', folder)).rejects).toEqual(before);
    expect(Object.keys(readLoaded(folder)).sort()).toEqual([
      '2026-11-17/MATMAS_20261117.csv#2',
      '2026-11-17/MATMAS_20261117.csv#4',
    ]);
    const dlq = await cli(['dlq', 'list', 'sap-loads', '--json', '--project', folder]);
    expect(JSON.parse(dlq.out)).toMatchObject({ total: 0 });
  });

  it('re-drives the mapping rejects and keeps the parser reject’s own reason', async () => {
    await start(false);
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    const parsed = await store.rejects.add({
      integrationId: 'employees',
      mapping: 'file-drop:jsonl',
      recordKey: '2026-11-17/staff.jsonl#9',
      fieldPath: '',
      rule: 'json:syntax',
      message: 'staff.jsonl line 9: Unexpected end of JSON input',
      value: null,
      raw: { file: '2026-11-17/staff.jsonl', line: 9, text: '{"id":"009",' },
      at: Date.now(),
    });
    await store.close();
    const before = (await list()).rejects.find((r) => r.id === parsed.id);
    writeFileSync(join(dir, 'employee.yaml'), employeeYaml(true, false));
    const retried = await cli([
      'rejects',
      'retry',
      'employees',
      '--all',
      '--json',
      '--project',
      project(join(dir, 'fixed')),
    ]);
    expect(retried.code).toBe(1);
    expect(JSON.parse(retried.out)).toMatchObject({
      retried: 2,
      failed: [],
      skipped: [{ id: parsed.id, rule: 'json:syntax' }],
    });
    // Before, the mapping step's complaint about `{ file, line, text }` replaced this reason.
    expect((await list()).rejects).toEqual([before]);
  });
});
