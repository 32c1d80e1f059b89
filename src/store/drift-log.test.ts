import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acknowledgeDrift, DRIFT_EPISODE_GAP_MS, readDrift, recordDrift } from './drift-log.js';
import { openSqliteStore, type SqliteStore } from './sqlite/index.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;

describe('drift log', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'patchbay-drift-log-'));
    path = join(dir, 'state.db');
    store = await openSqliteStore({ path });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('merges drift from concurrent records and mappings, durably across a reopen', async () => {
    await Promise.all([
      recordDrift(
        store.cache,
        'hr',
        'employee',
        [{ kind: 'added', field: 'nick', to: 'string' }],
        T0,
      ),
      recordDrift(store.cache, 'hr', 'employee', [{ kind: 'removed', field: 'dob' }], T0),
      recordDrift(
        store.cache,
        'hr',
        'address',
        [{ kind: 'retyped', field: 'zip', from: 'string', to: 'number' }],
        T0 + MIN,
      ),
    ]);
    await store.close();
    store = await openSqliteStore({ path });
    expect(await readDrift(store.cache, 'hr')).toEqual({
      integration: 'hr',
      mappings: ['employee', 'address'],
      added: ['nick'],
      removed: ['dob'],
      retyped: ['zip (string → number)'],
      since: T0,
      lastSeenAt: T0 + MIN,
      acknowledgedAt: null,
    });
    expect(await readDrift(store.cache, 'other')).toBe(undefined);
  });

  it('touches a repeated report at most once a minute, and always records a new field', async () => {
    const same = [{ kind: 'removed' as const, field: 'dob' }];
    await recordDrift(store.cache, 'hr', 'employee', same, T0);
    await recordDrift(store.cache, 'hr', 'employee', same, T0 + 30_000);
    expect((await readDrift(store.cache, 'hr'))?.lastSeenAt).toBe(T0);
    await recordDrift(store.cache, 'hr', 'employee', same, T0 + 61_000);
    expect((await readDrift(store.cache, 'hr'))?.lastSeenAt).toBe(T0 + 61_000);
    await recordDrift(store.cache, 'hr', 'employee', [{ kind: 'added', field: 'x' }], T0 + 62_000);
    expect(await readDrift(store.cache, 'hr')).toMatchObject({
      added: ['x'],
      lastSeenAt: T0 + 62_000,
    });
  });

  it('starts a new record after an acknowledgement or a quiet day', async () => {
    await recordDrift(store.cache, 'hr', 'employee', [{ kind: 'added', field: 'a' }], T0);
    expect(await acknowledgeDrift(store.cache, 'hr', T0 + MIN)).toBe(true);
    expect(await acknowledgeDrift(store.cache, 'hr', T0 + 2 * MIN)).toBe(false);
    expect((await readDrift(store.cache, 'hr'))?.acknowledgedAt).toBe(T0 + MIN);

    await recordDrift(store.cache, 'hr', 'employee', [{ kind: 'added', field: 'b' }], T0 + 5 * MIN);
    expect(await readDrift(store.cache, 'hr')).toMatchObject({
      added: ['b'],
      since: T0 + 5 * MIN,
      acknowledgedAt: null,
    });

    const later = T0 + 5 * MIN + DRIFT_EPISODE_GAP_MS;
    await recordDrift(store.cache, 'hr', 'employee', [{ kind: 'removed', field: 'c' }], later);
    expect(await readDrift(store.cache, 'hr')).toMatchObject({
      added: [],
      removed: ['c'],
      since: later,
    });
    expect(await acknowledgeDrift(store.cache, 'nobody', later)).toBe(false);
  });
});
