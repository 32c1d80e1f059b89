/** Alert rules, the engine that keeps one open alert per condition, and the project config. */
export * from './types.js';
export * from './rules.js';
export {
  AlertEngine,
  ALERT_OUTBOX,
  commandsFor,
  listAlerts,
  type AlertEngineOptions,
} from './engine.js';
export { alertsSchema, type AlertsOptions } from './config.js';
export { sinksFromConfig, rulesFromConfig } from './from-config.js';
export { schemaDriftRule, DEFAULT_DRIFT_QUIET_MS } from './drift-rule.js';
export { fileExpectationRule, DEFAULT_DUPLICATE_QUIET_MS } from './file-rule.js';
