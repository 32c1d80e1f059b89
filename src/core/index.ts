export * from './errors.js';
export { classify, httpError, kindForStatus } from './classify.js';
export { parseDuration, formatDuration, type Duration } from './duration.js';
export { toJsonSafe, type JsonValue } from './json-safe.js';
export { configIssues, configFailure, type ConfigIssue } from './config-issues.js';
export * from './connector.js';
export * from './integration.js';
export { MODEL_STAMP, modelOf, stampModel, type ModelRef } from './model-stamp.js';
export * from './secrets/index.js';
