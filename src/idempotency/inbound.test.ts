import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { IdempotencyRepo, Store } from '../store/types.js';
import { MemoryIdempotencyRepo } from '../policies/memory-repos.js';
import { handleIdempotentRequest, inboundIdempotency, type IdempotentResponse } from './inbound.js';

const T0 = Date.parse('2026-11-17T08:00:00Z');
const stores: Store[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe.each([
  ['memory', async (): Promise<IdempotencyRepo> => new MemoryIdempotencyRepo()],
  [
    'sqlite',
    async (): Promise<IdempotencyRepo> => {
      const store = await openSqliteStore({ path: ':memory:' });
      stores.push(store);
      return store.idempotency;
    },
  ],
])('inbound idempotency on the %s repo', (_, makeRepo) => {
  async function setup(required = false) {
    const idem = inboundIdempotency({ repo: await makeRepo(), scope: 'admin-api', required });
    let runs = 0;
    const handler = async (): Promise<IdempotentResponse> => ({
      status: 201,
      headers: { location: `/v1/replays/${++runs}` },
      body: { id: runs },
    });
    const req = (key: string | undefined, params: unknown = { from: '2026-11-17' }) => ({
      key,
      method: 'post',
      path: '/v1/replays',
      params,
    });
    return { idem, handler, req, runs: () => runs };
  }

  it('same key and parameters: replays the stored status, headers and body', async () => {
    const { idem, handler, req, runs } = await setup();
    const first = await handleIdempotentRequest(idem, req('key-1'), handler);
    expect(first).toEqual({
      status: 201,
      headers: { location: '/v1/replays/1' },
      body: { id: 1 },
      replayed: false,
    });
    const again = await handleIdempotentRequest(
      idem,
      req('key-1', { from: '2026-11-17' }),
      handler,
    );
    expect(again).toEqual({
      status: 201,
      headers: { location: '/v1/replays/1', 'idempotent-replayed': 'true' },
      body: { id: 1 },
      replayed: true,
    });
    expect(runs()).toBe(1);
  });

  it('same key, different parameters: 422', async () => {
    const { idem, handler, req } = await setup();
    await handleIdempotentRequest(idem, req('key-1'), handler);
    const r = await handleIdempotentRequest(idem, req('key-1', { from: '2026-11-18' }), handler);
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body).toMatchObject({ status: 422, title: 'Idempotency-Key is already used' });
  });

  it('a repeat while the first is in flight: 409 with Retry-After', async () => {
    const { idem, req } = await setup();
    let finish!: () => void;
    const slow = handleIdempotentRequest(
      idem,
      req('key-1'),
      () => new Promise((r) => (finish = () => r({ status: 200, body: 'done' }))),
    );
    while (finish === undefined) await new Promise((r) => setImmediate(r));
    const r = await handleIdempotentRequest(idem, req('key-1'), async () => ({
      status: 200,
      body: 'x',
    }));
    expect(r.status).toBe(409);
    expect(r.headers['retry-after']).toBe('300');
    finish();
    expect((await slow).status).toBe(200);
  });

  it('keys: up to 255 characters; longer, empty or non-ASCII → 400', async () => {
    const { idem, handler, req } = await setup();
    expect((await handleIdempotentRequest(idem, req('k'.repeat(255)), handler)).status).toBe(201);
    for (const bad of ['k'.repeat(256), '', 'clé']) {
      expect((await handleIdempotentRequest(idem, req(bad), handler)).status).toBe(400);
    }
  });

  it('no key: runs normally, or 400 when the endpoint requires one', async () => {
    const open = await setup();
    await handleIdempotentRequest(open.idem, open.req(undefined), open.handler);
    await handleIdempotentRequest(open.idem, open.req(undefined), open.handler);
    expect(open.runs()).toBe(2);
    const strict = await setup(true);
    expect(
      (await handleIdempotentRequest(strict.idem, strict.req(undefined), strict.handler)).status,
    ).toBe(400);
    expect(strict.runs()).toBe(0);
  });

  it('server errors and thrown errors are not stored: the client may retry', async () => {
    const { idem, req } = await setup();
    const r500 = await handleIdempotentRequest(idem, req('k'), async () => ({
      status: 503,
      body: 'busy',
    }));
    expect(r500.status).toBe(503);
    await expect(
      handleIdempotentRequest(idem, req('k'), () => Promise.reject(new Error('crash'))),
    ).rejects.toThrow('crash');
    const ok = await handleIdempotentRequest(idem, req('k'), async () => ({
      status: 200,
      body: 'ok',
    }));
    expect(ok).toMatchObject({ status: 200, replayed: false });
  });

  it('keeps outcomes 24 h by default', async () => {
    const { idem, handler, req, runs } = await setup();
    await handleIdempotentRequest(idem, req('k'), handler);
    vi.setSystemTime(T0 + 24 * 3_600_000 - 1);
    expect((await handleIdempotentRequest(idem, req('k'), handler)).replayed).toBe(true);
    vi.setSystemTime(T0 + 24 * 3_600_000);
    expect((await handleIdempotentRequest(idem, req('k'), handler)).replayed).toBe(false);
    expect(runs()).toBe(2);
  });
});

describe('inboundIdempotency options', () => {
  it('names the bad field', () => {
    const repo = new MemoryIdempotencyRepo();
    expect(() => inboundIdempotency({ repo, scope: '' })).toThrow('inbound.scope');
    expect(() => inboundIdempotency({ repo, scope: 'x', retention: 'forever' })).toThrow(
      'inbound.retention',
    );
  });
});
