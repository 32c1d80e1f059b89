/**
 * The `alerts` option of a project: sinks by name, the route every alert
 * takes, escalation, and which built-in rules run. Validated with zod so a
 * mistake names the field (`alerts.sinks.tickets.url: expected a URL`).
 * Only zod and core here: the project loader imports this file.
 */
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { secretRef } from '../../core/secrets/schema.js';

const duration = z.union([z.number().nonnegative(), z.string()]).refine(
  (v) => {
    try {
      parseDuration(v);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a duration like "30s" or "15m"' },
);

const sinkSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('servicenow'),
      url: z.url(),
      table: z.string().min(1).optional(),
      assignmentGroup: z.string().optional(),
      username: z.string().optional(),
      password: secretRef('ticketing password').optional(),
      token: secretRef('ticketing bearer token').optional(),
    })
    .strict(),
  z.object({ type: z.literal('webhook'), url: z.url(), secret: secretRef('HMAC key') }).strict(),
  z.object({ type: z.literal('slack'), url: secretRef('incoming-webhook URL') }).strict(),
  z
    .object({
      type: z.literal('email'),
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).optional(),
      secure: z.boolean().optional(),
      requireTLS: z.boolean().optional(),
      username: z.string().optional(),
      password: secretRef('SMTP password').optional(),
      from: z.string().min(3),
      to: z.array(z.string().min(3)).min(1),
    })
    .strict(),
]);

/**
 * The zod schema of the project's `alerts` option.
 *
 * @example
 * ```ts
 * const alerts = alertsSchema.parse({
 *   sinks: {
 *     tickets: { type: 'servicenow', url: 'https://acme.service-now.com', username: 'patchbay', password: 'env:SN_PASSWORD' },
 *     chat: { type: 'slack', url: 'env:SLACK_ALERTS_URL' },
 *   },
 *   route: ['chat'],
 *   escalation: { after: '30m', to: ['tickets'] },
 *   rules: {
 *     freshness: { criticalFactor: 3 },
 *     deadLetters: { above: 10 },
 *     files: { duplicateQuietFor: '12h' }, // file expectations: declared by `expect` in file-drop sources
 *   },
 * });
 * ```
 */
export const alertsSchema = z
  .object({
    sinks: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), sinkSchema),
    route: z.array(z.string().min(1)).min(1),
    escalation: z
      .object({ after: duration, to: z.array(z.string().min(1)).min(1) })
      .strict()
      .optional(),
    evaluateEvery: duration.optional(),
    rules: z
      .object({
        freshness: z
          .union([
            z.boolean(),
            z
              .object({
                criticalFactor: z.number().min(1).optional(),
                streams: z.boolean().optional(),
              })
              .strict(),
          ])
          .optional(),
        schemaDrift: z
          .union([z.literal(false), z.object({ quietFor: duration }).strict()])
          .optional(),
        // File expectations are declared where the files come from: `expect` in the file-drop config.
        files: z
          .union([z.literal(false), z.object({ duplicateQuietFor: duration }).strict()])
          .optional(),
        missing: z
          .unknown()
          .refine(() => false, {
            error:
              'no longer here: declare `expect: { due, timezone, days, holidays }` in the file-drop source config',
          })
          .optional(),
        deadLetters: z
          .union([z.literal(false), z.object({ above: z.number().int().min(0) }).strict()])
          .optional(),
        breakerOpen: z.union([z.literal(false), z.object({ for: duration }).strict()]).optional(),
        errorRate: z.object({ perMinute: z.number().positive() }).strict().optional(),
        latency: z.object({ p99Ms: z.number().positive() }).strict().optional(),
        anomaly: z
          .array(
            z
              .object({
                value: z.string().min(1),
                window: z.number().int().min(2).optional(),
                minSamples: z.number().int().min(2).optional(),
                factor: z.number().positive().optional(),
                minDelta: z.number().nonnegative().optional(),
              })
              .strict(),
          )
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const names = new Set(Object.keys(v.sinks));
    const check = (list: readonly string[], path: string) =>
      list.forEach((n, i) => {
        if (!names.has(n)) {
          ctx.addIssue({
            code: 'custom',
            path: [path, i],
            message: `expected one of the sinks (${[...names].join(', ')})`,
          });
        }
      });
    check(v.route, 'route');
    if (v.escalation) {
      v.escalation.to.forEach((n, i) => {
        if (!names.has(n)) {
          ctx.addIssue({
            code: 'custom',
            path: ['escalation', 'to', i],
            message: `expected one of the sinks (${[...names].join(', ')})`,
          });
        }
      });
    }
  });

/**
 * The `alerts` option of `defineProject`.
 *
 * @example
 * ```ts
 * const alerts: AlertsOptions = {
 *   sinks: {
 *     tickets: { type: 'servicenow', url: 'https://acme.service-now.com', username: 'patchbay', password: 'env:SN_PASSWORD', assignmentGroup: 'Integrations' },
 *     mail: { type: 'email', host: 'smtp.acme.example', from: 'patchbay@acme.example', to: ['oncall@acme.example'] },
 *   },
 *   route: ['tickets'],
 *   escalation: { after: '30m', to: ['mail'] },
 *   rules: {
 *     // also alert when one entity stream stalls while the others flow (the default)
 *     freshness: { streams: true },
 *     deadLetters: { above: 10 },
 *     // drift recorded by mapping steps; resolves on `patchbay alerts ack-drift` or after 24 h without new drift
 *     schemaDrift: { quietFor: '24h' },
 *     // missing, failed and duplicate files of the file drops that declare `expect` (on by default)
 *     files: { duplicateQuietFor: '24h' },
 *     breakerOpen: { for: '10m' },
 *     // a written rate far from its recent baseline (see Observation.values for names)
 *     anomaly: [{ value: 'items_total.written.per_minute' }],
 *   },
 * };
 * ```
 */
export type AlertsOptions = z.input<typeof alertsSchema>;
