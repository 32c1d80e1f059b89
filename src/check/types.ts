/**
 * The shapes of the first-iteration checklist: one item per practice, each
 * pass, warn or fail with a reason and, when not passing, how to fix it.
 */

/**
 * How one checklist item came out. `fail` makes `patchbay check` exit non-zero.
 *
 * @example
 * ```ts
 * const status: CheckStatus = report.ok ? 'pass' : 'fail';
 * ```
 */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/**
 * The checklist items, in the order they are reported.
 *
 * @example
 * ```ts
 * CHECK_ITEMS.includes('docs'); // true
 * ```
 */
export const CHECK_ITEMS = [
  'pattern',
  'auth',
  'rotation',
  'retries',
  'idempotency',
  'replay',
  'observability',
  'timeouts',
  'owner',
  'docs',
  'recording',
  'connection',
] as const;

/**
 * One of {@link CHECK_ITEMS}. `connection` only appears with `--connect`;
 * `rotation` only when the caller passes the recorded rotations;
 * `recording` only when a connector config sets `recording`.
 *
 * @example
 * ```ts
 * const id: CheckItemId = 'idempotency';
 * ```
 */
export type CheckItemId = (typeof CHECK_ITEMS)[number];

/**
 * One checklist item of one integration.
 *
 * @example
 * ```ts
 * const item: CheckItem = {
 *   id: 'docs', title: 'docs', status: 'fail',
 *   reason: 'missing docs.runbook, docs.customerOwner',
 *   fix: "add docs: { runbook: 'docs/runbooks/orders.md', customerOwner: 'ERP team' }",
 * };
 * ```
 */
export interface CheckItem {
  id: CheckItemId;
  /** What the practice is, e.g. `retries with backoff`. */
  title: string;
  status: CheckStatus;
  /** What was found, naming what is missing when it is not a pass. */
  reason: string;
  /** How to fix it; present unless the item passes. */
  fix?: string;
}

/**
 * The checklist of one integration.
 *
 * @example
 * ```ts
 * const failing = result.items.filter((i) => i.status === 'fail').map((i) => i.id);
 * ```
 */
export interface IntegrationCheck {
  id: string;
  pattern: string;
  owner: string;
  /** The worst status of its items. */
  status: CheckStatus;
  items: CheckItem[];
}

/**
 * The checklist of a whole project.
 *
 * @example
 * ```ts
 * if (!report.ok) process.exitCode = 1;
 * ```
 */
export interface CheckReport {
  /** False when any item of any integration failed. */
  ok: boolean;
  counts: Record<CheckStatus, number>;
  integrations: IntegrationCheck[];
}

/**
 * The worse of the given statuses (`fail` > `warn` > `pass`).
 *
 * @example
 * ```ts
 * worst(['pass', 'warn']); // 'warn'
 * ```
 */
export function worst(statuses: Iterable<CheckStatus>): CheckStatus {
  let result: CheckStatus = 'pass';
  for (const s of statuses) {
    if (s === 'fail') return 'fail';
    if (s === 'warn') result = 'warn';
  }
  return result;
}
