/**
 * A healthy integration status for rule and engine tests; each test changes
 * only the facts its rule looks at.
 */
import type { IntegrationStatus } from '../../../runtime/status.js';

/** A status that fires no built-in rule, with `overrides` applied. */
export function status(overrides: Partial<IntegrationStatus> = {}): IntegrationStatus {
  return {
    id: 'gps-positions',
    pattern: 'rest-poll',
    owner: 'logistics',
    lastRun: null,
    lastSuccessAt: 1_700_000_000_000,
    freshnessSeconds: 60,
    freshnessLimitSeconds: 900,
    stale: false,
    errorsByKind: {},
    deadLetters: 0,
    breaker: 'closed',
    sinkBreaker: 'closed',
    checkpoint: null,
    streams: [],
    drift: null,
    paused: null,
    lastKnownGood: null,
    ...overrides,
  };
}

/** A status whose last success is `ageSeconds` old against a `limitSeconds` expectation. */
export function aged(ageSeconds: number | null, limitSeconds = 900): IntegrationStatus {
  return status({
    freshnessSeconds: ageSeconds,
    freshnessLimitSeconds: limitSeconds,
    lastSuccessAt: ageSeconds === null ? null : 1_700_000_000_000,
    stale: ageSeconds === null || ageSeconds > limitSeconds,
  });
}
