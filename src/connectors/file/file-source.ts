/**
 * `file-drop`: files from a local folder or a mounted share, never read
 * mid-write, claimed atomically, archived raw, loaded by business date, and
 * replayable by date from the archive (see drop-read.ts for the read loop).
 */
import { defineConnector, type SourceSession } from '../../core/connector.js';
import { fileDropConfig } from './config.js';
import { localDrop } from './drop.js';
import { fileDropCapabilities, readDrop } from './drop-read.js';
import { fileDropStatus } from './expect-state.js';

export { fileDropConfig, type FileDropConfig } from './config.js';

/**
 * The file-drop source: local folder or mounted share.
 *
 * @example
 * ```ts
 * import { fileDrop } from 'patchbay/file';
 * source: fileDrop({
 *   path: '/srv/drop/sap', archive: '/srv/archive/sap', patterns: ['MATMAS_*.csv'],
 *   readiness: 'marker', // SAP writes MATMAS_20261117.csv.done when the export is complete
 *   businessDate: { fromName: '_(?<date>\\d{8})\\.csv$', timeZone: 'Europe/Berlin' },
 *   format: { type: 'csv', delimiter: ';', encoding: 'win1252' },
 * })
 * ```
 */
export const fileDrop = defineConnector({
  kind: 'file-drop',
  title: 'File drop (local folder)',
  description:
    'Files from a local folder or mounted share: never read mid-write, claimed atomically, archived raw, processed by business date, replayed by date; CSV/TSV, JSON Lines, JSON arrays, XML and fixed-width, streamed.',
  direction: 'source',
  config: fileDropConfig,
  capabilities: fileDropCapabilities,
  status: fileDropStatus,
  async connect(cfg): Promise<SourceSession<Record<string, unknown>>> {
    const drop = localDrop(cfg.path);
    return {
      read: (ctx) => readDrop(cfg, drop, ctx),
      check: () => drop.check(),
      close: () => drop.close(),
    };
  },
});
