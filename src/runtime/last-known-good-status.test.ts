import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../store/types.js';
import { lastKnownGoodOf } from './last-known-good-status.js';

const counts = { read: 0, written: 0, deadLettered: 0, skipped: 0, errorsByKind: {} };
let n = 0;
function run(
  status: RunRecord['status'],
  startedAt: number,
  extra: Partial<RunRecord> = {},
): RunRecord {
  return {
    id: String(++n),
    integrationId: 'gps',
    trigger: 'schedule',
    mode: 'live',
    status,
    startedAt,
    finishedAt: status === 'running' ? null : startedAt + 1_000,
    counts,
    error: status === 'failed' ? { kind: 'circuit_open' } : null,
    ...extra,
  } as RunRecord;
}

describe('lastKnownGoodOf', () => {
  it('is null while the newest finished live run succeeded, or before any success', () => {
    expect(lastKnownGoodOf([run('succeeded', 10_000), run('failed', 5_000)], 8, 20_000)).toBe(null);
    expect(lastKnownGoodOf([run('failed', 10_000)], 8, 20_000)).toBe(null);
    expect(lastKnownGoodOf([], 8, 20_000)).toBe(null);
  });

  it('serves the last success as last-known-good, stale once past the maximum age', () => {
    const recent = [
      run('running', 40_000),
      run('failed', 30_000, {
        error: { kind: 'circuit_open', code: 'CIRCUIT_OPEN', message: 'open' },
      } as Partial<RunRecord>),
      run('succeeded', 25_000, { mode: 'replay' }),
      run('failed', 20_000),
      run('partial', 10_000),
      run('failed', 5_000),
    ];
    expect(lastKnownGoodOf(recent, 8, 15_000)).toEqual({
      asOf: 11_000,
      ageSeconds: 4,
      stale: false,
      failingSince: 20_000,
      failedRuns: 2,
      cause: 'circuit_open',
    });
    expect(lastKnownGoodOf(recent, 8, 40_000)?.stale).toBe(true);
    expect(lastKnownGoodOf(recent, null, 400_000)?.stale).toBe(false);
  });
});
