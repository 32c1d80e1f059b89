import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { employeeYaml } from '../mapping/__fixtures__/project.js';
import { cli } from './__fixtures__/harness.js';

const FIXTURE = fileURLToPath(new URL('../mapping/__fixtures__/project.js', import.meta.url));
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-pause-'));
  writeFileSync(join(dir, 'employee.yaml'), employeeYaml(true));
  writeFileSync(
    join(dir, 'patchbay.config.mts'),
    `import { rejectsProject } from ${JSON.stringify(FIXTURE)};\n` +
      `export default rejectsProject(${JSON.stringify({ dir })});\n`,
  );
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('patchbay pause / resume', () => {
  it('holds live runs, shows PAUSED in status, and resume lifts it', async () => {
    const paused = await cli([
      'pause',
      'employees',
      '--reason',
      'vendor migration',
      '--project',
      dir,
    ]);
    expect(paused.code).toBe(0);
    expect(paused.out).toContain('employees is paused since');

    const status = await cli(['status', '--project', dir]);
    expect(status.out).toMatch(/^employees {2}sql-extract {2}owner hr {2}PAUSED/m);
    expect(status.out).toMatch(
      /paused {8}.* by operator: vendor migration {2}\(patchbay resume employees\)/,
    );
    expect(status.out).toContain('1 paused (employees)');
    const json = JSON.parse((await cli(['status', '--json', '--project', dir])).out) as {
      integrations: Array<{ paused: { by: string; reason: string } | null }>;
      metrics: Record<string, number>;
    };
    expect(json.metrics['integration.employees.paused']).toBe(1);
    expect(json.integrations[0]?.paused).toMatchObject({
      by: 'operator',
      reason: 'vendor migration',
    });

    const refused = await cli(['run', '--once', '--project', dir]);
    expect(refused.code).not.toBe(0);
    expect(refused.out + refused.err).toContain('employees is paused');
    expect(() => readFileSync(join(dir, 'out.jsonl'))).toThrow();

    const resumed = await cli(['resume', 'employees', '--project', dir]);
    expect(resumed.code).toBe(0);
    expect(resumed.out).toContain('resumed employees (was paused by operator: vendor migration)');
    expect((await cli(['resume', 'employees', '--project', dir])).out).toContain(
      'employees was not paused',
    );
    expect((await cli(['run', '--once', '--project', dir])).code).toBe(0);
    expect(readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect((await cli(['status', '--project', dir])).out).not.toContain('PAUSED');
    const after = JSON.parse((await cli(['status', '--json', '--project', dir])).out) as {
      metrics: Record<string, number>;
    };
    expect(after.metrics['integration.employees.paused']).toBe(0);
  });

  it('refuses an unknown integration', async () => {
    const { code, err } = await cli(['pause', 'nope', '--project', dir]);
    expect(code).toBe(2);
    expect(err).toContain('nope');
  });
});
