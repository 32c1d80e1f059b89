/** The `sql-upsert` config: spec first, cross-field rules included. */
import { z } from 'zod';
import { connectionFields, connectionRules } from './connection.js';
import { isIdentifier, isQualifiedName } from './identifiers.js';

const identifier = z
  .string()
  .refine(isIdentifier, { error: 'a plain identifier (letters, digits, underscore)' });
const qualified = z
  .string()
  .refine(isQualifiedName, { error: 'a plain table name such as employees or hr.employees' });

/**
 * The zod schema of `sql-upsert`.
 *
 * @example
 * ```ts
 * sqlUpsertConfig.parse({ dialect: 'sqlite', file: 'platform.db', table: 'employees', key: 'employee_id', conflict: 'last-write-wins', versionColumn: 'updated_at' });
 * ```
 */
export const sqlUpsertConfig = z
  .object({
    ...connectionFields,
    table: qualified.meta({ description: 'Target table', examples: ['platform.employees'] }),
    key: z
      .union([identifier, z.array(identifier).min(1)])
      .optional()
      .meta({
        description:
          'Column(s) of the canonical key; they need a primary key or unique constraint. Default: `idempotencyKeyColumn`',
        examples: ['employee_id'],
      }),
    idempotencyKeyColumn: identifier.optional().meta({
      description: "Column that receives each record's idempotency key",
      examples: ['source_key'],
    }),
    columns: z.array(identifier).min(1).optional().meta({
      description:
        'Columns to write (default: every field of the record); other fields are ignored',
    }),
    conflict: z
      .enum(['overwrite', 'last-write-wins', 'first-write-wins', 'park'])
      .default('overwrite')
      .meta({
        description:
          'On an existing key: overwrite; keep the newer `versionColumn`; keep the first write; or park an older incoming version for `patchbay conflicts`',
      }),
    versionColumn: identifier.optional().meta({
      description: 'Version or timestamp column for last-write-wins and park',
      examples: ['updated_at'],
    }),
    deleteFlag: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'Records whose field of this name is true delete the row by key (soft deletes from sql-extract)',
        examples: ['_deleted'],
      }),
    softDeleteColumn: identifier.optional().meta({
      description:
        'Delete by stamping this column with the current time instead of removing the row (deleteFlag records and reconcile tombstones)',
      examples: ['deleted_at'],
    }),
    reconcileField: z.string().min(1).default('_reconcile').meta({
      advanced: true,
      description:
        "Field of sql-extract's reconcile range tombstones; the target's keys in the range that the source no longer has are deleted",
    }),
    batchSize: z
      .number()
      .int()
      .positive()
      .max(10_000)
      .default(500)
      .meta({ description: 'Rows per INSERT statement' }),
    conflictsTable: qualified.default('patchbay_conflicts').meta({
      advanced: true,
      description: 'Table of parked conflicts, created in the target database',
    }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    connectionRules(cfg, ctx);
    if (!cfg.key && !cfg.idempotencyKeyColumn) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'give key or idempotencyKeyColumn' });
    }
    if ((cfg.conflict === 'last-write-wins' || cfg.conflict === 'park') && !cfg.versionColumn) {
      ctx.addIssue({
        code: 'custom',
        path: ['versionColumn'],
        message: `${cfg.conflict} needs a versionColumn`,
      });
    }
  });

/**
 * The parsed `sql-upsert` config.
 *
 * @example
 * ```ts
 * const cfg: SqlUpsertConfig = sqlUpsertConfig.parse(raw);
 * ```
 */
export type SqlUpsertConfig = z.output<typeof sqlUpsertConfig>;

/**
 * The key columns of a parsed config.
 *
 * @example
 * ```ts
 * keyColumns(sqlUpsertConfig.parse(raw)); // ['employee_id']
 * ```
 */
export function keyColumns(cfg: SqlUpsertConfig): string[] {
  if (cfg.key) return typeof cfg.key === 'string' ? [cfg.key] : cfg.key;
  return [cfg.idempotencyKeyColumn!];
}
