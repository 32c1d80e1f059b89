import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSharedStoreContract, describeStoreContract } from '../contract/index.js';
import { openSqliteStore } from './index.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'patchbay-store-'));
}

describeStoreContract('sqlite file', async () => {
  const dir = tempDir();
  return {
    store: await openSqliteStore({ path: join(dir, 'state.db') }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeStoreContract('sqlite :memory:', async () => ({
  store: await openSqliteStore({ path: ':memory:' }),
}));

describeSharedStoreContract('sqlite file, two connections', async () => {
  const dir = tempDir();
  const path = join(dir, 'state.db');
  return {
    open: () => openSqliteStore({ path }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
