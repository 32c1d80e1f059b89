import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import { cli, testIo, tempProject, type TempProject } from './__fixtures__/harness.js';
import { main } from './main.js';

const invalid = (name: string) =>
  fileURLToPath(new URL(`./__fixtures__/invalid/${name}`, import.meta.url));

let project: TempProject | undefined;
afterEach(() => project?.cleanup());

/** One paragraph, no stack trace. */
function expectCleanError(err: string) {
  expect(err).toMatch(/^patchbay: /);
  expect(err).not.toMatch(/\n\s+at /);
}

describe('invalid configuration exits 2 with a message naming the problem', () => {
  it('a missing project', async () => {
    const { code, err } = await cli(['status', '--project', '/no/such/project']);
    expect(code).toBe(2);
    expect(err).toContain('project not found: /no/such/project');
    expectCleanError(err);
  });

  it('a folder without a config or integrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-empty-'));
    try {
      const { code, err } = await cli(['check', '--project', dir]);
      expect(code).toBe(2);
      expect(err).toContain('defines no integrations');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a config that does not export defineProject', async () => {
    const { code, err } = await cli(['check', '--project', invalid('bad-project')]);
    expect(code).toBe(2);
    expect(err).toContain('default export must be defineProject({...})');
  });

  it('a bad integration, naming it, the field and the allowed values', async () => {
    const { code, err } = await cli(['run', '--once', '--project', invalid('bad-integration')]);
    expect(code).toBe(2);
    expect(err).toContain('integration broken is invalid');
    expect(err).toMatch(/pattern: expected one of "rest-poll"/);
    expectCleanError(err);
  });

  it('duplicate ids', async () => {
    const { code, err } = await cli(['check', '--project', invalid('duplicate-ids')]);
    expect(code).toBe(2);
    expect(err).toContain('integration orders is defined twice: ids must be unique');
  });

  it('a bad connector config, naming every field', async () => {
    const { code, err } = await cli(['status', '--project', invalid('bad-connector-config')]);
    expect(code).toBe(2);
    expect(err).toContain('integration orders is invalid');
    expect(err).toContain('source.config.pageSize: expected a number <= 1000');
    expect(err).toContain('colour');
  });

  it('an unknown integration id, listing the known ones', async () => {
    project = tempProject({});
    for (const argv of [
      ['dlq', 'list', 'nope'],
      ['replay', 'nope', '--from', '1'],
      ['run', '--once', '--only', 'nope'],
      ['check', '--only', 'nope'],
      ['status', '--only', 'nope'],
    ]) {
      const { code, err } = await cli([...argv, '--project', project.dir]);
      expect(code, argv.join(' ')).toBe(2);
      expect(err).toContain('no integration "nope" in project fixture');
      expect(err).toContain('hint: known integrations: orders');
    }
  });

  it('a bad duration in --for, and --for with --once', async () => {
    project = tempProject({});
    const bad = await cli(['run', '--for', 'a while', '--project', project.dir]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(
      'expected a duration like "30s", "5m", "2h" or "1h30m", got "a while"',
    );
    const both = await cli(['run', '--once', '--for', '1m', '--project', project.dir]);
    expect(both.code).toBe(2);
    expect(both.err).toContain('--once and --for cannot be combined');
  });

  it('bad numbers and unknown options or commands', async () => {
    project = tempProject({});
    expect(
      (await cli(['dlq', 'list', 'orders', '--limit', 'lots', '--project', project.dir])).code,
    ).toBe(2);
    expect((await cli(['run', '--admin-port', '70000', '--project', project.dir])).code).toBe(2);
    const unknown = await cli(['status', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown option '--colour'");
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
  });

  it('shows the stack only with --verbose', async () => {
    const { err } = await cli(['check', '--verbose', '--project', '/no/such/project']);
    expect(err).toMatch(/\n\s+at /);
  });
});

describe('other exit codes', () => {
  it('3 when the store cannot be opened', async () => {
    project = tempProject({});
    // A folder where the database file should be: SQLite cannot open it.
    mkdirSync(join(project.dir, 'state.db'));
    const { code, err } = await cli(['status', '--project', project.dir]);
    expect(code).toBe(3);
    expect(err).toContain(`cannot open the store at ${join(project.dir, 'state.db')}`);
    expectCleanError(err);
  });

  it('0 for --help and --version, with the exit codes documented in help', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Exit codes:');
    const sub = await cli(['dlq', 'drop', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.out).toContain('130  interrupted');
    expect(sub.out).toContain('--project <dir>');
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.out).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('130 when a replay is interrupted', async () => {
    project = tempProject({ slowStepMs: 50, ordersPerRun: 40 });
    const dir = project.dir;
    const io = testIo();
    const exit = main(['replay', 'orders', '--from', '0', '--to', '4000', '--project', dir], io);
    await vi.waitFor(
      async () => {
        const store = await openSqliteStore({ path: join(dir, 'state.db') });
        const last = (await store.runs.latest('orders')).last;
        await store.close();
        if (last?.status !== 'running') throw new Error('replay not under way yet');
      },
      { timeout: 15_000, interval: 20 },
    );
    io.signal('SIGINT');
    expect(await exit).toBe(130);
    expect(io.out()).toContain(': cancelled');
  });
});
