/** Shared helpers for file-drop tests: a temp drop, a store, and an upserting sink. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SinkRecord } from '../../../core/connector.js';
import {
  defineIntegration,
  type FunctionSink,
  type IntegrationOptions,
} from '../../../core/integration.js';
import { defineProject } from '../../../runtime/project.js';
import { fileDrop } from '../file-source.js';

/**
 * A fresh drop folder, archive and state folder.
 *
 * @example
 * ```ts
 * const { drop, archive, dir } = tempDrop();
 * ```
 */
export function tempDrop(): { dir: string; drop: string; archive: string } {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-file-'));
  mkdirSync(join(dir, 'drop'));
  return { dir, drop: join(dir, 'drop'), archive: join(dir, 'archive') };
}

/**
 * A sink that upserts by source key and counts deliveries, like an idempotent table.
 *
 * @example
 * ```ts
 * const sink = upsertSink(); await runtime.run('x'); sink.rows.size;
 * ```
 */
export function upsertSink(): FunctionSink & { rows: Map<string, unknown>; deliveries: number } {
  const rows = new Map<string, unknown>();
  const sink = {
    name: 'upsert',
    idempotent: true,
    rows,
    deliveries: 0,
    async write(records: SinkRecord[]) {
      for (const r of records) {
        sink.deliveries++;
        rows.set(r.sourceKey!, r.data);
      }
    },
  };
  return sink;
}

/**
 * A manual file-drop integration on a {@link tempDrop}: rename readiness,
 * business date `_YYYYMMDD.csv` in the name, `;`-separated CSV unless
 * `format` says otherwise.
 *
 * @example
 * ```ts
 * createRuntime({ store, integrations: [dailyCsvDrop(t, { id: 'loads', sink, steps })] });
 * ```
 */
export function dailyCsvDrop(
  t: { drop: string; archive: string },
  options: Omit<IntegrationOptions, 'owner' | 'pattern' | 'trigger' | 'source'> & {
    format?: Parameters<typeof fileDrop>[0]['format'];
  },
) {
  const { format, ...rest } = options;
  return defineIntegration({
    owner: 'integrations',
    pattern: 'file-drop',
    trigger: { type: 'manual' },
    source: fileDrop({
      path: t.drop,
      archive: t.archive,
      readiness: 'rename',
      businessDate: { fromName: '_(?<date>\\d{8})\\.csv$' },
      format: format ?? { type: 'csv', delimiter: ';' },
    }),
    ...rest,
  });
}

/**
 * The CSV integration used by the replay CLI test (id `sap-loads`). Its sink
 * upserts into `<dir>/loaded.json` by source key and counts deliveries, so
 * the test can see both "no duplicates" and "the replay did deliver".
 *
 * @example
 * ```ts
 * export default replayProject('/tmp/x');
 * ```
 */
export function replayProject(dir: string) {
  const table = join(dir, 'loaded.json');
  return defineProject({
    name: 'file-replay',
    store: { path: join(dir, 'state.db') },
    admin: false,
    logLevel: 'warn',
    integrations: [
      defineIntegration({
        id: 'sap-loads',
        owner: 'integrations',
        pattern: 'file-drop',
        trigger: { type: 'manual' },
        source: fileDrop({
          path: join(dir, 'drop'),
          archive: join(dir, 'archive'),
          patterns: ['MATMAS_*.csv'],
          readiness: 'rename',
          businessDate: { fromName: '_(?<date>\\d{8})\\.csv$' },
          format: { type: 'csv', delimiter: ';' },
        }),
        sink: {
          name: 'json-table',
          idempotent: true,
          async write(records) {
            const rows = readLoaded(dir);
            for (const r of records) {
              const key = r.sourceKey!;
              rows[key] = { data: r.data, deliveries: (rows[key]?.deliveries ?? 0) + 1 };
            }
            writeFileSync(table, JSON.stringify(rows));
          },
        },
        idempotencyKey: { fields: ['id'] },
      }),
    ],
  });
}

/**
 * What the replay project's sink holds: source key → data and deliveries.
 *
 * @example
 * ```ts
 * Object.keys(readLoaded(dir)).length;
 * ```
 */
export function readLoaded(dir: string): Record<string, { data: unknown; deliveries: number }> {
  const table = join(dir, 'loaded.json');
  return existsSync(table)
    ? (JSON.parse(readFileSync(table, 'utf8')) as Record<
        string,
        { data: unknown; deliveries: number }
      >)
    : {};
}
