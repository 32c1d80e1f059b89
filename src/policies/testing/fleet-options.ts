/** Options shared by the shared-state test and its second process (`fleet-worker.ts`). */

/** Breaker options both processes use. */
export const FLEET_BREAKER = { failures: 2, openFor: '1s', probeLease: '10s' } as const;

/** Limiter options both processes use. */
export const FLEET_LIMIT = { rate: 20, burst: 2, maxWait: '30s' } as const;

/** Messages from the parent to the worker. */
export type FleetCommand =
  | { cmd: 'breaker-check' }
  | { cmd: 'breaker-probe'; n: number; holdMs: number }
  | { cmd: 'limit'; n: number }
  | { cmd: 'exit' };
