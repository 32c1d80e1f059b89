/**
 * The webhook receiver's config, spec first: the signature scheme and its
 * secret references, limits, where the event id, entity key and event time
 * are found, and the out-of-order policy. Docs and `patchbay check` are
 * generated from this schema.
 */
import { z } from 'zod';
import { parseDuration } from '../../core/duration.js';
import { secretRef } from '../../core/secrets/schema.js';
import { githubScheme } from './schemes/github.js';
import { hmacScheme } from './schemes/hmac.js';
import { shopifyScheme } from './schemes/shopify.js';
import { slackScheme } from './schemes/slack.js';
import { standardWebhooksScheme } from './schemes/standard-webhooks.js';
import { stripeScheme } from './schemes/stripe.js';
import type { SignatureScheme } from './schemes/types.js';

const duration = (description: string, example: string) =>
  z
    .union([z.number().nonnegative(), z.string()])
    .refine(
      (v) => {
        try {
          parseDuration(v);
          return true;
        } catch {
          return false;
        }
      },
      { error: 'a duration: milliseconds or a string like "30s", "5m"' },
    )
    .meta({ description, examples: [example] });

const secrets = z
  .array(secretRef('webhook signing secret'))
  .min(1)
  .meta({
    description:
      'Signing secrets as references, current first. List the old and the new one during a rotation; any of them verifies.',
    examples: [['env:WEBHOOK_SECRET', 'env:WEBHOOK_SECRET_PREVIOUS']],
  });

const named = <S extends string>(scheme: S) =>
  z.object({ scheme: z.literal(scheme), secrets }).strict();

const signature = z
  .discriminatedUnion('scheme', [
    named('standard-webhooks'),
    named('stripe'),
    named('github'),
    named('shopify'),
    named('slack'),
    z
      .object({
        scheme: z.literal('hmac'),
        secrets,
        header: z
          .string()
          .min(1)
          .meta({ examples: ['x-signature'] }),
        algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha256'),
        encoding: z.enum(['hex', 'base64', 'base64url']).default('hex'),
        prefix: z
          .string()
          .optional()
          .meta({ examples: ['sha256='] }),
        template: z
          .string()
          .default('{body}')
          .meta({
            description: 'Signed content: {body}, {timestamp}, {header:<name>}',
            examples: ['{timestamp}.{body}'],
          }),
        timestampHeader: z.string().optional(),
        timestampUnit: z.enum(['s', 'ms']).default('s'),
      })
      .strict(),
    z
      .object({
        scheme: z.literal('none'),
        acceptUnsigned: z.literal(true).meta({
          description:
            'Explicit opt-out: accept requests without any signature. `patchbay check` flags it.',
        }),
      })
      .strict(),
  ])
  .meta({
    description:
      'How requests are authenticated: standard-webhooks, stripe, github, shopify, slack, hmac, or none (explicit opt-out).',
  });

/** Where a value is found: `header:<name>` or `body:<dotted.path>` in the JSON body. */
const locator = z.string().regex(/^(header:[A-Za-z0-9-]+|body:[A-Za-z0-9_$.-]+)$/, {
  error: 'header:<name> or body:<dotted.path>',
});

/**
 * The config schema of the `webhook` source.
 *
 * @example
 * ```ts
 * webhookConfigSchema.parse({ signature: { scheme: 'standard-webhooks', secrets: ['env:WEBHOOK_SECRET'] } }).tolerance; // '5m'
 * ```
 */
export const webhookConfigSchema = z
  .object({
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9/_.-]*$/, { error: 'a URL path starting with /' })
      .optional()
      .meta({ description: 'Route path. Default `/webhooks/<integration id>`.' }),
    signature,
    tolerance: duration(
      'Allowed clock difference of a signed timestamp, both directions.',
      '5m',
    ).default('5m'),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024)
      .meta({ description: 'Larger bodies answer 413.' }),
    mediaTypes: z
      .array(z.string().min(1))
      .min(1)
      .default(['application/json'])
      .meta({ description: 'Accepted content types; others answer 415.' }),
    eventId: locator.optional().meta({
      description:
        "Where the provider's event id is (de-duplication). Default per scheme: webhook-id, body:id (stripe), x-github-delivery, x-shopify-webhook-id, body:event_id (slack).",
      examples: ['header:x-request-id', 'body:id'],
    }),
    entityKey: locator.optional().meta({
      description: 'Where the entity the event is about is, for per-entity ordering.',
      examples: ['body:data.object.id'],
    }),
    occurredAt: locator.optional().meta({
      description:
        "Where the event's own time is (Unix seconds, milliseconds or ISO 8601), for ordering.",
      examples: ['body:created', 'header:x-shopify-triggered-at'],
    }),
    ordering: z.enum(['skip', 'park', 'apply']).default('skip').meta({
      description:
        'An event older than the last applied one of its entity: skip (recorded, not applied), park (dead letter for review) or apply.',
    }),
    retryAfter: duration('Retry-After sent with 503 when the store cannot take the write.', '5s')
      .default('5s')
      .meta({ advanced: true }),
    batchSize: z.number().int().min(1).max(1000).default(100).meta({ advanced: true }),
    pollInterval: duration('How often the processor looks for new envelopes.', '250ms')
      .default('250ms')
      .meta({ advanced: true }),
    claimLease: duration(
      'How long a claimed envelope is reserved before a crash makes it due again.',
      '1m',
    )
      .default('1m')
      .meta({ advanced: true }),
    maxAttempts: z.number().int().min(1).default(10).meta({
      advanced: true,
      description:
        'An envelope claimed this many times without being acknowledged (its runs kept failing transiently, or the process died on it) is dead-lettered with stage `inbox`.',
    }),
  })
  .strict();

/**
 * The parsed config of the `webhook` source (defaults applied).
 *
 * @example
 * ```ts
 * const config: WebhookConfig = webhookConfigSchema.parse({ signature: { scheme: 'github', secrets: ['env:GH_SECRET'] } });
 * ```
 */
export type WebhookConfig = z.output<typeof webhookConfigSchema>;
/**
 * The config of the `webhook` source as written.
 *
 * @example
 * ```ts
 * const input: WebhookConfigInput = { signature: { scheme: 'stripe', secrets: ['env:STRIPE_WEBHOOK_SECRET'] }, occurredAt: 'body:created' };
 * ```
 */
export type WebhookConfigInput = z.input<typeof webhookConfigSchema>;

const DEFAULT_EVENT_ID: Record<string, string | undefined> = {
  'standard-webhooks': 'header:webhook-id',
  stripe: 'body:id',
  github: 'header:x-github-delivery',
  shopify: 'header:x-shopify-webhook-id',
  slack: 'body:event_id',
};

/**
 * The event-id locator in effect: the configured one or the scheme's default.
 *
 * @example
 * ```ts
 * eventIdLocator(config); // 'header:x-github-delivery' for the github scheme
 * ```
 */
export function eventIdLocator(config: WebhookConfig): string | undefined {
  return config.eventId ?? DEFAULT_EVENT_ID[config.signature.scheme];
}

/**
 * The signature scheme a config names, or `undefined` for the unsigned opt-out.
 *
 * @example
 * ```ts
 * schemeFor(config)?.name; // 'stripe'
 * ```
 */
export function schemeFor(config: WebhookConfig): SignatureScheme | undefined {
  const s = config.signature;
  switch (s.scheme) {
    case 'standard-webhooks':
      return standardWebhooksScheme();
    case 'stripe':
      return stripeScheme();
    case 'github':
      return githubScheme();
    case 'shopify':
      return shopifyScheme();
    case 'slack':
      return slackScheme();
    case 'hmac':
      return hmacScheme(s);
    case 'none':
      return undefined;
  }
}

/**
 * True when the config accepts unsigned requests (the explicit opt-out).
 *
 * @example
 * ```ts
 * acceptsUnsigned({ signature: { scheme: 'none', acceptUnsigned: true } }); // true
 * ```
 */
export function acceptsUnsigned(config: unknown): boolean {
  const sig = (config as { signature?: { scheme?: unknown } } | undefined)?.signature;
  return sig?.scheme === 'none';
}
