import { describe, expect, it } from 'vitest';
import type { CheckpointKind } from '../types.js';
import { RICH_JSON, T0, rejectsWith, type Harness } from './support.js';

/**
 * Registers the checkpoint part of the store contract.
 *
 * @example
 * ```ts
 * checkpointContract(useStore(factory));
 * ```
 */
export function checkpointContract(h: Harness): void {
  describe('checkpoints', () => {
    it('reads nothing before the first set, then the latest value', async () => {
      expect(await h.store.checkpoints.get('gps')).toBeUndefined();
      await h.store.checkpoints.set('gps', 'default', {
        kind: 'cursor',
        value: 'a',
        updatedAt: T0,
      });
      expect(await h.store.checkpoints.get('gps')).toEqual({
        kind: 'cursor',
        value: 'a',
        updatedAt: T0,
      });
      await h.store.checkpoints.set('gps', 'default', {
        kind: 'cursor',
        value: 'b',
        updatedAt: T0 + 1,
      });
      expect(await h.store.checkpoints.get('gps', 'default')).toMatchObject({
        value: 'b',
        updatedAt: T0 + 1,
      });
    });

    it('stamps updatedAt when not given', async () => {
      await h.store.checkpoints.set('gps', 'default', { kind: 'offset', value: 7 });
      const cp = await h.store.checkpoints.get('gps');
      expect(typeof cp?.updatedAt).toBe('number');
      expect(Number.isFinite(cp?.updatedAt)).toBe(true);
    });

    it('keeps streams and integrations apart and lists by stream', async () => {
      await h.store.checkpoints.set('cdc', 'public.orders', {
        kind: 'lsn',
        value: '0/16B3748',
        updatedAt: T0,
      });
      await h.store.checkpoints.set('cdc', 'public.customers', {
        kind: 'watermark',
        value: RICH_JSON,
        updatedAt: T0,
      });
      await h.store.checkpoints.set('files', 'inbox', {
        kind: 'file-marker',
        value: { name: 'a.csv', size: 10, mtimeMs: T0 },
        updatedAt: T0,
      });
      const list = await h.store.checkpoints.list('cdc');
      expect(list.map((c) => c.stream)).toEqual(['public.customers', 'public.orders']);
      expect(list[0]).toEqual({
        stream: 'public.customers',
        kind: 'watermark',
        value: RICH_JSON,
        updatedAt: T0,
      });
      expect(await h.store.checkpoints.get('cdc')).toBeUndefined();
      expect(await h.store.checkpoints.list('nobody')).toEqual([]);
      expect((await h.store.checkpoints.get('files', 'inbox'))?.kind).toBe('file-marker');
    });

    it('rejects an unknown kind', async () => {
      await rejectsWith(
        h.store.checkpoints.set('gps', 'default', { kind: 'bogus' as CheckpointKind, value: 1 }),
        { kind: 'validation' },
      );
      expect(await h.store.checkpoints.get('gps')).toBeUndefined();
    });
  });
}
