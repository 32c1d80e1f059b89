/**
 * Shared test fixtures for the HTTP connector tests: a temp SQLite store and
 * a runtime around one integration whose sink collects what it receives.
 * @internal
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type {
  ConnectorContext,
  ConnectorUse,
  ExternalCall,
  SinkSession,
  SourceSession,
} from '../../../core/connector.js';
import { defaultSecrets } from '../../../core/secrets/resolver.js';
import {
  defineIntegration,
  type FunctionSink,
  type IntegrationOptions,
} from '../../../core/integration.js';
import { createRuntime, type Runtime } from '../../../runtime/runtime.js';
import type { RuntimeMetrics } from '../../../runtime/services.js';
import { openSqliteStore, type SqliteStore } from '../../../store/sqlite/index.js';

/** Fast retries so tests stay quick; Retry-After still honoured up to 3 s. */
export const FAST_POLICIES = {
  retry: { baseDelay: '5ms', maxDelay: '20ms', maxRetryAfter: '3s', maxAttempts: 4 },
  breaker: false,
} as const;

/** A temp store, closed and removed by `dispose`. */
export async function tempStore(): Promise<{ store: SqliteStore; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-http-'));
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  return {
    store,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sink that keeps every record it is given. */
export function collectingSink(): FunctionSink & { received: unknown[] } {
  const received: unknown[] = [];
  return {
    name: 'collect',
    idempotent: true,
    received,
    async write(records) {
      for (const r of records) received.push(r.data);
    },
  };
}

/** A runtime with one manual integration `it` from `source` to `sink`. */
export async function runtimeFor(
  store: SqliteStore,
  source: ConnectorUse<SourceSession>,
  sink: ConnectorUse<SinkSession> | FunctionSink,
  options: {
    logger?: Logger;
    overrides?: Partial<IntegrationOptions>;
    metrics?: RuntimeMetrics;
  } = {},
): Promise<Runtime> {
  const integration = defineIntegration({
    id: 'it',
    owner: 'integrations',
    pattern: 'rest-poll',
    trigger: { type: 'manual' },
    source,
    sink,
    idempotencyKey: (r: unknown) => JSON.stringify(r),
    policies: FAST_POLICIES,
    ...options.overrides,
  });
  return createRuntime({
    integrations: [integration],
    store,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
}

/** A connector context outside a runtime: one attempt per call, calls kept in `calls`. */
export function bareContext(
  store: SqliteStore,
  logger: Logger,
): ConnectorContext & { calls: ExternalCall[] } {
  const calls: ExternalCall[] = [];
  return {
    integrationId: 'it',
    logger,
    store,
    secrets: defaultSecrets,
    calls,
    recordCall: (call) => void calls.push(call),
    guard: {
      execute: (fn, signal) => fn({ signal: signal ?? new AbortController().signal, attempt: 1 }),
    },
    signal: new AbortController().signal,
  };
}
