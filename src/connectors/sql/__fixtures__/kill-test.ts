/** The integration shared by the SIGKILL test and its child process. */
import type { IntegrationOptions } from '../../../core/integration.js';
import type { sqlExtract as SqlExtract } from '../extract-source.js';
import type { sqlUpsert as SqlUpsert } from '../upsert-sink.js';

/**
 * What the parent hands the child.
 *
 * @example
 * ```ts
 * const args: KillTestArgs = { connection: db.connection, source, target, storePath };
 * ```
 */
export interface KillTestArgs {
  connection: Record<string, unknown>;
  source: string;
  target: string;
  storePath: string;
}

/**
 * The integration both processes run (id `hr-kill`).
 *
 * @example
 * ```ts
 * defineIntegration(killTestIntegration(args, sqlExtract, sqlUpsert));
 * ```
 */
export function killTestIntegration(
  args: KillTestArgs,
  sqlExtract: typeof SqlExtract,
  sqlUpsert: typeof SqlUpsert,
): IntegrationOptions {
  return {
    id: 'hr-kill',
    owner: 'integrations',
    pattern: 'sql-extract',
    trigger: { type: 'manual' },
    source: sqlExtract({
      ...args.connection,
      table: args.source,
      watermark: 'updated_at',
      primaryKey: 'id',
      pageSize: 4,
    } as never),
    sink: sqlUpsert({ ...args.connection, table: args.target, key: 'id' } as never),
    idempotencyKey: { fields: ['id'] },
    concurrency: 2,
  };
}
