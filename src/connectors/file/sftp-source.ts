/**
 * `sftp-drop`: the file drop on an SFTP server. Same pickup, claim (remote
 * rename to `X.processing`), raw archive (local), ledger, parsers and replay
 * as `file-drop`; one SSH session per run.
 */
import { defineConnector, type SourceSession } from '../../core/connector.js';
import { fileDropCapabilities, readDrop } from './drop-read.js';
import { sftpDropConfig } from './sftp-config.js';
import { sftpDrop } from './sftp-drop.js';
import { fileDropStatus } from './expect-state.js';

export { sftpDropConfig, type SftpDropConfig } from './sftp-config.js';

/**
 * The SFTP file-drop source.
 *
 * @example
 * ```ts
 * import { sftpFileDrop } from 'patchbay/file';
 * source: sftpFileDrop({
 *   host: 'sftp.erp.example.com', username: 'patchbay', privateKey: 'file:/run/secrets/erp_key',
 *   hostKeyFingerprint: 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8',
 *   path: '/out/sap', archive: '/srv/archive/sap', patterns: ['MATMAS_*.csv'], readiness: 'marker',
 *   format: { type: 'csv', delimiter: ';', encoding: 'win1252' },
 * })
 * ```
 */
export const sftpFileDrop = defineConnector({
  kind: 'sftp-drop',
  title: 'File drop (SFTP)',
  description:
    'Files from a folder on an SFTP server with a pinned host key: never read mid-write, claimed by remote rename, archived raw locally, processed by business date, replayed by date.',
  direction: 'source',
  config: sftpDropConfig,
  capabilities: fileDropCapabilities,
  status: fileDropStatus,
  async connect(cfg, ctx): Promise<SourceSession<Record<string, unknown>>> {
    const drop = await sftpDrop(cfg, ctx);
    return {
      read: (readCtx) => readDrop(cfg, drop, readCtx),
      check: () => drop.check(),
      close: () => drop.close(),
    };
  },
});
