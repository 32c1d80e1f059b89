/** The zod schema behind `defineIntegration`'s structural checks. */
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { PATTERNS } from './patterns.js';

const duration = z.union([z.number(), z.string()]).refine(
  (v) => {
    try {
      parseDuration(v);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'a duration: milliseconds or a string like "30s", "5m", "2h"' },
);

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'a time of day "HH:MM"' });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const schedule = z
  .object({
    type: z.literal('schedule'),
    every: duration.optional(),
    cron: z.string().min(1).optional(),
    timezone: z
      .string()
      .refine(isTimeZone, { error: 'an IANA time zone such as "Europe/Berlin"' })
      .optional(),
    quietWindow: z.object({ from: clock, to: clock }).strict().optional(),
    jitter: duration.optional(),
    missedRuns: z.enum(['skip', 'run-once']).optional(),
    runOnStart: z.boolean().optional(),
  })
  .strict()
  .refine((t) => (t.every === undefined) !== (t.cron === undefined), {
    error: 'exactly one of "every" and "cron"',
    path: ['every'],
  });

const trigger = z.discriminatedUnion(
  'type',
  [
    schedule,
    z.object({ type: z.literal('stream') }).strict(),
    z.object({ type: z.literal('manual') }).strict(),
  ],
  { error: 'a trigger with type "schedule", "stream" or "manual"' },
);

const connectorUse = z.custom<unknown>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { connector?: { connect?: unknown } }).connector?.connect === 'function',
  { error: 'a connector placed with its config, e.g. http({ ... })' },
);

const functionSink = z
  .object({
    name: z.string().min(1),
    idempotent: z.boolean(),
    write: z.custom<unknown>((v) => typeof v === 'function'),
  })
  .loose();

const step = z.union(
  [
    z.custom<unknown>((v) => typeof v === 'function'),
    z.object({
      name: z.string().min(1),
      run: z.custom<unknown>((v) => typeof v === 'function'),
      mask: z.custom<unknown>((v) => typeof v === 'function').optional(),
      batch: z.custom<unknown>((v) => typeof v === 'function').optional(),
    }),
  ],
  { error: 'a function or { name, run }' },
);

/** Structural schema of the integration options. */
export const integrationSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, {
      error: 'an id of 2–63 lower-case letters, digits and dashes, starting with a letter',
    }),
    owner: z.union(
      [
        z.string().min(1),
        z.object({ team: z.string().min(1), contact: z.string().optional() }).strict(),
      ],
      { error: 'a team name or { team, contact }' },
    ),
    pattern: z.enum(PATTERNS),
    description: z.string().optional(),
    trigger,
    source: connectorUse,
    steps: z.array(step).optional(),
    sink: z.union([connectorUse, functionSink], {
      error: 'a connector placed with its config, or { name, idempotent, write }',
    }),
    policies: z.record(z.string(), z.unknown()).optional(),
    idempotencyKey: z
      .union(
        [
          z.custom<unknown>((v) => typeof v === 'function'),
          z.object({ fields: z.array(z.string().min(1)).min(1) }).strict(),
        ],
        {
          error: 'a function (record) => string or { fields: [...] }',
        },
      )
      .optional(),
    freshness: z.object({ maxAge: duration }).strict().optional(),
    concurrency: z.number().int().min(1).max(1024).optional(),
    budget: z
      .object({
        maxItems: z.number().int().positive().optional(),
        maxDuration: duration.optional(),
      })
      .strict()
      .optional(),
    docs: z
      .object({
        runbook: z.string().optional(),
        customerOwner: z.string().optional(),
        why: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
