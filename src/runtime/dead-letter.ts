/** The dead-letter write of one item that failed permanently. */
import type { SourceItem } from '../core/connector.js';
import type { PatchbayError } from '../core/errors.js';
import type { JsonValue } from '../core/json-safe.js';
import { toJsonSafe } from '../core/json-safe.js';
import { redactDeep } from '../core/secrets/redaction.js';
import type { BatchDeps } from './batch-types.js';

/**
 * Writes a dead letter for an item. Durable before the batch is acknowledged.
 *
 * @example
 * ```ts
 * await deadLetter(deps, item, 'sink', err, 5);
 * ```
 */
export async function deadLetter(
  deps: Pick<BatchDeps, 'services' | 'prepared' | 'counts' | 'onDeadLetter' | 'dryRun'>,
  item: SourceItem,
  stage: string,
  error: PatchbayError,
  attempts: number,
): Promise<void> {
  if (deps.onDeadLetter) {
    deps.counts.deadLettered += 1;
    await deps.onDeadLetter(item, stage, error, attempts);
    return;
  }
  if (deps.dryRun) {
    // A dry run reports what would be dead-lettered and writes nothing.
    deps.counts.deadLettered += 1;
    return;
  }
  const now = deps.services.now();
  await deps.services.store.deadLetters.add({
    integrationId: deps.prepared.id,
    stage,
    // Masked by the steps (sensitive mapping fields) before anything is stored.
    raw: redactDeep(
      toJsonSafe(deps.prepared.maskRaw ? deps.prepared.maskRaw(item.data) : item.data),
    ) as JsonValue,
    itemKey: item.key,
    error: redactDeep(error.toJSON()),
    attempts,
    firstSeenAt: now,
    lastSeenAt: now,
  });
  deps.counts.deadLettered += 1;
  deps.services.metrics.recordItems(deps.prepared.id, 'dead_lettered', 1);
  deps.services.logger.warn(
    {
      integration: deps.prepared.id,
      stage,
      itemKey: item.key,
      errorKind: error.kind,
      errorCode: error.code,
    },
    'dead-lettered',
  );
}
