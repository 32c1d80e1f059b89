import { describe, expect, it } from 'vitest';
import { Secret } from '../core/secrets/index.js';
import { isSecretKey, scrub, scrubUrl, serializeError } from './scrub.js';

describe('isSecretKey', () => {
  it.each([
    'password',
    'dbPassword',
    'token',
    'accessToken',
    'refresh_token',
    'secret',
    'client_secret',
    'authorization',
    'Proxy-Authorization',
    'apiKey',
    'x-api-key',
    'cookie',
    'set-cookie',
    'private_key',
    'privateKey',
    'credentials',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true));

  it.each(['tokenUrl', 'secretRef', 'idempotencyKey', 'identity', 'integration', 'tokens', 'key'])(
    '%s is not',
    (key) => expect(isSecretKey(key)).toBe(false),
  );
});

describe('scrubUrl', () => {
  it('removes user info and secret query parameters', () => {
    expect(
      scrubUrl('https://app:hunter22@erp.example.com/x?api_key=abc&page=2&access_token=t'),
    ).toBe(
      'https://[redacted]@erp.example.com/x?api_key=[redacted]&page=2&access_token=[redacted]',
    );
    expect(scrubUrl('sftp://drop.example.com/in')).toBe('sftp://drop.example.com/in');
  });

  it('removes known secret values from non-URLs', () => {
    const s = new Secret('env:Q', 'queue-pass-123');
    expect(scrubUrl(`amqp-vhost-${s.reveal()}`)).toBe('amqp-vhost-[redacted]');
  });
});

describe('scrub', () => {
  it('copies, leaving the input untouched', () => {
    const input = { password: 'p', n: 1, when: new Date(0), big: 10n, fn: () => 1 };
    const out = scrub(input);
    expect(out).toEqual({ password: '[redacted]', n: 1, when: new Date(0), big: '10' });
    expect(input.password).toBe('p');
  });

  it('bounds depth and describes buffers', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    expect(JSON.stringify(scrub(deep))).toContain('[too deep]');
    expect(scrub({ b: Buffer.from('abc') })).toEqual({ b: '[3 bytes]' });
  });
});

describe('serializeError', () => {
  it('classifies and drops the stack', () => {
    const out = serializeError(new SyntaxError('Unexpected token < in JSON'));
    expect(out).toMatchObject({ kind: 'parse', code: 'PARSE', retryable: false });
    expect(out).not.toHaveProperty('stack');
  });
});
