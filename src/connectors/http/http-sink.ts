/**
 * `http-call`: each record becomes one outbound POST/PUT/PATCH/DELETE to a
 * customer or partner system, carrying an idempotency key so a retry after
 * a lost response has no second effect. Every attempt is logged and audited.
 */
import { z } from 'zod';
import { defineConnector, type SinkSession } from '../../core/connector.js';
import { PatchbayError } from '../../core/errors.js';
import {
  deriveIdempotencyKey,
  DEFAULT_IDEMPOTENCY_HEADER,
  fingerprint,
} from '../../idempotency/key.js';
import { IdempotencyLedger } from '../../idempotency/ledger.js';
import { guardedCall } from './call.js';
import { commonHttpFields, openConnection } from './options.js';
import { getPath } from './pagination/json-path.js';

const config = z
  .object({
    url: z
      .string()
      .min(1)
      .meta({
        description: 'Target URL; `{path}` placeholders are filled from the record',
        examples: [
          'https://crm.example.com/api/incidents',
          'https://erp.example.com/orders/{orderNo}',
        ],
      }),
    method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
    action: z
      .string()
      .min(1)
      .default('http-call')
      .meta({ description: 'Names the operation in derived idempotency keys and audit rows' }),
    idempotencyHeader: z
      .union([z.string().min(1), z.literal(false)])
      .default(DEFAULT_IDEMPOTENCY_HEADER)
      .meta({ description: 'Header carrying the idempotency key; false sends none' }),
    ssrfGuard: z.enum(['auto', 'on', 'off']).default('auto').meta({
      description:
        'Refuse internal addresses; `auto` turns it on when the URL host comes from the record',
    }),
    allowHosts: z
      .array(z.string())
      .default([])
      .meta({ description: 'Internal hosts trusted despite the SSRF guard', advanced: true }),
    ledger: z.boolean().default(false).meta({
      description:
        'Keep a "did I already do this?" ledger in the store, for targets without idempotency support',
    }),
    bodyPath: z
      .string()
      .optional()
      .meta({ description: 'Send only this part of the record as the body', advanced: true }),
    ...commonHttpFields,
  })
  .strict();

/**
 * Parsed `http-call` config.
 *
 * @example
 * ```ts
 * const config: HttpSinkConfig = httpCall.spec.config.parse({
 *   url: 'https://erp.example.com/orders/{orderNo}',
 *   method: 'PUT',
 *   action: 'update-order',
 *   auth: { type: 'basic', username: 'patchbay', password: 'env:ERP_PASSWORD' },
 * });
 * config.idempotencyHeader; // 'Idempotency-Key' (default)
 * ```
 */
export type HttpSinkConfig = z.output<typeof config>;

/**
 * The outbound-call sink.
 *
 * @example
 * ```ts
 * sink: httpCall({
 *   url: 'https://crm.example.com/api/incidents', method: 'POST', action: 'create-incident',
 *   successOn: [409],
 *   auth: { type: 'oauth2-client-credentials', tokenUrl: 'https://login.example.com/token',
 *           clientId: 'patchbay', clientSecret: 'env:CRM_CLIENT_SECRET' },
 * })
 * ```
 */
export const httpCall = defineConnector({
  kind: 'http-call',
  title: 'HTTP outbound call',
  description: 'Calls an HTTP API once per record with an idempotency key, audited per call.',
  direction: 'sink',
  config,
  capabilities: {
    ack: 'none',
    checkpoint: 'none',
    replay: 'none',
    idempotentWrites: true,
    connectionTest: false,
    guardsOwnCalls: true,
  },
  async connect(cfg, connectCtx): Promise<SinkSession> {
    const guardOn = cfg.ssrfGuard === 'on' || (cfg.ssrfGuard === 'auto' && hostFromData(cfg.url));
    const conn = openConnection(cfg, connectCtx, {
      ssrf: guardOn ? { allowHosts: cfg.allowHosts } : undefined,
    });
    const ledger = cfg.ledger
      ? new IdempotencyLedger(connectCtx.store.idempotency, {
          scope: `${connectCtx.integrationId}:${cfg.action}`,
        })
      : undefined;
    return {
      async write(records, ctx) {
        // One at a time, in order: targets often care (create before update).
        for (const record of records) {
          const key = record.idempotencyKey ?? deriveIdempotencyKey(cfg.action, record.data);
          const url = new URL(fillTemplate(cfg.url, record.data));
          const payload =
            cfg.bodyPath === undefined ? record.data : getPath(record.data, cfg.bodyPath);
          const body =
            cfg.method === 'DELETE' && payload === undefined ? undefined : JSON.stringify(payload);
          const send = () =>
            guardedCall(
              ctx,
              () => ({
                method: cfg.method,
                url: new URL(url),
                headers: {
                  accept: 'application/json',
                  ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                  ...cfg.headers,
                  ...(cfg.idempotencyHeader === false ? {} : { [cfg.idempotencyHeader]: key }),
                },
                body,
              }),
              {
                client: conn.client,
                auth: conn.auth,
                overrides: cfg,
                idempotencyKey: key,
                audit: cfg.audit,
                auditBuffer: conn.auditBuffer,
                timeoutMs: conn.timeoutMs,
              },
            );
          if (ledger) {
            const { replayed } = await ledger.run(key, async () => (await send()).outcome, {
              fingerprint: fingerprint({ url: url.href, method: cfg.method, body }),
            });
            if (replayed) {
              ctx.logger.info(
                { integration: ctx.integrationId, idempotencyKey: key },
                'call already done (ledger)',
              );
            }
            continue;
          }
          const { outcome } = await send();
          if (outcome === 'drop') {
            ctx.logger.info(
              { integration: ctx.integrationId, idempotencyKey: key },
              'call dropped by dropOn',
            );
          }
        }
      },
      close: () => conn.close(),
    };
  },
});

/** True when a placeholder sits in the scheme or authority, i.e. the record picks the host. */
function hostFromData(template: string): boolean {
  const afterScheme = template.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const authority = /^[^/?#]*/.exec(afterScheme)?.[0] ?? '';
  const first = template.indexOf('{');
  return first !== -1 && (first < template.length - afterScheme.length || authority.includes('{'));
}

/**
 * Fills `{path}` placeholders from a record, URL-encoding each value.
 *
 * @example
 * ```ts
 * fillTemplate('https://erp.example.com/orders/{order.no}', { order: { no: 'A/1' } }); // '.../orders/A%2F1'
 * fillTemplate('{callbackUrl}', { callbackUrl: 'https://hooks.example.com/x' }); // taken as is
 * ```
 */
export function fillTemplate(template: string, data: unknown): string {
  // A template that is one placeholder takes a whole URL from the record, unencoded.
  const whole = /^\{([^}]+)\}$/.exec(template);
  if (whole?.[1] !== undefined) {
    const value = getPath(data, whole[1]);
    if (typeof value === 'string') return value;
  }
  return template.replace(/\{([^}]+)\}/g, (_, path: string) => {
    const value = getPath(data, path);
    if (value === undefined || value === null) {
      throw new PatchbayError('validation', `record has no value for {${path}} in the URL`, {
        code: 'URL_TEMPLATE',
        retryable: false,
      });
    }
    return encodeURIComponent(String(value as string | number));
  });
}
