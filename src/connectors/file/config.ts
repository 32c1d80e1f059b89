/** The `file-drop` config: spec first, cross-field rules included. */
import { z } from 'zod';
import { expectationRules, fileExpectationSchema } from './expect-config.js';

const duration = z.union([z.number().int().nonnegative(), z.string().min(1)]);

/** CSV/TSV options. */
const csvFormat = z.object({
  type: z.literal('csv'),
  delimiter: z
    .string()
    .min(1)
    .max(4)
    .default(',')
    .meta({ description: 'Field delimiter; `\\t` for TSV, `;` for most SAP exports' }),
  quote: z.string().max(1).default('"').meta({ advanced: true }),
  encoding: z
    .string()
    .default('utf8')
    .meta({
      description: 'Text encoding (iconv-lite name): utf8, latin1, win1252, ...',
      examples: ['win1252'],
    }),
  header: z
    .union([z.literal(true), z.array(z.string().min(1)).min(1)])
    .default(true)
    .meta({
      description:
        '`true`: the first line names the columns; or the column names when the file has no header',
    }),
  rename: z
    .record(z.string(), z.string())
    .optional()
    .meta({
      description: 'Header mapping: file column → record field',
      examples: [{ 'Material Nr.': 'material' }],
    }),
  relaxColumnCount: z.boolean().default(false).meta({
    advanced: true,
    description:
      'Accept rows with fewer or more fields than the header instead of rejecting them (missing fields are absent)',
  }),
});

/** JSON Lines options. */
const jsonlFormat = z.object({
  type: z.literal('jsonl'),
  encoding: z.string().default('utf8'),
});

/** JSON array options: the file is one top-level array of objects. */
const jsonArrayFormat = z.object({
  type: z.literal('json-array'),
  encoding: z.string().default('utf8'),
});

/** XML options. */
const xmlFormat = z.object({
  type: z.literal('xml'),
  encoding: z.string().default('utf8'),
  recordPath: z
    .string()
    .min(1)
    .meta({
      description: 'Element path of one record, from the root element',
      examples: ['Orders/Order'],
    }),
});

/** One column of a fixed-width layout. */
const fixedColumn = z.object({
  name: z.string().min(1),
  /** 1-based, as in most layout documents. */
  start: z.number().int().positive(),
  length: z.number().int().positive(),
  type: z.enum(['string', 'integer', 'decimal', 'date']).default('string'),
  /** For `decimal`: digits after an implied decimal point (`000012345` with 2 → `123.45`). */
  impliedDecimals: z.number().int().nonnegative().default(0),
  trim: z.boolean().default(true),
});

/** Fixed-width options. */
const fixedFormat = z.object({
  type: z.literal('fixed-width'),
  encoding: z
    .string()
    .default('latin1')
    .meta({ examples: ['cp037', 'latin1'] }),
  columns: z.array(fixedColumn).min(1),
  /** Lines shorter than the layout are rejected unless true. */
  allowShortLines: z.boolean().default(false),
});

/**
 * The fields every file-drop source shares (local folder, SFTP); `path` is
 * the drop folder on the system the files are taken from.
 *
 * @example
 * ```ts
 * const sftpConfig = fileDropFields.extend({ host: z.string() }).superRefine(fileDropRules);
 * ```
 */
export const fileDropFields = z.object({
  path: z
    .string()
    .min(1)
    .meta({
      description: 'The drop folder (local disk or a mounted share)',
      examples: ['/srv/drop/sap'],
    }),
  patterns: z
    .array(z.string().min(1))
    .min(1)
    .default(['*'])
    .meta({
      description:
        'Glob patterns of file names in the drop folder (`*`, `?`, `[abc]`, `{a,b}`); markers and claimed files never match',
      examples: [['MATMAS_*.csv', 'DEBMAS_*.csv']],
    }),
  archive: z
    .string()
    .min(1)
    .meta({
      description:
        'Raw archive folder: every received file is kept here as received, by business date (see archiveRetentionDays)',
      examples: ['/srv/archive/sap'],
    }),
  archiveRetentionDays: z
    .number()
    .int()
    .positive()
    .optional()
    .meta({
      description:
        'Delete archived files of business dates older than this many days (checked at the start of each live run); default: keep forever',
      examples: [400],
    }),
  readiness: z.enum(['marker', 'rename', 'stable']).default('stable').meta({
    description:
      '`marker`: take `X` only when `X<markerSuffix>` exists; `rename`: the producer renames complete files into the drop, so any matching file is complete; `stable`: size and mtime unchanged across two polls',
  }),
  markerSuffix: z
    .string()
    .min(1)
    .default('.done')
    .meta({ description: 'Suffix of the producer’s done-marker (readiness `marker`)' }),
  stableFor: duration.default('0s').meta({
    advanced: true,
    description:
      'Readiness `stable`: the file must also be unchanged for at least this long (extra safety for slow writers on shares)',
  }),
  afterSuccess: z.enum(['remove', 'marker', 'keep']).default('remove').meta({
    description:
      '`remove`: the drop copy is removed (the archive keeps it); `marker`: it is renamed to `X.processed`; `keep`: the drop is left as it is (read-only drops, needs `claim: lease`; the store remembers what was taken)',
  }),
  claim: z.enum(['rename', 'lease']).default('rename').meta({
    description:
      '`rename`: claim a file by renaming it to `X.processing` (the drop must be writable); `lease`: claim it by an expiring lease in the store, for read-only drops (and S3, where rename is not atomic)',
  }),
  leaseFor: duration.default('5m').meta({
    advanced: true,
    description:
      'Claim `lease`: how long a lease lasts; it is renewed with every batch, so a crashed worker’s lease expires after this and another worker takes the file',
  }),
  businessDate: z
    .object({
      fromName: z
        .string()
        .min(1)
        .optional()
        .meta({
          description:
            'Regular expression on the file name with named groups `year`, `month`, `day` (or one `date` group as YYYYMMDD / YYYY-MM-DD)',
          examples: ['_(?<year>\\d{4})(?<month>\\d{2})(?<day>\\d{2})\\.csv$'],
        }),
      timeZone: z
        .string()
        .default('UTC')
        .meta({
          description: 'Time zone of arrival-time business dates (IANA name)',
          examples: ['Europe/Berlin'],
        }),
    })
    .default({ timeZone: 'UTC' })
    .meta({
      description:
        'Where the business date comes from: the file name, else the arrival time (file mtime) in the time zone',
    }),
  format: z
    .discriminatedUnion('type', [csvFormat, jsonlFormat, jsonArrayFormat, xmlFormat, fixedFormat])
    .meta({
      description: 'How records are parsed; streamed, bounded memory',
    }),
  batchSize: z.number().int().positive().max(100_000).default(500).meta({
    description: 'Records per batch; a checkpoint follows each acknowledged batch',
  }),
  maxRecordBytes: z.number().int().positive().default(1_048_576).meta({
    advanced: true,
    description:
      'A record (CSV record or line) longer than this is rejected, so one bad file cannot exhaust memory',
  }),
  expect: fileExpectationSchema.optional().meta({
    description:
      'When files are due, per business date: pending, arrived, late, missing, duplicate or failed in `patchbay status`, metrics and alerts',
    examples: [{ due: '02:00', timezone: 'Europe/Berlin', holidays: ['2026-12-25'], grace: '30m' }],
  }),
});

/**
 * Cross-field rules of every file-drop config.
 *
 * @example
 * ```ts
 * fileDropFields.superRefine(fileDropRules);
 * ```
 */
export function fileDropRules(
  cfg: Omit<z.output<typeof fileDropFields>, 'path'>,
  ctx: z.RefinementCtx,
): void {
  if (
    cfg.readiness === 'marker' &&
    cfg.afterSuccess === 'marker' &&
    cfg.markerSuffix === '.processed'
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['markerSuffix'],
      message: 'must differ from `.processed`, the outcome marker',
    });
  }
  // `keep` leaves the file where it is, and only a lease can claim a file that is not moved.
  if (cfg.afterSuccess === 'keep' && cfg.claim !== 'lease') {
    ctx.addIssue({
      code: 'custom',
      path: ['afterSuccess'],
      message:
        '`keep` needs `claim: lease` (a renamed `.processing` file would be resumed forever)',
    });
  }
  if (cfg.businessDate.fromName !== undefined) {
    try {
      new RegExp(cfg.businessDate.fromName);
    } catch {
      ctx.addIssue({
        code: 'custom',
        path: ['businessDate', 'fromName'],
        message: 'a valid regular expression',
      });
    }
  }
  if (cfg.expect) expectationRules(cfg.expect, ctx);
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: cfg.businessDate.timeZone });
  } catch {
    ctx.addIssue({
      code: 'custom',
      path: ['businessDate', 'timeZone'],
      message: 'an IANA time zone such as Europe/Berlin',
    });
  }
}

/**
 * The zod schema of `file-drop`.
 *
 * @example
 * ```ts
 * fileDropConfig.parse({ path: '/srv/drop/sap', archive: '/srv/archive/sap', patterns: ['MATMAS_*.csv'], format: { type: 'csv', delimiter: ';' } });
 * ```
 */
export const fileDropConfig = fileDropFields.superRefine(fileDropRules);

/**
 * The parsed `file-drop` config.
 *
 * @example
 * ```ts
 * const cfg: FileDropConfig = fileDropConfig.parse(raw);
 * ```
 */
export type FileDropConfig = z.output<typeof fileDropConfig>;

/**
 * What the shared pickup, claim, archive and read loop need from any
 * file-drop config: everything but where the drop is (a local path, an SFTP
 * folder, an S3 bucket and prefix), which its `DropFolder` knows.
 *
 * @example
 * ```ts
 * const settings: DropSettings = s3DropConfig.parse(raw); // no `path`, still readable by readDrop
 * ```
 */
export type DropSettings = Omit<FileDropConfig, 'path'>;

/**
 * The parsed `format` of a `file-drop` config.
 *
 * @example
 * ```ts
 * const format: FileFormat = { type: 'jsonl', encoding: 'utf8' };
 * ```
 */
export type FileFormat = FileDropConfig['format'];
