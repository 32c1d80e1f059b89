/**
 * The registry and the secret inventory through the real bin (`node
 * bin/patchbay.js`, which loads the built dist/; `npm run build` first, as
 * `npm test` does), with a canary secret in the child's environment: no
 * output file, stdout or stderr may contain it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { secretsTempProject } from './__fixtures__/secrets-project.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'patchbay.js');
const TOKEN_ENV = 'PB_BIN_REGISTRY_TOKEN';
const CANARY = 'canary-bin-6a0f93d2c4';
const PLAIN = 'plaintext-bin-canary-27e4';

// Without vitest's variables, so the child loads TypeScript configs via tsx as users' processes do.
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))),
  [TOKEN_ENV]: CANARY,
};

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

describe('node bin/patchbay.js registry and secrets', () => {
  it('generate, check and list without a canary secret in any output', async () => {
    const project = secretsTempProject({ tokenEnv: TOKEN_ENV, plaintext: PLAIN });
    cleanups.push(project.cleanup);
    const out = mkdtempSync(join(tmpdir(), 'patchbay-registry-bin-'));
    cleanups.push(() => rmSync(out, { recursive: true, force: true }));
    const p = ['--project', project.dir];
    const results = [
      await run(['secrets', 'inventory', '--json', ...p]),
      await run(['secrets', 'rotated', `env:${TOKEN_ENV}`, '--by', 'ci', ...p]),
      await run(['registry', '--out', out, ...p]),
      await run(['registry', '--out', out, '--check', ...p]),
      await run(['check', ...p]),
    ];
    expect(results.map((r) => r.code)).toEqual([1, 0, 0, 0, 1]);
    // The child really resolved the canary: the inventory says the reference resolves.
    const inventory = JSON.parse(results[0]?.out ?? '') as {
      secrets: Array<{ reference: string | null; resolvable: boolean }>;
    };
    expect(inventory.secrets.find((s) => s.reference === `env:${TOKEN_ENV}`)?.resolvable).toBe(
      true,
    );
    const files = readdirSync(out);
    expect(files.sort()).toEqual([
      'README.md',
      'index.html',
      'legacy.html',
      'legacy.md',
      'positions.html',
      'positions.md',
    ]);
    const texts = [
      ...files.map((f) => readFileSync(join(out, f), 'utf8')),
      ...results.flatMap((r) => [r.out, r.err]),
    ];
    for (const text of texts) {
      expect(text.includes(CANARY)).toBe(false);
      expect(text.includes(PLAIN)).toBe(false);
    }
    expect(readFileSync(join(out, 'positions.md'), 'utf8')).toContain(`\`env:${TOKEN_ENV}\``);
  });
});
