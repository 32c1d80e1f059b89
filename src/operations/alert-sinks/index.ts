/** Alert sinks (ticketing, email, signed webhook, Slack) and the outbox delivery worker. */
export * from './types.js';
export { serviceNowSink, type ServiceNowSinkOptions } from './servicenow.js';
export { emailSink, type EmailSinkOptions } from './email.js';
export { webhookSink, signWebhook, verifyWebhook, type WebhookSinkOptions } from './webhook.js';
export { slackSink, type SlackSinkOptions } from './slack.js';
export { AlertDeliveryWorker, type AlertDeliveryOptions, type DeliveryTick } from './delivery.js';
