import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { insideQuietWindow } from './quiet-window.js';
import { nextDue, Scheduler, type FireReason } from './scheduler.js';

const START = Date.UTC(2026, 10, 23, 10, 0, 0);

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

function recorder(last?: number) {
  const fired: Array<{ id: string; reason: FireReason; at: number }> = [];
  const skipped: string[] = [];
  const scheduler = new Scheduler({
    fire: (id, reason) => fired.push({ id, reason, at: Date.now() }),
    lastRunStartedAt: async () => last,
    skipped: (_id, why) => skipped.push(why),
    random: () => 0.5,
  });
  return { fired, skipped, scheduler };
}

describe('Scheduler', () => {
  it('fires a fixed interval at exact multiples', async () => {
    const { fired, scheduler } = recorder();
    scheduler.add('a', { type: 'schedule', every: '5m' });
    await scheduler.start();
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(fired.map((f) => (f.at - START) / 60_000)).toEqual([5, 10, 15]);
    scheduler.stop();
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(fired).toHaveLength(3);
  });

  it('fires cron schedules in their time zone', async () => {
    const { fired, scheduler } = recorder();
    // 02:00 in Berlin is 01:00 UTC in November.
    scheduler.add('nightly', { type: 'schedule', cron: '0 2 * * *', timezone: 'Europe/Berlin' });
    await scheduler.start();
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(fired).toHaveLength(1);
    expect(new Date(fired[0]?.at ?? 0).toISOString()).toBe('2026-11-24T01:00:00.000Z');
    scheduler.stop();
  });

  it('skips ticks outside the quiet window', async () => {
    const { fired, skipped, scheduler } = recorder();
    scheduler.add('a', {
      type: 'schedule',
      every: '1h',
      quietWindow: { from: '12:00', to: '14:00' },
    });
    await scheduler.start();
    await vi.advanceTimersByTimeAsync(6 * 3_600_000);
    // Ticks at 11:00 … 16:00 UTC; only 12:00 and 13:00 are inside.
    expect(fired.map((f) => new Date(f.at).getUTCHours())).toEqual([12, 13]);
    expect(skipped.length).toBe(4);
    scheduler.stop();
  });

  it('adds jitter to each start', async () => {
    const { fired, scheduler } = recorder();
    scheduler.add('a', { type: 'schedule', every: '1m', jitter: '10s' });
    await scheduler.start();
    await vi.advanceTimersByTimeAsync(60_000 + 4_999);
    expect(fired).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(fired).toHaveLength(1);
    scheduler.stop();
  });

  it('runs once after downtime when missedRuns is run-once, and not when skip', async () => {
    const twoHoursAgo = START - 2 * 3_600_000;
    const catchUp = recorder(twoHoursAgo);
    catchUp.scheduler.add('a', { type: 'schedule', every: '1h', missedRuns: 'run-once' });
    await catchUp.scheduler.start();
    expect(catchUp.fired).toEqual([{ id: 'a', reason: 'missed', at: START }]);
    catchUp.scheduler.stop();

    const skip = recorder(twoHoursAgo);
    skip.scheduler.add('a', { type: 'schedule', every: '1h' });
    await skip.scheduler.start();
    expect(skip.fired).toEqual([]);
    skip.scheduler.stop();

    const recent = recorder(START - 10 * 60_000);
    recent.scheduler.add('a', { type: 'schedule', every: '1h', missedRuns: 'run-once' });
    await recent.scheduler.start();
    expect(recent.fired).toEqual([]);
    recent.scheduler.stop();
  });

  it('fires on start when asked', async () => {
    const { fired, scheduler } = recorder();
    scheduler.add('a', { type: 'schedule', every: '1h', runOnStart: true });
    await scheduler.start();
    expect(fired.map((f) => f.reason)).toEqual(['startup']);
    scheduler.stop();
  });

  it('reports when each schedule runs next', async () => {
    const { scheduler } = recorder();
    scheduler.add('a', { type: 'schedule', every: '5m' });
    await scheduler.start();
    expect(scheduler.nextRuns()['a']).toBe(START + 5 * 60_000);
    scheduler.stop();
  });
});

describe('nextDue', () => {
  it('computes cron and interval slots', () => {
    expect(nextDue({ type: 'schedule', every: '30s' }, START)).toBe(START + 30_000);
    expect(nextDue({ type: 'schedule', cron: '*/15 * * * *' }, START + 1)).toBe(
      START + 15 * 60_000,
    );
  });
});

describe('insideQuietWindow', () => {
  it('handles windows that cross midnight and time zones', () => {
    const at = (iso: string) => Date.parse(iso);
    expect(insideQuietWindow(at('2026-11-23T23:30:00Z'), { from: '22:00', to: '05:00' })).toBe(
      true,
    );
    expect(insideQuietWindow(at('2026-11-23T04:59:00Z'), { from: '22:00', to: '05:00' })).toBe(
      true,
    );
    expect(insideQuietWindow(at('2026-11-23T05:00:00Z'), { from: '22:00', to: '05:00' })).toBe(
      false,
    );
    // 00:30 UTC is 01:30 in Berlin (CET, UTC+1).
    expect(
      insideQuietWindow(
        at('2026-11-23T00:30:00Z'),
        { from: '01:00', to: '05:00' },
        'Europe/Berlin',
      ),
    ).toBe(true);
    expect(
      insideQuietWindow(at('2026-11-23T00:30:00Z'), { from: '01:00', to: '05:00' }, 'UTC'),
    ).toBe(false);
  });
});
