import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../../cli/__fixtures__/harness.js';
import type { SinkSession } from '../../core/connector.js';
import { sqlite } from './dialects/index.js';
import { sqlUpsert } from './upsert-sink.js';
import { testContext } from './__fixtures__/servers.js';

const here = (file: string) => JSON.stringify(fileURLToPath(new URL(file, import.meta.url)));

let dir: string;
const sinkConfig = () => ({
  dialect: 'sqlite',
  file: join(dir, 'platform.db'),
  table: 'employees',
  key: 'id',
  conflict: 'park',
  versionColumn: 'version',
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-conflicts-'));
  const conn = await sqlite.connect({
    host: '',
    file: join(dir, 'platform.db'),
    readOnly: false,
    statementTimeoutMs: 0,
    connectTimeoutMs: 0,
  });
  await conn.run('CREATE TABLE employees (id INTEGER PRIMARY KEY, name TEXT, version INTEGER)');
  await conn.close();
  writeFileSync(
    join(dir, 'patchbay.config.mts'),
    `import { defineProject } from ${here('../../runtime/project.js')};
import { defineIntegration } from ${here('../../core/integration.js')};
import { sqlExtract, sqlUpsert } from ${here('./index.js')};
export default defineProject({
  name: 'conflicts-fixture',
  store: { path: ${JSON.stringify(join(dir, 'state.db'))} },
  logLevel: 'warn',
  integrations: [
    defineIntegration({
      id: 'hr-employees',
      owner: 'integrations',
      pattern: 'sql-extract',
      trigger: { type: 'manual' },
      source: sqlExtract({ dialect: 'sqlite', file: ${JSON.stringify(join(dir, 'hr.db'))}, table: 'employees', watermark: 'updated_at', primaryKey: 'id' }),
      sink: sqlUpsert(${JSON.stringify(sinkConfig())}),
      idempotencyKey: { fields: ['id'] },
    }),
  ],
});
`,
  );
  const sink = (await sqlUpsert.spec.connect(sqlUpsert.spec.config.parse(sinkConfig()), {
    ...testContext(),
    integrationId: 'hr-employees',
  })) as SinkSession;
  const ctx = { ...testContext(), integrationId: 'hr-employees' };
  const rec = (id: number, name: string, version: number) => ({
    data: { id, name, version },
    idempotencyKey: String(id),
    sourceKey: String(id),
  });
  await sink.write([rec(1, 'Ada v5', 5), rec(2, 'Bob v5', 5)], ctx);
  await sink.write([rec(1, 'Ada v3', 3), rec(2, 'Bob v4', 4)], ctx);
  await sink.close();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

interface ListJson {
  conflicts: Array<{ id: string; key: string; incoming: { name: string }; status: string }>;
}

describe('patchbay conflicts', () => {
  it('lists parked conflicts and resolves them by taking either side', async () => {
    const listed = await cli(['conflicts', 'list', 'hr-employees', '--project', dir]);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^ID\s+TABLE\s+KEY\s+STATUS/);
    expect(listed.out).toContain('2 conflicts of hr-employees');
    const json = JSON.parse(
      (await cli(['conflicts', 'list', 'hr-employees', '--json', '--project', dir])).out,
    ) as ListJson;
    const ada = json.conflicts.find((c) => c.key === '["1"]')!;
    const bob = json.conflicts.find((c) => c.key === '["2"]')!;
    expect(ada.incoming.name).toBe('Ada v3');

    const took = await cli([
      'conflicts',
      'resolve',
      'hr-employees',
      ada.id,
      '--take',
      'incoming',
      '--project',
      dir,
    ]);
    expect(took.code).toBe(0);
    expect(took.out).toContain(`resolved ${ada.id} (incoming)`);
    expect(
      (
        await cli([
          'conflicts',
          'resolve',
          'hr-employees',
          '--all',
          '--take',
          'current',
          '--project',
          dir,
        ])
      ).code,
    ).toBe(0);

    const conn = await sqlite.connect({
      host: '',
      file: join(dir, 'platform.db'),
      readOnly: true,
      statementTimeoutMs: 0,
      connectTimeoutMs: 0,
    });
    expect(
      (await conn.query('SELECT name FROM employees ORDER BY id')).map((r) => r['name']),
    ).toEqual(['Ada v3', 'Bob v5']);
    await conn.close();
    expect((await cli(['conflicts', 'list', 'hr-employees', '--project', dir])).out).toContain(
      'no open conflicts',
    );
    const again = await cli([
      'conflicts',
      'resolve',
      'hr-employees',
      bob.id,
      '--take',
      'incoming',
      '--project',
      dir,
    ]);
    expect(again.code).toBe(1);
    expect(again.out).toContain('already resolved');
  });

  it('explains usage mistakes with exit code 2', async () => {
    expect((await cli(['conflicts', 'list', 'nope', '--project', dir])).code).toBe(2);
    expect(
      (await cli(['conflicts', 'resolve', 'hr-employees', '--take', 'incoming', '--project', dir]))
        .code,
    ).toBe(2);
    expect(
      (await cli(['conflicts', 'resolve', 'hr-employees', 'x', '--take', 'both', '--project', dir]))
        .code,
    ).toBe(2);
  });
});
