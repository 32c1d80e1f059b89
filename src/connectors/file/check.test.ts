import { describe, expect, it } from 'vitest';
import { checkIntegration } from '../../check/index.js';
import { defineIntegration } from '../../core/integration.js';
import { prepareIntegration } from '../../runtime/prepare.js';
import { collectingSink } from '../../testing/index.js';
import { s3FileDrop, sftpFileDrop } from './index.js';

const drop = (pinning: { hostKeyFingerprint: string } | { allowUnpinnedHostKey: true }) =>
  defineIntegration({
    id: 'erp-loads',
    owner: 'integrations',
    pattern: 'file-drop',
    trigger: { type: 'schedule', every: '5m' },
    source: sftpFileDrop({
      host: '127.0.0.1',
      username: 'patchbay',
      privateKey: 'env:ERP_SFTP_KEY',
      path: '/out',
      archive: '/tmp/archive',
      format: { type: 'csv' },
      ...pinning,
    }),
    sink: collectingSink(),
    idempotencyKey: { fields: ['id'] },
  });

describe('patchbay check on an SFTP drop', () => {
  it('warns when the host key is not pinned, and passes a pinned one', () => {
    const auth = (pinning: Parameters<typeof drop>[0]) =>
      checkIntegration(prepareIntegration(drop(pinning))).items.find((i) => i.id === 'auth');
    const unpinned = auth({ allowUnpinnedHostKey: true });
    expect(unpinned?.status).toBe('warn');
    expect(unpinned?.reason).toMatch(/host key is not verified/);
    const pinned = auth({ hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) });
    expect(pinned?.status).toBe('pass');
  });
});

describe('patchbay check on an S3 drop', () => {
  const s3 = (endpoint: string) =>
    checkIntegration(
      prepareIntegration(
        defineIntegration({
          id: 'erp-s3',
          owner: 'integrations',
          pattern: 'file-drop',
          trigger: { type: 'schedule', every: '5m' },
          source: s3FileDrop({
            bucket: 'erp-drop',
            endpoint,
            forcePathStyle: true,
            allowInsecureEndpoint: true,
            accessKeyId: 'env:ERP_S3_KEY_ID',
            secretAccessKey: 'env:ERP_S3_SECRET',
            archive: '/tmp/archive',
            readiness: 'marker',
            format: { type: 'csv' },
          }),
          sink: collectingSink(),
          idempotencyKey: { fields: ['id'] },
        }),
      ),
    ).items.find((i) => i.id === 'auth');

  it('warns about plain http to another machine, and passes TLS or loopback', () => {
    const insecure = s3('http://minio.internal:9000');
    expect(insecure?.status).toBe('warn');
    expect(insecure?.reason).toMatch(/plain http:\/\/ to another machine/);
    expect(s3('https://minio.internal:9000')?.status).toBe('pass');
    expect(s3('http://127.0.0.1:4569')?.status).toBe('pass');
    expect(s3('http://localhost.attacker.example')?.status).toBe('warn');
  });
});
