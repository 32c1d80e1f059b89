import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PatchbayError, permanent } from '../core/errors.js';
import { httpError } from '../core/classify.js';
import { CircuitBreaker, type BreakerStateChange } from './circuit-breaker.js';
import { MemoryPolicyStateRepo } from './memory-repos.js';

const T0 = Date.parse('2026-11-17T08:00:00Z');

function settle<T>(p: Promise<T>) {
  return p.then(
    (value) => ({ value, error: undefined }),
    (error: unknown) => ({ value: undefined, error: error as PatchbayError }),
  );
}

const fail =
  (status = 503) =>
  () =>
    Promise.reject(httpError(status, 'GET /x'));
const ok = () => Promise.resolve('ok');

async function failTimes(b: CircuitBreaker, n: number, status = 503) {
  for (let i = 0; i < n; i++) await settle(b.execute(fail(status)));
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CircuitBreaker (consecutive mode, defaults)', () => {
  it('opens after 5 consecutive failures, rejects for 30 s, then lets exactly one probe through', async () => {
    const b = new CircuitBreaker({}, { name: 'gps' });
    const changes: BreakerStateChange[] = [];
    b.onStateChange((e) => changes.push(e));
    await failTimes(b, 4);
    expect(b.state).toBe('closed');
    await failTimes(b, 1);
    expect(b.state).toBe('open');

    const rejected = await settle(b.execute(ok));
    expect(rejected.error).toMatchObject({
      kind: 'circuit_open',
      code: 'CIRCUIT_OPEN',
      retryable: false,
      retryAfterMs: 30_000,
    });

    await vi.advanceTimersByTimeAsync(30_000);
    let release!: (v: string) => void;
    const probe = b.execute(() => new Promise<string>((r) => (release = r)));
    expect(b.state).toBe('half_open');
    const others = await Promise.all([settle(b.execute(ok)), settle(b.execute(ok))]);
    expect(others.map((o) => o.error?.code)).toEqual(['CIRCUIT_HALF_OPEN', 'CIRCUIT_HALF_OPEN']);
    release('fine');
    expect(await probe).toBe('fine');
    expect(b.state).toBe('closed');
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual([
      'closed>open',
      'open>half_open',
      'half_open>closed',
    ]);
  });

  it('a failed probe re-opens for another 30 s', async () => {
    const b = new CircuitBreaker({}, { name: 'gps' });
    await failTimes(b, 5);
    await vi.advanceTimersByTimeAsync(30_000);
    await settle(b.execute(fail()));
    expect(b.snapshot()).toMatchObject({ state: 'open', openUntil: T0 + 60_000 });
  });

  it('a success resets the count; failures spread wider than the 60 s window do not open', async () => {
    const b = new CircuitBreaker({}, { name: 'gps' });
    await failTimes(b, 4);
    await b.execute(ok);
    await failTimes(b, 4);
    expect(b.state).toBe('closed');
    const spread = new CircuitBreaker({}, { name: 'spread' });
    for (let i = 0; i < 5; i++) {
      await settle(spread.execute(fail()));
      await vi.advanceTimersByTimeAsync(16_000); // 5 failures over 64 s
    }
    expect(spread.state).toBe('closed');
  });

  it('does not count rate_limited, permanent 4xx, 501 or cancellation as failures', async () => {
    const b = new CircuitBreaker({ failures: 2 }, { name: 'x' });
    for (const err of [
      httpError(429, 'GET', { retryAfterMs: 1000 }),
      httpError(404, 'GET'),
      httpError(422, 'POST'),
      httpError(401, 'GET'),
      httpError(501, 'GET'),
      permanent('bad row'),
      new PatchbayError('cancelled', 'stop'),
    ]) {
      await settle(b.execute(() => Promise.reject(err)));
      await settle(b.execute(() => Promise.reject(err)));
    }
    expect(b.state).toBe('closed');
  });

  it('a probe answered with a 4xx closes (the server is up); a cancelled probe lets the next call probe', async () => {
    const b = new CircuitBreaker({ failures: 1 }, { name: 'x' });
    await failTimes(b, 1);
    await vi.advanceTimersByTimeAsync(30_000);
    await settle(b.execute(() => Promise.reject(new PatchbayError('cancelled', 'stop'))));
    expect(b.state).toBe('open');
    await settle(b.execute(fail(404)));
    expect(b.state).toBe('closed');
  });

  it('reclaims the probe after probeLease when the probe never answers', async () => {
    const b = new CircuitBreaker({ failures: 1, probeLease: '5s' }, { name: 'x' });
    await failTimes(b, 1);
    await vi.advanceTimersByTimeAsync(30_000);
    void b.execute(() => new Promise(() => {}));
    expect((await settle(b.execute(ok))).error?.code).toBe('CIRCUIT_HALF_OPEN');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await b.execute(ok)).toBe('ok');
    expect(b.state).toBe('closed');
  });

  it('isolate() holds it open until reset()', async () => {
    const b = new CircuitBreaker({}, { name: 'x' });
    await b.isolate();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect((await settle(b.execute(ok))).error?.code).toBe('CIRCUIT_ISOLATED');
    await b.reset();
    expect(await b.execute(ok)).toBe('ok');
  });
});

describe('CircuitBreaker (ratio mode)', () => {
  it('opens when the failure ratio in the window reaches the threshold after minimumCalls', async () => {
    const b = new CircuitBreaker(
      { mode: 'ratio', ratio: 0.5, minimumCalls: 10, window: '10s' },
      { name: 'r' },
    );
    for (let i = 0; i < 5; i++) await b.execute(ok);
    await failTimes(b, 4);
    expect(b.state).toBe('closed'); // 9 calls: below minimumCalls
    await failTimes(b, 1);
    expect(b.state).toBe('open'); // 5 of 10 failed
  });

  it('forgets calls older than the window', async () => {
    const b = new CircuitBreaker(
      { mode: 'ratio', ratio: 0.5, minimumCalls: 4, window: '10s' },
      { name: 'r' },
    );
    await failTimes(b, 3);
    await vi.advanceTimersByTimeAsync(11_000);
    for (let i = 0; i < 3; i++) await b.execute(ok);
    await failTimes(b, 1);
    expect(b.state).toBe('closed'); // only 1 of 4 failed in the window
  });
});

describe('CircuitBreaker with shared state', () => {
  it('a second instance on the same store sees the open breaker, and only one probes', async () => {
    const repo = new MemoryPolicyStateRepo();
    const a = new CircuitBreaker({}, { name: 'erp', store: repo });
    const b = new CircuitBreaker({}, { name: 'erp', store: repo });
    await failTimes(a, 5);
    expect(a.state).toBe('open');
    const seen = await settle(b.execute(ok));
    expect(seen.error?.code).toBe('CIRCUIT_OPEN');
    expect(b.state).toBe('open');

    await vi.advanceTimersByTimeAsync(30_000);
    let probes = 0;
    const gate: Array<() => void> = [];
    const probe = () =>
      new Promise<string>((r) => {
        probes++;
        gate.push(() => r('up'));
      });
    const results = Promise.all([a, b, a, b].map((x) => settle(x.execute(probe))));
    await vi.advanceTimersByTimeAsync(0);
    expect(probes).toBe(1);
    gate.forEach((g) => g());
    const outcome = await results;
    expect(outcome.filter((o) => o.value === 'up')).toHaveLength(1);
    expect(outcome.filter((o) => o.error?.code === 'CIRCUIT_HALF_OPEN')).toHaveLength(3);
    expect(await b.refresh()).toMatchObject({ state: 'closed' });
    expect(await a.execute(ok)).toBe('ok');
  });

  it('a restarted process (new instance) starts from the stored state', async () => {
    const repo = new MemoryPolicyStateRepo();
    const before = new CircuitBreaker({}, { name: 'erp', store: repo });
    await before.isolate();
    const after = new CircuitBreaker({}, { name: 'erp', store: repo });
    expect((await settle(after.execute(ok))).error?.code).toBe('CIRCUIT_ISOLATED');
    expect((await repo.get('breaker:erp'))?.value).toMatchObject({ state: 'isolated' });
    await after.reset();
    expect(await before.execute(ok)).toBe('ok');
  });

  it('keeps working on its local view when the store fails', async () => {
    const repo = new MemoryPolicyStateRepo();
    const broken = {
      get: () => Promise.reject(new Error('disk gone')),
      compareAndSet: () => Promise.reject(new Error('disk gone')),
      list: () => repo.list(),
    };
    const b = new CircuitBreaker({ failures: 2 }, { name: 'x', store: broken });
    const errors: unknown[] = [];
    b.onStoreError((e) => errors.push(e));
    expect(await b.execute(ok)).toBe('ok');
    await failTimes(b, 2);
    expect(b.state).toBe('open');
    expect(errors.length).toBeGreaterThan(0);
  });
});
