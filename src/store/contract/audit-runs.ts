import { describe, expect, it } from 'vitest';
import type { AuditEntry, RunCounts } from '../types.js';
import { T0, rejectsWith, sampleError, type Harness } from './support.js';

function entry(n: number, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: T0 + n * 1000,
    integrationId: 'orders',
    identity: 'oauth2:erp-client',
    target: 'erp',
    action: 'POST /orders',
    outcome: 'success',
    latencyMs: 12.5,
    attempt: 1,
    ...extra,
  };
}

const COUNTS: RunCounts = {
  read: 10,
  written: 7,
  skipped: 1,
  deadLettered: 2,
  errorsByKind: { validation: 2, http_5xx: 1 },
};

/**
 * Registers the audit and run-history parts of the store contract.
 *
 * @example
 * ```ts
 * auditRunContract(useStore(factory));
 * ```
 */
export function auditRunContract(h: Harness): void {
  describe('audit', () => {
    it('appends entries and lists them oldest first', async () => {
      await h.store.audit.append(entry(1));
      await h.store.audit.append(
        entry(2, { outcome: 'failure', errorKind: 'timeout', idempotencyKey: 'k', attempt: 2 }),
      );
      const list = await h.store.audit.list();
      expect(list).toHaveLength(2);
      expect(list[0]).toEqual({ ...entry(1), id: list[0]?.id });
      expect(list[0]).not.toHaveProperty('errorKind');
      expect(list[1]).toMatchObject({ outcome: 'failure', errorKind: 'timeout', attempt: 2 });
      expect(list[1]?.idempotencyKey).toBe('k');
      expect(list[0]?.id).not.toBe(list[1]?.id);
    });

    it('filters by integration, time and limit', async () => {
      for (const n of [1, 2, 3, 4]) await h.store.audit.append(entry(n));
      await h.store.audit.append(entry(5, { integrationId: 'invoices' }));
      expect(await h.store.audit.list({ integrationId: 'invoices' })).toHaveLength(1);
      const since = await h.store.audit.list({ integrationId: 'orders', since: T0 + 3000 });
      expect(since.map((e) => e.at)).toEqual([T0 + 3000, T0 + 4000]);
      const limited = await h.store.audit.list({ limit: 2 });
      expect(limited.map((e) => e.at)).toEqual([T0 + 1000, T0 + 2000]);
    });
  });

  describe('runs', () => {
    it('starts a run as running and finishes it with its counts', async () => {
      const { id } = await h.store.runs.start({
        integrationId: 'orders',
        trigger: 'schedule',
        mode: 'live',
        startedAt: T0,
      });
      const [running] = await h.store.runs.list('orders');
      expect(running).toEqual({
        id,
        integrationId: 'orders',
        trigger: 'schedule',
        mode: 'live',
        status: 'running',
        startedAt: T0,
        finishedAt: null,
        counts: { read: 0, written: 0, skipped: 0, deadLettered: 0, errorsByKind: {} },
        error: null,
      });
      await h.store.runs.finish(id, {
        status: 'partial',
        counts: COUNTS,
        error: sampleError(),
        finishedAt: T0 + 500,
      });
      expect((await h.store.runs.list('orders'))[0]).toMatchObject({
        status: 'partial',
        counts: COUNTS,
        error: sampleError(),
        finishedAt: T0 + 500,
      });
    });

    it('lists newest first and finds the latest and latest successful run', async () => {
      expect(await h.store.runs.latest('orders')).toEqual({});
      const ids: string[] = [];
      for (const [i, status] of (['succeeded', 'succeeded', 'failed'] as const).entries()) {
        const { id } = await h.store.runs.start({
          integrationId: 'orders',
          trigger: 'manual',
          mode: i === 2 ? 'retry' : 'live',
          startedAt: T0 + i * 1000,
        });
        await h.store.runs.finish(id, { status, counts: COUNTS, finishedAt: T0 + i * 1000 + 1 });
        ids.push(id);
      }
      await h.store.runs.start({ integrationId: 'invoices', trigger: 'x', mode: 'replay' });
      const list = await h.store.runs.list('orders');
      expect(list.map((r) => r.id)).toEqual([...ids].reverse());
      expect((await h.store.runs.list('orders', { limit: 1 })).map((r) => r.id)).toEqual([ids[2]]);
      const latest = await h.store.runs.latest('orders');
      expect(latest.last?.id).toBe(ids[2]);
      expect(latest.last?.status).toBe('failed');
      expect(latest.lastSuccess?.id).toBe(ids[1]);
    });

    it('counts partial live runs as successes, and replays not', async () => {
      const run = async (mode: 'live' | 'replay', status: 'partial' | 'succeeded', at: number) => {
        const { id } = await h.store.runs.start({
          integrationId: 'orders',
          trigger: 't',
          mode,
          startedAt: at,
        });
        await h.store.runs.finish(id, { status, counts: COUNTS, finishedAt: at + 1 });
        return id;
      };
      const partial = await run('live', 'partial', T0);
      await run('replay', 'succeeded', T0 + 1000);
      const latest = await h.store.runs.latest('orders');
      expect(latest.last?.mode).toBe('replay');
      expect(latest.lastSuccess?.id).toBe(partial);
    });

    it('cancels runs a crashed process left running', async () => {
      const start = (startedAt: number) =>
        h.store.runs.start({ integrationId: 'orders', trigger: 't', mode: 'live', startedAt });
      const old = await start(T0);
      const finished = await start(T0 + 1);
      await h.store.runs.finish(finished.id, { status: 'succeeded', counts: COUNTS });
      const fresh = await start(T0 + 10_000);
      expect(await h.store.runs.abandonRunning(T0 + 5000)).toBe(1);
      const byId = new Map((await h.store.runs.list('orders')).map((r) => [r.id, r]));
      expect(byId.get(old.id)?.status).toBe('cancelled');
      expect(byId.get(old.id)?.finishedAt).not.toBeNull();
      expect(byId.get(old.id)?.error?.kind).toBe('cancelled');
      expect(byId.get(finished.id)?.status).toBe('succeeded');
      expect(byId.get(fresh.id)?.status).toBe('running');
      expect(await h.store.runs.abandonRunning(T0 + 5000)).toBe(0);
    });

    it('abandons only the named integration when asked', async () => {
      const mine = await h.store.runs.start({
        integrationId: 'orders',
        trigger: 't',
        mode: 'live',
        startedAt: T0,
      });
      const theirs = await h.store.runs.start({
        integrationId: 'loads',
        trigger: 't',
        mode: 'live',
        startedAt: T0,
      });
      expect(await h.store.runs.abandonRunning(T0 + 1, 'orders')).toBe(1);
      expect((await h.store.runs.list('orders')).find((r) => r.id === mine.id)?.status).toBe(
        'cancelled',
      );
      expect((await h.store.runs.list('loads')).find((r) => r.id === theirs.id)?.status).toBe(
        'running',
      );
    });

    it('rejects finishing an unknown run', async () => {
      await rejectsWith(h.store.runs.finish('777777', { status: 'succeeded', counts: COUNTS }), {
        kind: 'validation',
        code: 'STORE_NOT_FOUND',
      });
    });
  });
}
