/**
 * Ordering by the event's own time. Per entity key, the processor keeps the
 * time of the newest event it applied (in the store's cache, so a restart
 * or another process sees it). A claimed batch is split into what to apply
 * and what is older: within a batch only the newest events of an entity are
 * applied, because applying an older one after it would roll the entity
 * back.
 */
import type { Store, InboxItem } from '../../store/types.js';

/**
 * What to do with an event older than the last applied one of its entity.
 *
 * @example
 * ```ts
 * const policy: OrderingPolicy = 'park';
 * ```
 */
export type OrderingPolicy = 'skip' | 'park' | 'apply';

/**
 * A claimed batch split by the ordering policy.
 *
 * @example
 * ```ts
 * const plan: OrderingPlan = await planOrdering(store, 'orders', claimed, 'skip');
 * plan.stale.length; // events not to apply
 * ```
 */
export interface OrderingPlan {
  /** In the order to apply them. */
  apply: InboxItem[];
  /** Older than what was (or is about to be) applied for their entity. */
  stale: Array<{ item: InboxItem; newerAt: number }>;
  /** Entity key → newest event time among `apply`, to record once they are applied. */
  newest: Map<string, number>;
}

/**
 * The cache namespace holding last-applied times of one integration.
 *
 * @example
 * ```ts
 * await store.cache.get(orderingNamespace('stripe-payments'), 'cus_1');
 * ```
 */
export function orderingNamespace(integrationId: string): string {
  return `webhook-order:${integrationId}`;
}

function time(item: InboxItem): number {
  return item.occurredAt ?? item.receivedAt;
}

/**
 * Splits a batch. Items without an entity key or event time are always
 * applied, in arrival order. With `apply`, everything is applied, sorted by
 * event time, so the newest lands last.
 *
 * @example
 * ```ts
 * const plan = await planOrdering(store, 'stripe-payments', claimed, 'skip');
 * ```
 */
export async function planOrdering(
  store: Store,
  integrationId: string,
  items: readonly InboxItem[],
  policy: OrderingPolicy,
): Promise<OrderingPlan> {
  const namespace = orderingNamespace(integrationId);
  const groups = new Map<string, InboxItem[]>();
  const apply: InboxItem[] = [];
  for (const item of items) {
    if (item.entityKey === null || item.occurredAt === null) apply.push(item);
    else groups.set(item.entityKey, [...(groups.get(item.entityKey) ?? []), item]);
  }
  const stale: OrderingPlan['stale'] = [];
  const newest = new Map<string, number>();
  for (const [key, group] of groups) {
    const cached = (await store.cache.get(namespace, key))?.value;
    const last = typeof cached === 'number' ? cached : Number.NEGATIVE_INFINITY;
    const max = Math.max(...group.map(time));
    if (max >= last) newest.set(key, max);
    for (const item of group) {
      const t = time(item);
      if (policy === 'apply') apply.push(item);
      else if (t < last || t < max) stale.push({ item, newerAt: Math.max(last, max) });
      else apply.push(item);
    }
  }
  if (policy === 'apply') {
    apply.sort((a, b) => time(a) - time(b) || Number(a.id) - Number(b.id));
  } else {
    apply.sort((a, b) => Number(a.id) - Number(b.id));
  }
  return { apply, stale, newest };
}

/**
 * Records the newest applied time per entity, never moving one backwards.
 *
 * @example
 * ```ts
 * await recordApplied(store, 'stripe-payments', plan.newest);
 * ```
 */
export async function recordApplied(
  store: Store,
  integrationId: string,
  newest: ReadonlyMap<string, number>,
): Promise<void> {
  const namespace = orderingNamespace(integrationId);
  for (const [key, at] of newest) {
    const cached = (await store.cache.get(namespace, key))?.value;
    if (typeof cached === 'number' && cached >= at) continue;
    await store.cache.set(namespace, key, at);
  }
}
