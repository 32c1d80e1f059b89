import { describe, expect, it } from 'vitest';
import { Secret } from '../core/secrets/index.js';
import { describeFailure, readinessChecks } from './readiness.js';

describe('readinessChecks', () => {
  it('is ready when every check resolves', async () => {
    const ready = readinessChecks({ store: async () => {}, runtime: () => true });
    expect(await ready()).toEqual({
      ready: true,
      checks: [
        { name: 'store', ok: true },
        { name: 'runtime', ok: true },
      ],
    });
  });

  it('reports failing, false and hung checks without secrets', async () => {
    const s = new Secret('env:PG', 'pg-pass-4567');
    const ready = readinessChecks(
      {
        store: async () => {
          throw Object.assign(new Error(`connect to postgres://app:${s.reveal()}@db failed`), {
            code: 'ECONNREFUSED',
          });
        },
        runtime: () => false,
        broker: () => new Promise(() => {}),
        sync: () => {
          throw new Error('sync throw');
        },
      },
      { timeoutMs: 20 },
    );
    const report = await ready();
    expect(report.ready).toBe(false);
    expect(report.checks).toEqual([
      {
        name: 'store',
        ok: false,
        detail: 'ECONNREFUSED: connect to postgres://app:[redacted]@db failed',
      },
      { name: 'runtime', ok: false, detail: 'not ready' },
      { name: 'broker', ok: false, detail: 'timed out after 20 ms' },
      { name: 'sync', ok: false, detail: 'UNCLASSIFIED: sync throw' },
    ]);
    expect(JSON.stringify(report)).not.toContain('pg-pass-4567');
  });

  it('has no checks means ready', async () => {
    expect(await readinessChecks({})()).toEqual({ ready: true, checks: [] });
  });
});

describe('describeFailure', () => {
  it('cuts long messages', () => {
    expect(describeFailure(new Error('x'.repeat(1000))).length).toBe(300);
  });
});
