/**
 * The receiver as a plain node:http request listener: no framework between
 * the socket and the signature check. For a dedicated public webhook port
 * (keeping the admin API off the internet) and for the leanest ingest path.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordAnswer, webhookHandler, type WebhookResponse } from './receive.js';
import { webhookPath, type WebhookRoutesOptions } from './routes.js';

function send(
  res: ServerResponse,
  answer: Pick<WebhookResponse, 'status' | 'body'> & { headers?: Record<string, string> },
): void {
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function failure(status: number, code: string) {
  return { status, body: { error: { code } } };
}

/**
 * A node:http request listener serving every target at its path: `POST`
 * only (405 otherwise), 404 for unknown paths, 413 as soon as the declared
 * or received length passes `maxBodyBytes` (the rest is not read), then the
 * same handler as the fastify routes.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const { store, secrets, logger } = runtime.services;
 * const targets = webhookTargets(runtime.integrations.values());
 * createServer(webhookRequestListener({ targets, store, secrets, logger })).listen(8080);
 * ```
 */
export function webhookRequestListener(
  options: WebhookRoutesOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = new Map(
    options.targets.map((t) => [
      webhookPath(t),
      { id: t.integrationId, max: t.config.maxBodyBytes, handle: webhookHandler(t, options) },
    ]),
  );
  return (req, res) => {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const route = routes.get(path);
    if (!route) return send(res, failure(404, 'NOT_FOUND'));
    if (req.method !== 'POST') return send(res, failure(405, 'METHOD_NOT_ALLOWED'));
    const tooLarge = () => {
      // Answer at once and close: reading the rest of an oversize body would be wasted work.
      res.setHeader('connection', 'close');
      const answer = failure(413, 'BODY_TOO_LARGE');
      if (options.webhookMetrics) recordAnswer(options.webhookMetrics, route.id, answer, 0);
      send(res, answer);
      req.resume();
    };
    if (Number(req.headers['content-length'] ?? 0) > route.max) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    let rejected = false;
    req.on('data', (chunk: Buffer) => {
      if (rejected) return;
      size += chunk.length;
      if (size > route.max) {
        rejected = true;
        tooLarge();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (rejected) return;
      route.handle({ headers: req.headers, body: Buffer.concat(chunks, size) }).then(
        (answer) => send(res, answer),
        (err: unknown) => {
          options.logger.error({ err }, 'webhook request failed');
          send(res, failure(500, 'INTERNAL'));
        },
      );
    });
    req.on('error', () => res.destroy());
  };
}
