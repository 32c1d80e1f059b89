/**
 * The one place the CLI builds a runtime, so every command runs
 * integrations the same way (same logger, metrics hooks and policies).
 */
import type { Logger } from 'pino';
import type { CallGuard } from '../core/connector.js';
import { createRuntime, type Runtime } from '../runtime/runtime.js';
import type { PreparedIntegration } from '../runtime/prepare.js';
import type { RuntimeMetrics } from '../runtime/services.js';
import type { Store } from '../store/types.js';

/**
 * What {@link cliRuntime} needs.
 *
 * @example
 * ```ts
 * const options: CliRuntimeOptions = { integrations: loaded.prepared, store, logger };
 * ```
 */
export interface CliRuntimeOptions {
  integrations: readonly PreparedIntegration[];
  store: Store;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /**
   * The policy pipeline per integration. Unset, the runtime makes one
   * attempt per call; the policies package plugs in here.
   */
  guardFor?: (integration: PreparedIntegration) => CallGuard;
}

/**
 * Builds a runtime for the given (already validated) integrations.
 *
 * @example
 * ```ts
 * const runtime = await cliRuntime({ integrations: [orders], store, logger });
 * const result = await runtime.run('orders', { trigger: 'cli' });
 * ```
 */
export function cliRuntime(options: CliRuntimeOptions): Promise<Runtime> {
  return createRuntime({
    integrations: options.integrations.map((p) => p.definition),
    store: options.store,
    logger: options.logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.guardFor ? { guardFor: options.guardFor } : {}),
  });
}
