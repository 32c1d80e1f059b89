/**
 * The receiver on fastify: one POST route per webhook integration, inside
 * an encapsulated plugin whose only content-type parser hands the handler
 * the raw bytes, so nothing is parsed before the signature is checked and
 * the admin routes beside it keep their own parsers.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import type { WebhookConfig } from './config.js';
import { recordAnswer, webhookHandler, type ReceiverDeps, type WebhookTarget } from './receive.js';

/**
 * Options of {@link webhookRoutes}.
 *
 * @example
 * ```ts
 * const { store, secrets, logger } = runtime.services;
 * const options: WebhookRoutesOptions = { targets: webhookTargets(runtime.integrations.values()), store, secrets, logger };
 * ```
 */
export interface WebhookRoutesOptions extends ReceiverDeps {
  targets: readonly WebhookTarget[];
}

/**
 * The route path of a target: its configured `path` or `/webhooks/<id>`.
 *
 * @example
 * ```ts
 * webhookPath({ integrationId: 'gh-pushes', config }); // '/webhooks/gh-pushes'
 * ```
 */
export function webhookPath(target: WebhookTarget): string {
  return target.config.path ?? `/webhooks/${target.integrationId}`;
}

/**
 * The webhook integrations among prepared integrations (those whose source
 * is the `webhook` connector), as receiver targets.
 *
 * @example
 * ```ts
 * const targets = webhookTargets(runtime.integrations.values());
 * ```
 */
export function webhookTargets(
  integrations: Iterable<{ id: string; source: { spec: { kind: string }; config: unknown } }>,
): WebhookTarget[] {
  const out: WebhookTarget[] = [];
  for (const p of integrations) {
    if (p.source.spec.kind === 'webhook') {
      out.push({ integrationId: p.id, config: p.source.config as WebhookConfig });
    }
  }
  return out;
}

function errorStatus(err: FastifyError): { status: number; code: string } {
  if (err.statusCode === 413) return { status: 413, code: 'BODY_TOO_LARGE' };
  if (err.statusCode === 415) return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' };
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: 400, code: 'MALFORMED_REQUEST' };
  }
  return { status: 500, code: 'INTERNAL' };
}

/**
 * A fastify plugin serving every target. Register it on the runtime's HTTP
 * server (or any fastify instance); it is encapsulated, so its raw-body
 * parser does not leak into other routes.
 *
 * @example
 * ```ts
 * app.register(webhookRoutes({ targets: webhookTargets(runtime.integrations.values()), ...runtime.services }));
 * ```
 */
export function webhookRoutes(
  options: WebhookRoutesOptions,
): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const byPath = new Map(options.targets.map((t) => [webhookPath(t), t.integrationId]));
    app.setErrorHandler((err: FastifyError, req, reply) => {
      const { status, code } = errorStatus(err);
      if (status >= 500) options.logger.error({ err, url: req.url }, 'webhook request failed');
      // Body limit and media type are refused by fastify before the handler runs.
      const id = byPath.get(req.url.split('?')[0] ?? '');
      if (options.webhookMetrics && id !== undefined) {
        recordAnswer(options.webhookMetrics, id, { status, body: { error: { code } } }, 0);
      }
      return reply.code(status).send({ error: { code } });
    });
    for (const target of options.targets) {
      const handle = webhookHandler(target, options);
      app.post(
        webhookPath(target),
        { bodyLimit: target.config.maxBodyBytes },
        async (req, reply) => {
          const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          const res = await handle({ headers: req.headers, body });
          return reply.code(res.status).headers(res.headers).send(res.body);
        },
      );
    }
  };
}
