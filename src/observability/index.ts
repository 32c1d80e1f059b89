/**
 * `patchbay/observability`: the scrubbing logger, the one line per external
 * call, the domain metrics and the admin HTTP server.
 */
export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.js';
export { logCall, recordCall, type CallRecord, type CallSinks } from './call-log.js';
export {
  PatchbayMetrics,
  type BreakerState,
  type CallMetric,
  type ItemStage,
  type PatchbayMetricsOptions,
} from './metrics.js';
export { LatencyWindow, type LatencyWindowOptions } from './latency-window.js';
export {
  WebhookMetrics,
  type WebhookEventOutcome,
  type WebhookMetricsOptions,
  type WebhookOutcome,
} from './webhook-metrics.js';
export {
  buildAdminApp,
  startAdminServer,
  type AdminAppOptions,
  type AdminErrorBody,
  type AdminServer,
  type AdminServerOptions,
} from './admin-server.js';
export {
  describeFailure,
  readinessChecks,
  type HealthReport,
  type ReadinessCheck,
  type ReadinessOptions,
  type ReadyCheck,
  type ReadyReport,
} from './readiness.js';
export { REDACTED, isSecretKey, scrub, scrubUrl, serializeError } from './scrub.js';
export { captureLog, type CapturedLog } from './testing.js';
