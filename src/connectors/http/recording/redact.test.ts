import { describe, expect, it } from 'vitest';
import { rememberSecretValue } from '../../../core/secrets/redaction.js';
import { bodyFingerprint, decodeBody, encodeBody } from './fixture.js';
import { compileRules, redactHeaders, redactJson, redactUrl } from './redact.js';

describe('recording redaction rules', () => {
  const rules = compileRules({
    headers: ['X-Tenant-Secret'],
    query: ['session'],
    bodyPaths: ['$.cards[*].number', 'customer.taxId', 'lines[1].note'],
    sensitiveKeys: ['pin'],
  });

  it('replaces credential headers by name, case-insensitively, and joins multi-value headers', () => {
    expect(
      redactHeaders(
        {
          Authorization: 'Basic dXNlcjpwYXNz',
          'x-tenant-secret': 't',
          'Set-Cookie': ['a=1', 'b=2'],
          accept: ['application/json', 'text/plain'],
          gone: undefined,
        },
        rules,
      ),
    ).toEqual({
      Authorization: '[redacted]',
      'x-tenant-secret': '[redacted]',
      'Set-Cookie': '[redacted]',
      accept: 'application/json, text/plain',
    });
  });

  it('scrubs URL credentials, secret query parameters and registry values in the path', () => {
    rememberSecretValue('path-secret-0c1d2e');
    const url = new URL(
      'https://user:pw@api.example.com/v1/path-secret-0c1d2e/items?Session=s1&page=2&API_KEY=k',
    );
    expect(redactUrl(url, rules)).toBe(
      'https://%5Bredacted%5D:%5Bredacted%5D@api.example.com/v1/[redacted]/items?Session=%5Bredacted%5D&page=2&API_KEY=%5Bredacted%5D',
    );
  });

  it('redacts configured paths (indices, wildcards) and sensitive keys at any depth', () => {
    const body = {
      cards: [{ number: '4111', exp: '12/30' }, { number: '5500' }],
      customer: { taxId: 'DE1', name: 'ACME' },
      lines: [{ note: 'keep' }, { note: 'drop' }],
      deep: { nested: [{ Client_Secret: 'cs', PIN: '1234', pinned: true, password: null }] },
    };
    expect(redactJson(body, rules)).toEqual({
      cards: [{ number: '[redacted]', exp: '12/30' }, { number: '[redacted]' }],
      customer: { taxId: '[redacted]', name: 'ACME' },
      lines: [{ note: 'keep' }, { note: '[redacted]' }],
      deep: {
        nested: [{ Client_Secret: '[redacted]', PIN: '[redacted]', pinned: true, password: null }],
      },
    });
    // The input is not modified: the live request still goes out intact.
    expect(body.cards[0]!.number).toBe('4111');
  });

  it('stores JSON as JSON, text as text, binary as base64, and round-trips the bytes', () => {
    const binary = Buffer.from([0xff, 0x00, 0xfe]);
    expect(encodeBody(binary, rules)).toEqual({ base64: '/wD+' });
    expect(decodeBody(encodeBody(binary, rules))).toEqual(binary);
    expect(encodeBody('plain text', rules)).toEqual({ text: 'plain text' });
    expect(encodeBody('', rules)).toBeUndefined();
    expect(decodeBody(encodeBody('{"a":1}', rules)).toString('utf8')).toBe('{"a":1}');
  });

  it('fingerprints bodies independent of key order but not of values', () => {
    const a = encodeBody('{"a":1,"b":[1,2]}', rules);
    const b = encodeBody('{"b":[1,2],"a":1}', rules);
    const c = encodeBody('{"a":2,"b":[1,2]}', rules);
    expect(bodyFingerprint(a)).toBe(bodyFingerprint(b));
    expect(bodyFingerprint(a)).not.toBe(bodyFingerprint(c));
    expect(bodyFingerprint(undefined)).toBe('empty');
  });
});

describe('form-encoded bodies', () => {
  it('redacts credential parameters whatever form encoding did to their characters', () => {
    const rules = compileRules({ sensitiveKeys: ['pin'] });
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_secret: 's+/=xq9z',
      pin: '1234',
      scope: 'loads:read',
    }).toString();
    expect(body).toContain('s%2B%2F%3Dxq9z');
    const stored = encodeBody(body, rules);
    expect(stored).toEqual({
      text: 'grant_type=client_credentials&client_secret=%5Bredacted%5D&pin=%5Bredacted%5D&scope=loads%3Aread',
    });
    expect(JSON.stringify(stored)).not.toContain('xq9z');
  });

  it('leaves text that is not a form to the secret registry alone', () => {
    expect(encodeBody('plain text, no pairs', compileRules())).toEqual({
      text: 'plain text, no pairs',
    });
  });
});
