/**
 * In-process wake-ups from the receiver to the processor of the same store,
 * so a stored envelope is picked up at once instead of at the next poll.
 * Purely an optimisation: the processor also polls, so envelopes written by
 * another process (or before a restart) are found all the same.
 */

type Listener = () => void;
const listeners = new WeakMap<object, Map<string, Set<Listener>>>();

/**
 * Wakes the processors of `integrationId` on `store`.
 *
 * @example
 * ```ts
 * notifyStored(store, 'stripe-payments');
 * ```
 */
export function notifyStored(store: object, integrationId: string): void {
  for (const listener of listeners.get(store)?.get(integrationId) ?? []) listener();
}

/**
 * Resolves after `ms`, on a wake-up for `integrationId`, or on abort, whichever is first.
 *
 * @example
 * ```ts
 * await waitForStored(store, 'stripe-payments', 250, signal);
 * ```
 */
export function waitForStored(
  store: object,
  integrationId: string,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  let byId = listeners.get(store);
  if (!byId) listeners.set(store, (byId = new Map()));
  let set = byId.get(integrationId);
  if (!set) byId.set(integrationId, (set = new Set()));
  const group = set;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      group.delete(done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    group.add(done);
    signal.addEventListener('abort', done, { once: true });
  });
}
