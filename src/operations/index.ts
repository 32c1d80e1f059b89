/**
 * `patchbay/operations`: alerts that reach people (rules, de-duplication,
 * escalation, outbox-backed delivery to ticketing, email, webhooks and
 * Slack), the freshness monitor, the integration registry and the secret
 * inventory.
 */
export * from './alerts/index.js';
export * from './alert-sinks/index.js';
export { FreshnessMonitor, type FreshnessMonitorOptions } from './freshness.js';
export * from './registry/index.js';
export { secretUses, alertSinkSecretUses, checkResolvable, type SecretUse } from './inventory.js';
export {
  recordRotation,
  readRotations,
  inventoryRows,
  ROTATION_NAMESPACE,
  type RotationRecord,
  type InventoryRow,
} from './secret-rotation.js';
export { startAlerting, type Alerting } from './wiring.js';
