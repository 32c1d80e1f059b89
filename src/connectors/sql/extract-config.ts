/** The `sql-extract` config: spec first, cross-field rules included. */
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { connectionFields, connectionRules } from './connection.js';
import { isIdentifier, isQualifiedName } from './identifiers.js';

const identifier = z
  .string()
  .refine(isIdentifier, { error: 'a plain identifier (letters, digits, underscore)' });

/**
 * The zod schema of `sql-extract`.
 *
 * @example
 * ```ts
 * sqlExtractConfig.parse({ dialect: 'postgres', database: 'hr', user: 'reader', password: 'env:HR_PW', table: 'employees', watermark: 'updated_at', primaryKey: 'id' });
 * ```
 */
export const sqlExtractConfig = z
  .object({
    ...connectionFields,
    table: z
      .string()
      .refine(isQualifiedName, { error: 'a plain table name such as employees or hr.employees' })
      .optional()
      .meta({ description: 'Table to read (or give `query`)', examples: ['hr.employees'] }),
    query: z
      .string()
      .min(1)
      .optional()
      .meta({
        advanced: true,
        description:
          'A SELECT to read instead of a table; it is paged as a subquery, so it must return the watermark and key columns',
        examples: ['SELECT e.id, e.name, e.updated_at FROM employees e WHERE e.active'],
      }),
    columns: z
      .array(identifier)
      .min(1)
      .optional()
      .meta({
        description: 'Columns to read (default: all)',
        examples: [['id', 'name', 'updated_at']],
      }),
    watermark: identifier.optional().meta({
      description:
        'Column that grows on every insert and update (NOT NULL, indexed together with the key)',
      examples: ['updated_at'],
    }),
    primaryKey: z.union([identifier, z.array(identifier).min(1)]).meta({
      description: 'Key column(s): the tie-breaker of the keyset and the item key',
      examples: ['id'],
    }),
    mode: z.enum(['delta', 'full']).default('delta').meta({
      description: '`delta`: rows after the saved watermark; `full`: every row, every run',
    }),
    pageSize: z
      .number()
      .int()
      .positive()
      .max(100_000)
      .default(1000)
      .meta({ description: 'Rows per page (LIMIT)' }),
    lookback: z
      .union([z.number().nonnegative(), z.string()])
      .optional()
      .meta({
        description:
          'Re-read this far behind the watermark for late commits and clock skew: a duration for time watermarks, an amount for numeric ones. Rows already read are de-duplicated',
        examples: ['5m'],
      }),
    initialValue: z
      .union([z.string(), z.number()])
      .optional()
      .meta({
        description: 'Watermark the first run starts from (inclusive)',
        examples: ['2026-01-01'],
      }),
    softDelete: z
      .object({
        column: identifier.meta({
          description: 'Column set when a row is deleted',
          examples: ['deleted_at'],
        }),
        flag: z
          .string()
          .min(1)
          .default('_deleted')
          .meta({ description: 'Field set to true/false on each item' }),
      })
      .strict()
      .optional()
      .meta({ description: 'Propagate soft deletes as a flag on each item' }),
    reconcile: z
      .object({
        every: z.union([z.number().positive(), z.string()]).meta({
          description:
            'How often a live run ends with a full reconcile: a duration such as `1d` (the first run always reconciles)',
          examples: ['1d'],
        }),
        field: z
          .string()
          .min(1)
          .default('_reconcile')
          .meta({ description: 'Field of the range tombstones the sink applies' }),
      })
      .strict()
      .optional()
      .meta({
        description:
          'For hard deletes: page through every primary key (keyset, read-only) and emit range tombstones, so the sink deletes rows the source no longer has. Integer keys or binary-collated text keys',
      }),
    maxSeen: z.number().int().positive().default(10_000).meta({
      advanced: true,
      description:
        'Most row positions remembered for lookback de-duplication; beyond it the oldest may be read again (the idempotent sink absorbs them)',
    }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    connectionRules(cfg, ctx);
    if ((cfg.table === undefined) === (cfg.query === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['table'],
        message: 'give exactly one of table or query',
      });
    }
    if (cfg.reconcile) {
      try {
        parseDuration(cfg.reconcile.every, 'reconcile.every');
      } catch {
        ctx.addIssue({
          code: 'custom',
          path: ['reconcile', 'every'],
          message: 'a duration: milliseconds or a string like "1d", "12h"',
        });
      }
    }
    if (cfg.mode === 'delta' && !cfg.watermark) {
      ctx.addIssue({
        code: 'custom',
        path: ['watermark'],
        message: 'delta mode needs a watermark column',
      });
    }
  });

/**
 * The parsed `sql-extract` config.
 *
 * @example
 * ```ts
 * const cfg: SqlExtractConfig = sqlExtractConfig.parse(raw);
 * ```
 */
export type SqlExtractConfig = z.output<typeof sqlExtractConfig>;
