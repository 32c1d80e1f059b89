/**
 * The audit row of a machine-to-machine call. Built from facts that are
 * safe to keep forever: the identity's name, the target without its query,
 * the action, outcome, latency, attempt and idempotency key. Credentials
 * never reach it, because nothing that holds them is passed in.
 */
import type { ConnectorContext } from '../../core/connector.js';
import type { AuditEntry } from '../../store/types.js';

/** One call as the audit log records it. */
export type HttpAuditFacts = Omit<AuditEntry, 'at' | 'integrationId'>;

/**
 * Appends one audit row. A failing audit store does not fail the call it
 * describes (the call already happened); it is logged instead.
 *
 * @example
 * ```ts
 * await auditCall(ctx, { identity: 'oauth2:gps', target: 'https://api.example.com/v1/loads',
 *   action: 'GET', outcome: 'success', latencyMs: 42, attempt: 1 });
 * ```
 */
export async function auditCall(ctx: ConnectorContext, facts: HttpAuditFacts): Promise<void> {
  try {
    await ctx.store.audit.append({ at: Date.now(), integrationId: ctx.integrationId, ...facts });
  } catch (err) {
    ctx.logger.warn(
      { err, integration: ctx.integrationId, target: facts.target },
      'audit append failed',
    );
  }
}
