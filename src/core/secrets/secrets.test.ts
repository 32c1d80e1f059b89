import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PatchbayError, isPatchbayError } from '../errors.js';
import {
  Secret,
  SecretResolverChain,
  defaultSecrets,
  envResolver,
  fileResolver,
  isSecretRef,
  knownSecretCount,
  redactDeep,
  redactText,
  resolveSecret,
  secretRef,
  type SecretResolver,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<PatchbayError> {
  try {
    await promise;
  } catch (err) {
    if (isPatchbayError(err)) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('Secret', () => {
  const value = 'tok-7f3a9c1e-do-not-print';
  const secret = new Secret('env:GPS_TOKEN', value);

  it('reveals its value only through reveal()', () => {
    expect(secret.reveal()).toBe(value);
    expect(secret.reference).toBe('env:GPS_TOKEN');
  });

  it('never leaks through string conversion, JSON, inspect or format', () => {
    const renderings = [
      String(secret),
      `${secret}`,
      'token=' + secret,
      JSON.stringify(secret),
      JSON.stringify({ token: secret, nested: [secret] }),
      inspect(secret),
      inspect({ deep: { token: secret } }, { depth: 10, showHidden: true }),
      format('%o', secret),
      format('%O', { secret }),
      format('%s', secret),
      format('%j', { secret }),
      format('token', secret),
      new Error(`auth failed with ${secret}`).message,
      JSON.stringify(new PatchbayError('auth', `rejected ${secret}`, { details: { secret } })),
      JSON.stringify({ ...secret }),
      JSON.stringify(Object.entries(secret)),
    ];
    for (const text of renderings) expect(text).not.toContain(value);
    expect(String(secret)).toBe('[redacted env:GPS_TOKEN]');
    expect(JSON.stringify({ token: secret })).toBe('{"token":"[redacted]"}');
    expect(inspect(secret)).toBe('Secret(env:GPS_TOKEN)');
    expect(format('%o', secret)).toBe('Secret(env:GPS_TOKEN)');
  });
});

describe('resolvers', () => {
  it('env: resolves from the environment into a Secret', async () => {
    process.env['PATCHBAY_TEST_TOKEN'] = 'env-value-123456';
    try {
      const secret = await resolveSecret('env:PATCHBAY_TEST_TOKEN');
      expect(secret).toBeInstanceOf(Secret);
      expect(secret.reveal()).toBe('env-value-123456');
      expect(secret.reference).toBe('env:PATCHBAY_TEST_TOKEN');
      expect(await envResolver.resolve('PATCHBAY_TEST_TOKEN')).toBe('env-value-123456');
    } finally {
      delete process.env['PATCHBAY_TEST_TOKEN'];
    }
  });

  it('resolves at call time, so a rotated value is picked up', async () => {
    process.env['PATCHBAY_ROTATING'] = 'first-value';
    try {
      expect((await resolveSecret('env:PATCHBAY_ROTATING')).reveal()).toBe('first-value');
      process.env['PATCHBAY_ROTATING'] = 'second-value';
      expect((await resolveSecret('env:PATCHBAY_ROTATING')).reveal()).toBe('second-value');
    } finally {
      delete process.env['PATCHBAY_ROTATING'];
    }
  });

  it('a missing or empty env var is a SECRET_MISSING config error naming the reference', async () => {
    delete process.env['PATCHBAY_SURELY_UNSET'];
    const err = await rejection(resolveSecret('env:PATCHBAY_SURELY_UNSET'));
    expect(err.kind).toBe('config');
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('env:PATCHBAY_SURELY_UNSET');
    expect(err.details).toEqual({ reference: 'env:PATCHBAY_SURELY_UNSET' });
    process.env['PATCHBAY_EMPTY'] = '';
    try {
      expect((await rejection(resolveSecret('env:PATCHBAY_EMPTY'))).code).toBe('SECRET_MISSING');
    } finally {
      delete process.env['PATCHBAY_EMPTY'];
    }
  });

  it('file: reads the file and trims one trailing newline', async () => {
    const path = join(dir, 'db-password');
    writeFileSync(path, 'file-secret-value\n');
    const secret = await resolveSecret(`file:${path}`);
    expect(secret.reveal()).toBe('file-secret-value');
    expect(String(secret)).toBe(`[redacted file:${path}]`);
    const crlf = join(dir, 'crlf');
    writeFileSync(crlf, 'windows-value\r\n');
    expect(await fileResolver.resolve(crlf)).toBe('windows-value');
  });

  it('a missing file is a SECRET_MISSING config error naming the reference', async () => {
    const path = join(dir, 'does-not-exist');
    const err = await rejection(resolveSecret(`file:${path}`));
    expect(err.kind).toBe('config');
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.message).toContain(`file:${path}`);
    expect(err.details).toEqual({ reference: `file:${path}` });
    expect((err.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('an unreadable path (a directory) is SECRET_MISSING too', async () => {
    const err = await rejection(resolveSecret(`file:${dir}`));
    expect(err.code).toBe('SECRET_MISSING');
    expect((err.cause as NodeJS.ErrnoException).code).toBe('EISDIR');
  });

  it('rejects plaintext without echoing it', async () => {
    const err = await rejection(resolveSecret('hunter2'));
    expect(err.kind).toBe('config');
    expect(err.code).toBe('PLAINTEXT_SECRET');
    expect(err.message).toMatch(/not a plaintext value/);
    expect(JSON.stringify(err)).not.toContain('hunter2');
  });

  it('rejects an unknown scheme without echoing the reference', async () => {
    const reference = 'postgres://app:pa55word-xyz@db:5432/app';
    expect(isSecretRef(reference)).toBe(false);
    const err = await rejection(resolveSecret(reference));
    expect(err.kind).toBe('config');
    expect(err.message).toContain('known scheme (env, file)');
    expect(JSON.stringify(err)).not.toContain('pa55word');
    expect((await rejection(resolveSecret('vault:kv/gps#token'))).kind).toBe('config');
  });

  it('uses a registered custom resolver, without touching the default chain', async () => {
    const calls: string[] = [];
    const vault: SecretResolver = {
      scheme: 'vault',
      async resolve(path) {
        calls.push(path);
        return `vault-value-for-${path}`;
      },
    };
    const chain = new SecretResolverChain().register(vault);
    expect(chain.schemes()).toEqual(['env', 'file', 'vault']);
    const secret = await chain.resolve('vault:kv/gps#token');
    expect(secret.reveal()).toBe('vault-value-for-kv/gps#token');
    expect(secret.reference).toBe('vault:kv/gps#token');
    expect(calls).toEqual(['kv/gps#token']);
    expect(defaultSecrets.schemes()).toEqual(['env', 'file']);
  });

  it('passes the abort signal to the resolver', async () => {
    let seen: AbortSignal | undefined;
    const chain = new SecretResolverChain().register({
      scheme: 'probe',
      async resolve(_path, signal) {
        seen = signal;
        return 'probe-value';
      },
    });
    const controller = new AbortController();
    await chain.resolve('probe:x', controller.signal);
    expect(seen).toBe(controller.signal);
  });

  it('isSecretRef accepts references and rejects plaintext and http URLs', () => {
    expect(isSecretRef('env:GPS_TOKEN')).toBe(true);
    expect(isSecretRef('file:/run/secrets/x')).toBe(true);
    expect(isSecretRef('vault:kv/x#y')).toBe(true);
    expect(isSecretRef('hunter2')).toBe(false);
    expect(isSecretRef('https://example.com')).toBe(false);
    expect(isSecretRef('Env:X')).toBe(false);
    expect(isSecretRef('env:')).toBe(false);
    expect(isSecretRef(42)).toBe(false);
  });
});

describe('redaction', () => {
  it('scrubs every revealed value from text and nested values', () => {
    const a = new Secret('env:A', 'alpha-secret-1');
    const b = new Secret('env:B', 'b.e(t)a*[secret]');
    expect(knownSecretCount()).toBeGreaterThanOrEqual(2);
    expect(redactText(`postgres://app:${a.reveal()}@db and ${b.reveal()}`)).toBe(
      'postgres://app:[redacted]@db and [redacted]',
    );
    const scrubbed = redactDeep({
      msg: `token ${a.reveal()} rejected`,
      list: [b.reveal(), 7, null],
      nested: { deeper: { s: `x${a.reveal()}x` } },
      when: new Date(0),
    });
    expect(scrubbed).toEqual({
      msg: 'token [redacted] rejected',
      list: ['[redacted]', 7, null],
      nested: { deeper: { s: 'x[redacted]x' } },
      when: new Date(0),
    });
    expect(JSON.stringify(scrubbed)).not.toMatch(/alpha-secret-1|b\.e\(t\)a/);
  });

  it('prefers the longest match and leaves other text and short values alone', () => {
    new Secret('env:SHORT', 'abc');
    new Secret('env:P', 'prefix-secret');
    new Secret('env:PL', 'prefix-secret-longer');
    expect(redactText('abc prefix-secret-longer!')).toBe('abc [redacted]!');
    expect(redactText('nothing secret here')).toBe('nothing secret here');
  });

  it('does not mutate its input', () => {
    const s = new Secret('env:M', 'mutation-check-value');
    const input = { text: `v=${s.reveal()}` };
    redactDeep(input);
    expect(input.text).toBe('v=mutation-check-value');
  });
});

describe('secretRef()', () => {
  const schema = z.object({ token: secretRef('API token') });

  it('accepts references', () => {
    expect(schema.parse({ token: 'env:GPS_TOKEN' })).toEqual({ token: 'env:GPS_TOKEN' });
    expect(schema.parse({ token: 'file:/run/secrets/t' }).token).toBe('file:/run/secrets/t');
  });

  it('rejects plaintext without echoing it anywhere in the issues', () => {
    const result = schema.safeParse({ token: 'hunter2' });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues).toHaveLength(1);
    expect(result.error.issues[0]?.path).toEqual(['token']);
    expect(result.error.issues[0]?.message).toMatch(/secret reference.*not a plaintext value/);
    expect(JSON.stringify(result.error.issues)).not.toContain('hunter2');
    expect(result.error.message).not.toContain('hunter2');
  });

  it('rejects non-strings and carries secret metadata into JSON Schema', () => {
    const result = schema.safeParse({ token: 12345 });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/secret reference/);
    const json = z.toJSONSchema(secretRef('DB password')) as Record<string, unknown>;
    expect(json).toMatchObject({ type: 'string', secret: true, description: 'DB password' });
  });
});

describe('references that are URLs', () => {
  it('treats a connection URL with credentials as plaintext, not a reference', async () => {
    const { isSecretRef } = await import('./resolver.js');
    expect(isSecretRef('postgres://app:hunter22@db:5432/x')).toBe(false);
    expect(isSecretRef('https://example.com/token')).toBe(false);
    expect(isSecretRef('file:///run/secrets/db')).toBe(true);
    expect(isSecretRef('vault:kv/data/db#password')).toBe(true);
  });
});
