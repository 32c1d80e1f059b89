import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, type CliResult } from './__fixtures__/harness.js';
import { secretsTempProject } from './__fixtures__/secrets-project.js';

const quickstart = fileURLToPath(new URL('../../examples/quickstart', import.meta.url));
const incomplete = fileURLToPath(new URL('../../examples/incomplete', import.meta.url));

const TOKEN_ENV = 'PB_REGISTRY_TEST_TOKEN';
const CANARY = 'canary-secret-0c4f2a9e71';
const PLAIN = 'plaintext-canary-b81d55';
// The credential written into the URL of examples/incomplete.
const INCOMPLETE_PASSWORD = 'not-a-real-password';

beforeAll(() => {
  process.env[TOKEN_ENV] = CANARY;
});
afterAll(() => {
  delete process.env[TOKEN_ENV];
});

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-registry-out-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function read(dir: string, name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

/** Every output file's text and every stdout/stderr, for grepping. */
function everything(dir: string, results: CliResult[]): Array<[string, string]> {
  return [
    ...readdirSync(dir).map((f): [string, string] => [f, read(dir, f)]),
    ...results.flatMap((r, i): Array<[string, string]> => [
      [`stdout#${i}`, r.out],
      [`stderr#${i}`, r.err],
    ]),
  ];
}

describe('patchbay registry on the bundled examples', () => {
  it('writes Markdown and HTML pages for the quickstart, and --check finds them current', async () => {
    const out = tempDir();
    const gen = await cli(['registry', '--out', out, '--project', quickstart]);
    expect(gen.code).toBe(0);
    expect(gen.out).toContain('wrote 4 files:');
    expect(readdirSync(out).sort()).toEqual([
      'README.md',
      'index.html',
      'orders-to-warehouse.html',
      'orders-to-warehouse.md',
    ]);
    const md = read(out, 'orders-to-warehouse.md');
    for (const row of [
      '| pattern | rest-poll — The order system offers only a paged REST API with a cursor, so we poll it. |',
      '| owner (our side) | integrations (integrations-oncall@example.com) |',
      '| owner (customer side) | Order system team (simulated) |',
      '| trigger | every 10s, time zone UTC, missed runs: skip |',
      '| retries | 5 attempts, exponential backoff from 1s to 5m (±20 % jitter), budget 15m |',
      '| timeouts | per attempt 30s; per run 5m |',
      '| idempotency | key fields orderNo; sink writes idempotently |',
      '| freshness | at most 1m old |',
      '| runbook | examples/quickstart/README.md |',
      '- `integration.orders-to-warehouse.freshness_seconds`',
      'Overall: **PASS**',
    ]) {
      expect(md).toContain(row);
    }
    expect(md).toMatch(
      /\| replay \| `patchbay replay orders-to-warehouse --from <date> {2}\(by \w+\)` \|/,
    );
    const html = read(out, 'orders-to-warehouse.html');
    expect(html).toContain('<h1>orders-to-warehouse</h1>');
    expect(html).toContain('patchbay replay orders-to-warehouse --from &lt;date&gt;');
    expect(read(out, 'index.html')).toContain(
      '<a href="orders-to-warehouse.html">orders-to-warehouse</a>',
    );
    const check = await cli(['registry', '--out', out, '--check', '--project', quickstart]);
    expect(check).toEqual({ code: 0, out: `registry in ${out} is up to date\n`, err: '' });
  });

  it('writes the incomplete example with its failures and without the credential in its URL', async () => {
    const out = tempDir();
    const gen = await cli(['registry', '--out', out, '--project', incomplete]);
    expect(gen.code).toBe(0);
    const legacy = read(out, 'legacy-export.md');
    expect(legacy).toContain('| `source.config.endpoint` | (plaintext — not shown) |');
    expect(legacy).toContain('| replay | not supported by the source |');
    expect(legacy).toContain('| retries | off (one attempt) |');
    expect(legacy).toContain('Overall: **FAIL**');
    expect(legacy).toContain(
      '| auth | fail | source.config.endpoint is a URL with credentials in it |',
    );
    expect(read(out, 'README.md')).toContain(
      '| [orders-copy](orders-copy.md) | rest-poll | integrations | - | at most 1h old | fail |',
    );
    const printed = await cli(['registry', '--project', incomplete]);
    const json = await cli(['registry', '--json', '--project', incomplete]);
    expect(JSON.parse(json.out).integrations.map((e: { id: string }) => e.id)).toEqual([
      'legacy-export',
      'orders-copy',
    ]);
    for (const [where, text] of everything(out, [gen, printed, json])) {
      expect({ where, leaked: text.includes(INCOMPLETE_PASSWORD) }).toEqual({
        where,
        leaked: false,
      });
    }
  });
});

describe('patchbay registry never prints a secret value', () => {
  it('keeps a resolved canary secret and a plaintext credential out of every output', async () => {
    const project = secretsTempProject({ tokenEnv: TOKEN_ENV, plaintext: PLAIN });
    cleanups.push(project.cleanup);
    const p = ['--project', project.dir];
    const out = tempDir();
    // Resolve the canary in this process first (the inventory tests each
    // reference), and give the registry a store with live state to read.
    const results = [
      await cli(['secrets', 'inventory', ...p]),
      await cli(['secrets', 'rotated', `env:${TOKEN_ENV}`, '--at', '2026-01-02', ...p]),
      await cli(['registry', '--out', out, ...p]),
      await cli(['registry', ...p]),
      await cli(['registry', '--json', ...p]),
      await cli(['registry', '--out', out, '--check', ...p]),
      await cli(['check', '--json', ...p]),
    ];
    expect(results.map((r) => r.code)).toEqual([1, 0, 0, 0, 0, 0, 1]);
    const files = everything(out, results);
    expect(files.length).toBeGreaterThanOrEqual(6 + 14);
    for (const [where, text] of files) {
      for (const secret of [CANARY, PLAIN]) {
        expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
      }
    }
    // The references themselves are shown, with their declared facts and live rotation.
    const page = read(out, 'positions.md');
    expect(page).toContain(
      `| \`source.config.token\` | \`env:${TOKEN_ENV}\` | env | GPS vendor token | secops | 90d | reference |`,
    );
    expect(page).toContain(
      `| \`env:${TOKEN_ENV}\` | 2026-01-02T00:00:00.000Z | 2026-04-02T00:00:00.000Z |`,
    );
    expect(page).toContain('Last run: never run');
    expect(read(out, 'legacy.html')).toContain('(plaintext — not shown)');
  });
});

describe('patchbay registry --check', () => {
  it('exits 1 naming changed, missing and orphaned pages, and 0 again after regenerating', async () => {
    const out = tempDir();
    await cli(['registry', '--out', out, '--project', incomplete]);
    const page = join(out, 'orders-copy.md');
    writeFileSync(page, read(out, 'orders-copy.md').replace('rest-poll', 'queue'));
    rmSync(join(out, 'legacy-export.html'));
    writeFileSync(
      join(out, 'retired.md'),
      '# retired\n\n<!-- generated by `patchbay registry`; do not edit -->\n',
    );
    writeFileSync(join(out, 'notes.md'), '# hand-written notes\n');
    const {
      code,
      out: stdout,
      err,
    } = await cli(['registry', '--out', out, '--check', '--project', incomplete]);
    expect(code).toBe(1);
    expect(stdout).toBe(
      [
        `registry in ${out} is stale:`,
        '  missing  legacy-export.html',
        '  changed  orders-copy.md',
        '  orphan   retired.md',
        '',
      ].join('\n'),
    );
    expect(err).toBe(`hint: regenerate it with: patchbay registry --out ${out}\n`);
    const regen = await cli(['registry', '--out', out, '--project', incomplete]);
    expect(regen.out).toContain(`removed 1 stale pages:\n  ${join(out, 'retired.md')}`);
    expect((await cli(['registry', '--out', out, '--check', '--project', incomplete])).code).toBe(
      0,
    );
    expect(read(out, 'notes.md')).toBe('# hand-written notes\n');
  });

  it('reports a missing folder as stale rather than creating it', async () => {
    const out = join(tempDir(), 'not-there');
    const { code, out: stdout } = await cli([
      'registry',
      '--out',
      out,
      '--check',
      '--project',
      quickstart,
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('  missing  README.md');
    expect(() => readdirSync(out)).toThrow(/ENOENT/);
  });

  it('refuses option combinations that cannot work, with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--check'], /--check needs --out <dir>/],
      [['--out', 'x', '--json'], /--json prints to stdout and cannot be combined with --out/],
      [['--out', 'x', '--only', 'orders-copy'], /--only cannot be combined with --out/],
      [['--only', 'nope'], /no integration "nope" in project incomplete/],
      [['--format', 'pdf'], /unknown option '--format'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['registry', ...args, '--project', incomplete]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.err).toMatch(message);
      expect(r.out).toBe('');
    }
  });
});
