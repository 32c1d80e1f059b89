/**
 * The webhook delivery worker of `patchbay run`: when the project declares
 * webhook endpoints, one {@link WebhookSender} drains the project's webhook
 * outbox partition on its poll interval until shutdown. Several runtime
 * processes on one store may each run one: claims are leased, and the
 * per-endpoint breakers are shared through the store.
 */
import type { Logger } from 'pino';
import type { SecretResolverChain } from '../core/secrets/resolver.js';
import { WebhookSender } from '../connectors/webhook/sender/sender.js';
import type { Project } from '../runtime/project.js';
import type { Store } from '../store/types.js';
import { usageError } from './exit-codes.js';

/**
 * Builds and starts the project's webhook sender, or returns `undefined`
 * when the project declares no endpoints. Endpoint URLs pass the SSRF guard
 * here (a refused URL is a `config` error, exit 2).
 *
 * @example
 * ```ts
 * const sender = startProjectSender(project, { store, secrets: runtime.services.secrets, logger });
 * // ... on shutdown, before the store closes:
 * await sender?.close();
 * ```
 */
export function startProjectSender(
  project: Pick<Project, 'webhooks'>,
  deps: { store: Store; secrets: SecretResolverChain; logger: Logger },
): WebhookSender | undefined {
  const webhooks = project.webhooks;
  if (!webhooks) return undefined;
  let sender: WebhookSender;
  try {
    sender = new WebhookSender({
      store: deps.store,
      secrets: deps.secrets,
      logger: deps.logger.child({ component: 'webhook-sender' }),
      integrationId: webhooks.integrationId,
      endpoints: webhooks.endpoints,
    });
  } catch (err) {
    // A refused endpoint URL is a mistake in the project, not a failed run.
    throw usageError(
      `webhooks.endpoints: ${(err as Error).message}`,
      'use a public https URL, or list a trusted internal host in the endpoint’s allowHosts',
    );
  }
  sender.start(webhooks.pollIntervalMs);
  deps.logger.info(
    { endpoints: webhooks.endpoints.map((e) => e.id), outbox: webhooks.integrationId },
    'webhook delivery worker started',
  );
  return sender;
}
