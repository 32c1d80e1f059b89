/**
 * The `expect` option of a file drop: when files are due ("by 02:00
 * Europe/Berlin on business days"), which days are business days (weekdays
 * and a holiday list, inline or from a file), a grace period, and which files
 * make a business date complete. Only zod and core here: the spec (and the
 * generated docs) are built from it.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A weekday name as used in `expect.days`.
 *
 * @example
 * ```ts
 * const days: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
 * ```
 */
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * The weekday number (0 = Sunday) of a weekday name.
 *
 * @example
 * ```ts
 * weekdayNumber('mon'); // 1
 * ```
 */
export function weekdayNumber(day: Weekday): number {
  return WEEKDAYS.indexOf(day);
}

function isIsoDate(s: string): boolean {
  if (!ISO_DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Reads a holidays file: one `YYYY-MM-DD` per line (text after the date and
 * `#` comment lines are ignored) or a JSON array of dates. Throws an Error
 * naming the file and line when it cannot be read or a line is no date.
 *
 * @example
 * ```ts
 * readHolidaysFile('/etc/patchbay/holidays-de.txt'); // ['2026-12-25', '2026-12-26']
 * ```
 */
export function readHolidaysFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read holidays file ${path}: ${(err as Error).message}`, { cause: err });
  }
  if (text.trimStart().startsWith('[')) {
    const list: unknown = JSON.parse(text);
    const bad = Array.isArray(list) ? list.find((d) => typeof d !== 'string' || !isIsoDate(d)) : 0;
    if (bad !== undefined) {
      throw new Error(`holidays file ${path}: expected a JSON array of YYYY-MM-DD dates`);
    }
    return list as string[];
  }
  const dates: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const date = line.split(/[\s,;]/)[0] ?? '';
    if (!isIsoDate(date)) {
      throw new Error(`holidays file ${path} line ${i + 1}: "${line}" is not a YYYY-MM-DD date`);
    }
    dates.push(date);
  });
  return dates;
}

/**
 * The zod schema of `expect` in a file-drop config.
 *
 * @example
 * ```ts
 * fileExpectationSchema.parse({ due: '02:00', timezone: 'Europe/Berlin', holidays: ['2026-12-25'], grace: '30m' });
 * ```
 */
export const fileExpectationSchema = z
  .object({
    due: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time of day as HH:MM, e.g. "02:00"' })
      .meta({ description: 'Local time of day by which the files are due', examples: ['02:00'] }),
    timezone: z
      .string()
      .optional()
      .meta({
        description: 'IANA time zone of `due` and of "today"; default: `businessDate.timeZone`',
        examples: ['Europe/Berlin'],
      }),
    days: z
      .union([z.enum(['business', 'daily']), z.array(z.enum(WEEKDAYS)).min(1)])
      .default('business')
      .meta({
        description:
          'Days a file is expected: `business` (mon–fri), `daily`, or weekday names; holidays are never expected',
        examples: [['mon', 'tue', 'wed', 'thu', 'fri', 'sat']],
      }),
    holidays: z
      .array(z.string().refine(isIsoDate, { error: 'a date as YYYY-MM-DD' }))
      .default([])
      .meta({ description: 'Dates on which no file is expected', examples: [['2026-12-25']] }),
    holidaysFile: z
      .string()
      .min(1)
      .optional()
      .meta({
        description:
          'A file of holidays (one YYYY-MM-DD per line, `#` comments, or a JSON array), added to `holidays`; read at load',
        examples: ['/etc/patchbay/holidays-de.txt'],
      }),
    dueAfterDays: z.number().int().min(0).max(7).default(0).meta({
      description:
        'Calendar days after the business date the files are due (1 when the export for the 17th arrives in the night to the 18th)',
    }),
    grace: z
      .union([z.number().int().nonnegative(), z.string().min(1)])
      .default('0s')
      .meta({
        description:
          'Tolerance after `due`: a file within it is on time; after it the date is `missing` (alert) until a file arrives `late`',
        examples: ['30m'],
      }),
    files: z
      .array(
        z
          .object({
            pattern: z.string().min(1).meta({ description: 'Glob of the file name' }),
            count: z.number().int().positive().default(1),
          })
          .strict(),
      )
      .min(1)
      .optional()
      .meta({
        description:
          'Files that make a business date complete, by name pattern and count; default: any one file',
        examples: [[{ pattern: 'MATMAS_*.csv', count: 1 }]],
      }),
    history: z.number().int().min(1).max(60).default(7).meta({
      description: 'Business dates kept in view (status, metrics, alerts)',
    }),
  })
  .strict();

/**
 * A parsed `expect` option.
 *
 * @example
 * ```ts
 * const e: FileExpectation = fileExpectationSchema.parse({ due: '02:00' });
 * e.days; // 'business'
 * ```
 */
export type FileExpectation = z.output<typeof fileExpectationSchema>;

/**
 * Cross-field checks of `expect` (time zone, grace duration, holidays file),
 * reported under `expect.<field>` so the error names the path.
 *
 * @example
 * ```ts
 * fileDropFields.superRefine((cfg, ctx) => cfg.expect && expectationRules(cfg.expect, ctx));
 * ```
 */
export function expectationRules(e: FileExpectation, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: ['expect', path], message });
  if (e.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-CA', { timeZone: e.timezone });
    } catch {
      issue('timezone', 'an IANA time zone such as Europe/Berlin');
    }
  }
  try {
    parseDuration(e.grace);
  } catch {
    issue('grace', 'a duration like "30m" or "2h"');
  }
  if (e.holidaysFile !== undefined) {
    try {
      readHolidaysFile(e.holidaysFile);
    } catch (err) {
      issue('holidaysFile', (err as Error).message);
    }
  }
}
