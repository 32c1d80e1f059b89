import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import type { InventoryRow } from '../operations/secret-rotation.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { cli } from './__fixtures__/harness.js';
import { secretsTempProject } from './__fixtures__/secrets-project.js';

// Own variable names, so no other test file's environment interferes.
const TOKEN_ENV = 'PB_SECRETS_TEST_TOKEN';
const CANARY = 'canary-token-5d1e8b2f';
const PLAIN = 'plaintext-canary-93ab71';

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

function project(plaintext?: string): string {
  const p = secretsTempProject(
    plaintext === undefined ? { tokenEnv: TOKEN_ENV } : { tokenEnv: TOKEN_ENV, plaintext },
  );
  cleanups.push(p.cleanup);
  return p.dir;
}

type Inventory = { ok: boolean; secrets: Array<InventoryRow & { problem: string | null }> };

describe('patchbay secrets inventory', () => {
  it('lists each reference with purpose, place, rotator and no recorded rotation, exit 0', async () => {
    const dir = project();
    const { code, out, err } = await cli(['secrets', 'inventory', '--project', dir]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(
      /positions\s+source\.config\.token\s+env:PB_SECRETS_TEST_TOKEN\s+env\s+GPS vendor token\s+secops\s+never recorded\s+unknown\s+ok \(rotation not recorded\)/,
    );
    expect(out).toContain('1 secret use; 0 problems');
    // `secrets` alone is the inventory too.
    expect((await cli(['secrets', '--project', dir])).out).toBe(out);
    expect(out).not.toContain(CANARY);
  });

  it('fails a reference that does not resolve here', async () => {
    const dir = project();
    delete process.env[TOKEN_ENV];
    try {
      const { code, out } = await cli(['secrets', 'inventory', '--json', '--project', dir]);
      expect(code).toBe(1);
      const inv = JSON.parse(out) as Inventory;
      expect(inv.ok).toBe(false);
      expect(inv.secrets[0]).toMatchObject({ resolvable: false, problem: 'unresolvable' });
    } finally {
      process.env[TOKEN_ENV] = CANARY;
    }
  });

  it('records a rotation, then shows it with the due date of the declared period', async () => {
    const dir = project();
    const rotated = await cli([
      'secrets',
      'rotated',
      `env:${TOKEN_ENV}`,
      '--by',
      'alice',
      '--project',
      dir,
    ]);
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/^recorded: env:PB_SECRETS_TEST_TOKEN rotated at \S+Z by alice\n$/);
    const { code, out } = await cli(['secrets', 'inventory', '--json', '--project', dir]);
    expect(code).toBe(0);
    const row = (JSON.parse(out) as Inventory).secrets[0];
    expect(row?.rotation?.state).toBe('ok');
    expect(row?.lastRotatedBy).toBe('alice');
    expect((row?.rotation?.dueAt ?? 0) - (row?.rotation?.lastRotatedAt ?? 0)).toBe(90 * 86_400_000);
    const check = await cli(['check', '--project', dir]);
    expect(check.code).toBe(0);
    expect(check.out).toMatch(
      /pass {2}secrets rotated on time\s+env:PB_SECRETS_TEST_TOKEN rotated/,
    );
    // The security team can read who recorded it in the audit log.
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      const audit = await store.audit.list({ integrationId: '(secrets)' });
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ identity: 'alice', target: `env:${TOKEN_ENV}` });
      expect(audit[0]?.action).toMatch(/^secret\.rotated at /);
    } finally {
      await store.close();
    }
  });

  it('fails an overdue secret in the inventory and in patchbay check', async () => {
    const dir = project();
    const rec = await cli([
      'secrets',
      'rotated',
      `env:${TOKEN_ENV}`,
      '--at',
      '2020-01-01',
      '--json',
      '--project',
      dir,
    ]);
    expect(rec.code).toBe(0);
    expect(JSON.parse(rec.out)).toEqual({
      reference: `env:${TOKEN_ENV}`,
      at: Date.parse('2020-01-01T00:00:00Z'),
      by: null,
    });
    const inv = await cli(['secrets', '--project', dir]);
    expect(inv.code).toBe(1);
    expect(inv.out).toMatch(/2020-01-01\s+2020-03-31\s+OVERDUE/);
    expect(inv.out).toContain('1 secret use; 1 problem');
    const check = await cli(['check', '--json', '--project', dir]);
    expect(check.code).toBe(1);
    const item = (
      JSON.parse(check.out) as {
        integrations: Array<{ items: Array<{ id: string; status: string; reason: string }> }>;
      }
    ).integrations[0]?.items.find((i) => i.id === 'rotation');
    expect(item).toEqual(
      expect.objectContaining({
        status: 'fail',
        reason:
          'env:PB_SECRETS_TEST_TOKEN last rotated 2020-01-01, due 2020-03-31 (every 90d): overdue',
      }),
    );
  });

  it('fails a plaintext value in a secret field, naming the field and never the value', async () => {
    const dir = project(PLAIN);
    const inv = await cli(['secrets', '--project', dir]);
    expect(inv.code).toBe(1);
    expect(inv.out).toMatch(
      /legacy\s+source\.config\.password\s+\(plaintext, not shown\)\s+-\s+database password\s+integrations\s+-\s+-\s+PLAINTEXT/,
    );
    const check = await cli(['check', '--project', dir]);
    expect(check.code).toBe(1);
    expect(check.out).toMatch(
      /FAIL {2}auth through secret references\s+source\.config\.password is a secret field holding a plaintext value/,
    );
    for (const r of [inv, check]) expect(r.out + r.err).not.toContain(PLAIN);
  });
});

describe('patchbay secrets: malformed input', () => {
  it('refuses an unknown reference with exit 2, listing the known ones', async () => {
    const dir = project();
    const { code, out, err } = await cli(['secrets', 'rotated', 'env:NOPE', '--project', dir]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('patchbay: env:NOPE is not used or declared by project secrets-fixture');
    expect(err).toContain(`hint: known references: env:${TOKEN_ENV}, file:/run/secrets/erp`);
  });

  it('accepts a reference the project declares but does not use yet', async () => {
    const dir = project();
    const { code } = await cli(['secrets', 'rotated', 'file:/run/secrets/erp', '--project', dir]);
    expect(code).toBe(0);
  });

  it('refuses a value that is not a reference without echoing it (it may be the credential)', async () => {
    const dir = project();
    for (const value of [PLAIN, `postgres://app:${PLAIN}@db/app`]) {
      const { code, err } = await cli(['secrets', 'rotated', value, '--project', dir]);
      expect(code).toBe(2);
      expect(err).toContain('is not a secret reference (not shown');
      expect(err).not.toContain(PLAIN);
    }
  });

  it('refuses bad --at dates, unknown actions, bad options and unknown integrations with exit 2', async () => {
    const dir = project();
    const ref = `env:${TOKEN_ENV}`;
    const cases: Array<[string[], RegExp]> = [
      [['secrets', 'rotated', ref, '--at', 'last tuesday'], /--at "last tuesday" is not a date/],
      [['secrets', 'rotated', ref, '--at', '2026-13-45'], /--at "2026-13-45" is not a date/],
      [
        ['secrets', 'rotated', ref, '--at', '2999-01-01'],
        /--at 2999-01-01T00:00:00.000Z is in the future/,
      ],
      [['secrets', 'rotated'], /missing required argument 'ref'/],
      [['secrets', 'rotate', ref], /unknown secrets action "rotate"/],
      [['secrets', 'inventory', '--json=yes'], /unknown option '--json=yes'/],
      [
        ['secrets', 'inventory', '--only', 'nope'],
        /no integration "nope" in project secrets-fixture/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, out, err } = await cli([...args, '--project', dir]);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(err).toMatch(message);
      expect(out).toBe('');
    }
    // Nothing was recorded by the refused commands.
    const inv = JSON.parse((await cli(['secrets', '--json', '--project', dir])).out) as Inventory;
    expect(inv.secrets[0]?.rotation?.state).toBe('unrecorded');
  });

  it('rejects a project whose secrets declaration is keyed by a value, without echoing it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-secrets-bad-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const runtime = new URL('../runtime/project.js', import.meta.url).pathname;
    writeFileSync(
      join(dir, 'patchbay.config.mts'),
      `import { defineProject } from ${JSON.stringify(runtime)};\n` +
        `export default defineProject({ secrets: { ${JSON.stringify(PLAIN)}: { rotatedBy: 'x' } } });\n`,
    );
    const { code, err } = await cli(['secrets', '--project', dir]);
    expect(code).toBe(2);
    expect(err).toContain('every key must be a secret reference');
    expect(err).not.toContain(PLAIN);
  });
});
