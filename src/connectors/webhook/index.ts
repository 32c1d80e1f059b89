/**
 * The webhook receiver: signature schemes, the framework-free request
 * handler, the fastify routes and the `webhook` source that feeds stored
 * envelopes through the runtime's pipeline.
 */
export { webhook, type WebhookEvent } from './source.js';
export {
  webhookConfigSchema,
  schemeFor,
  eventIdLocator,
  acceptsUnsigned,
  type WebhookConfig,
  type WebhookConfigInput,
} from './config.js';
export {
  webhookHandler,
  recordAnswer,
  type ReceiverDeps,
  type WebhookRequest,
  type WebhookResponse,
  type WebhookTarget,
} from './receive.js';
export { webhookRoutes, webhookTargets, webhookPath, type WebhookRoutesOptions } from './routes.js';
export { attachWebhookMetrics, webhookMetricsOf, type WebhookReceiverMetrics } from './metrics.js';
export { webhookRequestListener } from './node-http.js';
export {
  planOrdering,
  recordApplied,
  orderingNamespace,
  type OrderingPolicy,
  type OrderingPlan,
} from './ordering.js';
export { standardWebhooksScheme, signStandardWebhook } from './schemes/standard-webhooks.js';
export { stripeScheme } from './schemes/stripe.js';
export { githubScheme } from './schemes/github.js';
export { shopifyScheme } from './schemes/shopify.js';
export { slackScheme } from './schemes/slack.js';
export { hmacScheme, type HmacSchemeOptions } from './schemes/hmac.js';
export type { SignatureScheme, VerifyFailure, VerifyInput, VerifyResult } from './schemes/types.js';
export type { HmacAlgorithm, SignatureEncoding } from './schemes/crypto.js';
export {
  DISABLED_ENDPOINTS,
  WebhookSender,
  type WebhookEndpoint,
  type WebhookSenderOptions,
  type SendTick,
} from './sender/sender.js';
export { DELIVERY_SCHEDULE_MS, nextAttemptAt } from './sender/schedule.js';
export {
  isEndpointDisabled,
  recoverDeliveries,
  type RecoverOptions,
  type RecoverResult,
} from './sender/recover.js';
