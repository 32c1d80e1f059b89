/**
 * Recover, the way Svix does it: send a window of an endpoint's messages
 * again after the endpoint was down. By default only the messages that
 * failed for good (dead: schedule used up, or refused because the endpoint
 * was disabled) are sent again; `include: 'all'` also re-sends the ones
 * already delivered (a subscriber that lost its data asks for that). Messages
 * still on their way (pending or being delivered) are left alone: they keep
 * their schedule. The window is on the time a message was enqueued.
 *
 * A re-sent message keeps its id (`webhook-id`, so a subscriber that
 * de-duplicates recognises it) and starts a fresh retry schedule; the dead
 * letters of re-sent messages are removed (a message that fails for good
 * again is dead-lettered again).
 */
import { PatchbayError } from '../../../core/errors.js';
import type { EpochMs, OutboxItem, Store } from '../../../store/types.js';
import { DISABLED_ENDPOINTS } from './endpoint.js';

/**
 * What to recover.
 *
 * @example
 * ```ts
 * const options: RecoverOptions = {
 *   integrationId: 'webhooks',
 *   endpointId: 'acme',
 *   since: Date.parse('2026-11-17T06:00:00Z'),
 *   until: Date.parse('2026-11-17T09:00:00Z'),
 * };
 * ```
 */
export interface RecoverOptions {
  /** The outbox partition the sender drains. */
  integrationId: string;
  endpointId: string;
  /** Earliest enqueue time, inclusive. */
  since: EpochMs;
  /** Latest enqueue time, inclusive. */
  until: EpochMs;
  /** `failed` [default]: dead messages only; `all`: delivered ones too. */
  include?: 'failed' | 'all';
  /**
   * A disabled endpoint (it answered 410) is refused unless this is true;
   * then it is enabled again before the messages are queued.
   */
  enable?: boolean;
  /** When the messages become due [now]. */
  now?: EpochMs;
}

/**
 * What {@link recoverDeliveries} did.
 *
 * @example
 * ```ts
 * const { resent, enabled }: RecoverResult = await recoverDeliveries(store, options);
 * console.log(`${resent.length} re-sent${enabled ? ', endpoint enabled again' : ''}`);
 * ```
 */
export interface RecoverResult {
  /** The re-sent messages as they were before (status `dead` or `delivered`), in enqueue order. */
  resent: OutboxItem[];
  /** True when the endpoint was disabled and has been enabled again. */
  enabled: boolean;
  /** Dead letters removed because their message is queued again. */
  deadLettersRemoved: number;
}

/**
 * True when the endpoint was disabled (it answered 410).
 *
 * @example
 * ```ts
 * if (await isEndpointDisabled(store, 'acme')) console.log('acme is disabled');
 * ```
 */
export async function isEndpointDisabled(store: Store, endpointId: string): Promise<boolean> {
  return (await store.cache.get(DISABLED_ENDPOINTS, endpointId)) !== undefined;
}

/**
 * Queues a window of an endpoint's finished messages to be sent again.
 *
 * @throws a `config` error `ENDPOINT_DISABLED` when the endpoint is disabled and `enable` is not set
 * @example
 * ```ts
 * const { resent } = await recoverDeliveries(store, {
 *   integrationId: 'webhooks',
 *   endpointId: 'acme',
 *   since: Date.now() - 86_400_000,
 *   until: Date.now(),
 * });
 * ```
 */
export async function recoverDeliveries(
  store: Store,
  options: RecoverOptions,
): Promise<RecoverResult> {
  const { integrationId, endpointId } = options;
  const disabled = await isEndpointDisabled(store, endpointId);
  if (disabled && !options.enable) {
    throw new PatchbayError(
      'config',
      `webhook endpoint ${endpointId} is disabled (it answered 410 Gone); recovering would only dead-letter the messages again`,
      { code: 'ENDPOINT_DISABLED', retryable: false, details: { endpoint: endpointId } },
    );
  }
  if (disabled) await store.cache.delete(DISABLED_ENDPOINTS, endpointId);
  const destination = `webhook:${endpointId}`;
  const resent = await store.outbox.requeue({
    integrationId,
    destination,
    from: options.since,
    to: options.until,
    statuses: options.include === 'all' ? ['dead', 'delivered'] : ['dead'],
    now: options.now,
  });
  const deadLettersRemoved = await removeDeadLetters(store, integrationId, destination, resent);
  return { resent, enabled: disabled, deadLettersRemoved };
}

async function removeDeadLetters(
  store: Store,
  integrationId: string,
  destination: string,
  resent: readonly OutboxItem[],
): Promise<number> {
  const ids = new Set(
    resent.filter((r) => r.status === 'dead').map((r) => messageId(r.payload) ?? ''),
  );
  if (ids.size === 0) return 0;
  const remove: string[] = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await store.deadLetters.list(integrationId, {
      limit: 500,
      ...(afterId === undefined ? {} : { afterId }),
    });
    for (const letter of page) {
      const raw = letter.raw as { destination?: unknown } | null;
      if (
        letter.stage === 'deliver' &&
        letter.itemKey !== undefined &&
        ids.has(letter.itemKey) &&
        raw?.destination === destination
      ) {
        remove.push(letter.id);
      }
    }
    if (page.length < 500) break;
    afterId = page.at(-1)?.id;
  }
  return remove.length === 0 ? 0 : store.deadLetters.remove(remove);
}

function messageId(payload: unknown): string | undefined {
  const id = (payload as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}
