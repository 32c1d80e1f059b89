import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../core/integration.js';
import { createRuntime } from '../../runtime/runtime.js';
import { openSqliteStore } from '../../store/sqlite/index.js';
import { startSshd, type Sshd } from './__fixtures__/sshd.js';
import { tempDrop, upsertSink } from './__fixtures__/drop.js';
import { sftpDropConfig } from './sftp-config.js';
import { sftpFileDrop } from './sftp-source.js';

type Input = Parameters<typeof sftpFileDrop>[0];
let sshd: Sshd;
let t: ReturnType<typeof tempDrop>;
let drop: string;
beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(async () => {
  await sshd?.stop();
});
beforeEach(() => {
  t = tempDrop();
  drop = join(sshd.root, `drop-${Math.random().toString(36).slice(2)}`);
  mkdirSync(drop);
  return () => {
    rmSync(t.dir, { recursive: true, force: true });
    rmSync(drop, { recursive: true, force: true });
  };
});

async function runOnce(config: Partial<Input> = {}) {
  const store = await openSqliteStore({ path: join(t.dir, 'state.db') });
  const sink = upsertSink();
  try {
    const runtime = await createRuntime({
      store,
      integrations: [
        defineIntegration({
          id: 'erp-sftp',
          owner: 'integrations',
          pattern: 'file-drop',
          trigger: { type: 'manual' },
          source: sftpFileDrop({
            host: '127.0.0.1',
            port: sshd.port,
            username: sshd.user,
            privateKey: `file:${sshd.clientKeyPath}`,
            hostKeyFingerprint: sshd.fingerprint,
            path: drop,
            archive: t.archive,
            patterns: ['*.csv'],
            readiness: 'marker',
            businessDate: { fromName: '_(?<date>\\d{8})\\.csv$' },
            format: { type: 'csv', delimiter: ';', encoding: 'latin1' },
            ...config,
          } as Input),
          sink,
          idempotencyKey: { fields: ['id'] },
          policies: { retry: { maxAttempts: 1 } },
        }),
      ],
    });
    return { result: await runtime.run('erp-sftp'), sink };
  } finally {
    await store.close();
  }
}

describe('sftp-drop against OpenSSH sshd on loopback', () => {
  it('takes marked files over SFTP with a pinned host key, archives them locally and removes them remotely', async () => {
    writeFileSync(
      join(drop, 'DEBMAS_20261117.csv'),
      Buffer.from('id;city\n1;K\xf6ln\n2;Z\xfcrich\n', 'latin1'),
    );
    writeFileSync(join(drop, 'DEBMAS_20261118.csv'), 'id;city\n3;Wien\n');
    writeFileSync(join(drop, 'DEBMAS_20261118.csv.done'), '');
    const first = await runOnce();
    expect(first.result.status, JSON.stringify(first.result.error)).toBe('succeeded');
    // Only the marked file was taken.
    expect([...first.sink.rows.values()]).toEqual([{ id: '3', city: 'Wien' }]);
    expect(readdirSync(drop).sort()).toEqual(['DEBMAS_20261117.csv']);

    writeFileSync(join(drop, 'DEBMAS_20261117.csv.done'), '');
    const second = await runOnce();
    expect([...second.sink.rows.values()]).toEqual([
      { id: '1', city: 'Köln' },
      { id: '2', city: 'Zürich' },
    ]);
    expect(readdirSync(drop)).toEqual([]);
    expect(readFileSync(join(t.archive, '2026-11-17', 'DEBMAS_20261117.csv'), 'latin1')).toBe(
      'id;city\n1;Köln\n2;Zürich\n',
    );
  });

  it('refuses a server whose host key is not the pinned one, before touching any file', async () => {
    writeFileSync(join(drop, 'DEBMAS_20261117.csv'), 'id;city\n1;Bonn\n');
    writeFileSync(join(drop, 'DEBMAS_20261117.csv.done'), '');
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const { result, sink } = await runOnce({ hostKeyFingerprint: wrong });
    expect(result.status).toBe('failed');
    expect(result.error?.kind).toBe('auth');
    expect(result.error?.code).toBe('HOST_KEY_MISMATCH');
    expect(result.error?.message).toContain(sshd.fingerprint);
    expect(sink.rows.size).toBe(0);
    expect(readdirSync(drop).sort()).toEqual(['DEBMAS_20261117.csv', 'DEBMAS_20261117.csv.done']);
    expect(existsSync(join(t.archive, '2026-11-17'))).toBe(false);
  });

  it('requires a pinned host key unless pinning is explicitly disabled', () => {
    const base = {
      host: 'sftp.example',
      username: 'u',
      privateKey: 'env:KEY',
      path: '/out',
      archive: '/srv/archive',
      format: { type: 'jsonl' },
    };
    const unpinned = sftpDropConfig.safeParse(base);
    expect(unpinned.success).toBe(false);
    expect(JSON.stringify(unpinned.error?.issues)).toContain('pin the server host key');
    expect(sftpDropConfig.safeParse({ ...base, allowUnpinnedHostKey: true }).success).toBe(true);
    expect(
      sftpDropConfig.safeParse({
        ...base,
        privateKey: '-----BEGIN KEY',
        allowUnpinnedHostKey: true,
      }).success,
    ).toBe(false);
  });
});
