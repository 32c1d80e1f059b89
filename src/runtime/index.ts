/**
 * `patchbay/runtime`: load a project, validate it, run its integrations on
 * schedules and streams, replay, retry dead letters, report status.
 */
export { createRuntime, Runtime, type RuntimeOptions } from './runtime.js';
export {
  defineProject,
  loadProject,
  type Project,
  type ProjectOptions,
  type SecretInfo,
  type LoadedSecretInfo,
  type WebhooksOptions,
} from './project.js';
export { executeRun, type RunOptions, type RunResult } from './execute-run.js';
export { prepareAll, prepareIntegration, type PreparedIntegration } from './prepare.js';
export { retryDeadLetters, type DeadLetterRetryResult } from './dead-letter-retry.js';
export {
  statusReport,
  integrationStatus,
  describeBreakers,
  type IntegrationStatus,
  type StreamFreshness,
} from './status.js';
export { lastKnownGoodOf, type LastKnownGoodStatus } from './last-known-good-status.js';
export { Scheduler, nextDue, type FireReason, type SchedulerHooks } from './scheduler.js';
export { insideQuietWindow } from './quiet-window.js';
export { CheckpointTracker } from './checkpoint-tracker.js';
export { idempotencyKeyFunction } from './idempotency-key.js';
export type { ItemCounts } from './process-batch.js';
export { sinkBreakerName } from './guards.js';
export {
  connectorContext,
  singleAttempt,
  type RuntimeMetrics,
  type RuntimeServices,
} from './services.js';
