import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector, type SourceSession } from '../../core/connector.js';
import type { SqliteStore } from '../../store/sqlite/index.js';
import { httpCall } from './http-sink.js';
import { checkUrl, guardedLookup, isBlockedAddress } from './ssrf.js';
import { runtimeFor, tempStore } from './__fixtures__/test-support.js';

describe('SSRF address checks', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a9fe:a9fe',
  ])('blocks %s', (ip) => expect(isBlockedAddress(ip)).toBe(true));

  it.each(['93.184.215.14', '2606:4700::1111', '8.8.8.8'])('allows %s', (ip) =>
    expect(isBlockedAddress(ip)).toBe(false),
  );

  it.each([
    'http://127.1/',
    'http://2130706433/',
    'http://0177.0.0.1/',
    'http://0x7f.0.0.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://localhost/',
    'ftp://example.com/',
    'file:///etc/passwd',
  ])('refuses %s before connecting', (url) => {
    expect(() => checkUrl(new URL(url))).toThrow(/refused/);
  });

  it('checks the resolved address at connect time', async () => {
    const lookup = guardedLookup();
    const err = await new Promise((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(err).toMatchObject({ code: 'SSRF_BLOCKED' });
    const allowed = guardedLookup({ allowHosts: ['localhost'] });
    const address = await new Promise((resolve) => allowed('localhost', {}, (_e, a) => resolve(a)));
    expect(isBlockedAddress(String(address))).toBe(true);
  });

  it('honours the allow-list', () => {
    expect(() =>
      checkUrl(new URL('http://127.0.0.1/'), { allowHosts: ['127.0.0.1'] }),
    ).not.toThrow();
  });
});

let server: FastifyInstance;
let base: string;
let calls = 0;
beforeAll(async () => {
  server = Fastify({ forceCloseConnections: true });
  server.post('/hook', async () => {
    calls++;
    return { ok: true };
  });
  base = await server.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server.close());

let store: SqliteStore;
let dispose: () => Promise<void>;
beforeEach(async () => {
  ({ store, dispose } = await tempStore());
  calls = 0;
});
afterEach(() => dispose());

/** Subscriber URLs as they would arrive in data. */
const subscribers = (urls: string[]) =>
  defineConnector({
    kind: 'subscribers',
    title: 'Subscribers',
    description: 'test',
    direction: 'source',
    config: z.object({}),
    capabilities: {
      ack: 'none',
      checkpoint: 'none',
      replay: 'none',
      idempotentWrites: false,
      connectionTest: false,
    },
    async connect(): Promise<SourceSession> {
      return {
        async *read() {
          yield { items: urls.map((url, i) => ({ key: String(i), data: { url } })) };
        },
        async close() {},
      };
    },
  })({});

describe('http-call with URLs from data', () => {
  it('dead-letters internal targets and calls allowed ones', async () => {
    const port = new URL(base).port;
    const runtime = await runtimeFor(
      store,
      subscribers([
        `http://localhost:${port}/hook`,
        `http://169.254.169.254/latest`,
        `${base}/hook`,
      ]),
      httpCall({ url: '{url}', allowHosts: ['127.0.0.1'] }),
    );
    const result = await runtime.run('it');
    expect(result.counts).toMatchObject({ written: 1, deadLettered: 2 });
    expect(calls).toBe(1);
    const letters = await store.deadLetters.list('it');
    expect(letters.every((l) => l.error.code === 'SSRF_BLOCKED')).toBe(true);
  });
});
