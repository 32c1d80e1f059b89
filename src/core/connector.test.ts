import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineConnector,
  describeConnector,
  isConnectorUse,
  type SourceSession,
} from './connector.js';
import { secretRef } from './secrets/schema.js';

const capabilities = {
  ack: 'batch',
  checkpoint: 'cursor',
  replay: 'checkpoint',
  idempotentWrites: false,
  connectionTest: true,
} as const;

const api = defineConnector({
  kind: 'test-api',
  title: 'Test API',
  description: 'Reads pages from a test API',
  direction: 'source',
  config: z.object({
    url: z
      .string()
      .url()
      .meta({ examples: ['https://api.example.com'] }),
    token: secretRef('API token'),
    pageSize: z
      .number()
      .int()
      .positive()
      .default(100)
      .meta({ advanced: true, description: 'items per page' }),
    proxy: z.object({ host: z.string(), password: secretRef().optional() }).optional(),
    headers: z.array(z.object({ name: z.string(), value: secretRef() })).default([]),
    auth: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('bearer'), bearer: secretRef() }),
        z.object({ type: z.literal('basic'), user: z.string(), password: secretRef() }),
      ])
      .optional(),
  }),
  capabilities,
  async connect(config): Promise<SourceSession<number>> {
    return {
      async *read() {
        yield { items: [{ key: config.url, data: config.pageSize }] };
      },
      async close() {},
    };
  },
});

describe('defineConnector', () => {
  it('returns a callable carrying its spec', () => {
    expect(typeof api).toBe('function');
    expect(api.spec.kind).toBe('test-api');
    expect(api.spec.capabilities).toBe(capabilities);
  });

  it('places the connector with its raw, unvalidated config', () => {
    const raw = { url: 'https://api.example.com', token: 'env:API_TOKEN' };
    const use = api(raw);
    expect(use.connector).toBe(api.spec);
    expect(use.rawConfig).toBe(raw);
    expect(isConnectorUse(use)).toBe(true);
  });

  it('isConnectorUse rejects look-alikes', () => {
    expect(isConnectorUse({ connector: { kind: 'x' }, rawConfig: {} })).toBe(false);
    expect(isConnectorUse({ url: 'http://x' })).toBe(false);
    expect(isConnectorUse(null)).toBe(false);
    expect(isConnectorUse(api)).toBe(false);
  });

  it('connects with the parsed config', async () => {
    const config = api.spec.config.parse({ url: 'https://api.example.com', token: 'env:T' });
    expect(config.pageSize).toBe(100);
    const session = await api.spec.connect(config, {} as never);
    const batches = [];
    for await (const batch of session.read({} as never)) batches.push(batch);
    expect(batches).toEqual([{ items: [{ key: 'https://api.example.com', data: 100 }] }]);
  });
});

describe('describeConnector', () => {
  const description = describeConnector(api.spec);
  const props = description.configSchema['properties'] as Record<string, Record<string, unknown>>;

  it('copies identity and capabilities', () => {
    expect(description).toMatchObject({
      kind: 'test-api',
      title: 'Test API',
      description: 'Reads pages from a test API',
      direction: 'source',
      capabilities,
    });
  });

  it('produces a JSON Schema of the input config', () => {
    expect(description.configSchema['type']).toBe('object');
    expect(description.configSchema['$schema']).toMatch(/json-schema\.org/);
    expect(description.configSchema['required']).toEqual(['url', 'token']);
    expect(props['url']).toMatchObject({ type: 'string', examples: ['https://api.example.com'] });
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  it('flags secret fields and lists their paths, including nested, array and union ones', () => {
    expect(props['token']).toMatchObject({
      type: 'string',
      secret: true,
      description: 'API token',
    });
    expect(props['token']?.['examples']).toEqual(['env:NAME', 'file:/run/secrets/name']);
    expect(props['url']?.['secret']).toBeUndefined();
    expect(description.secretFields.sort()).toEqual(
      ['auth.bearer', 'auth.password', 'headers[].value', 'proxy.password', 'token'].sort(),
    );
  });

  it('carries advanced metadata, defaults and descriptions through', () => {
    expect(props['pageSize']).toMatchObject({
      type: 'integer',
      default: 100,
      advanced: true,
      description: 'items per page',
    });
    expect(props['token']?.['advanced']).toBeUndefined();
  });

  it('lists no secret fields for a config without secrets', () => {
    const plain = defineConnector({
      kind: 'plain',
      title: 'Plain',
      description: 'no secrets',
      direction: 'sink',
      config: z.object({ path: z.string() }),
      capabilities: {
        ...capabilities,
        ack: 'none',
        checkpoint: 'none',
        replay: 'none',
        idempotentWrites: true,
      },
      async connect() {
        return { async write() {}, async close() {} };
      },
    });
    const d = describeConnector(plain.spec);
    expect(d.direction).toBe('sink');
    expect(d.secretFields).toEqual([]);
  });
});
