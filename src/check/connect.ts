/**
 * The optional `--connect` item: opens each connector of an integration and
 * runs its side-effect-free `check()`. Separate from the pure items because
 * it touches the network and needs a connector context.
 */
import type { ConnectorContext, ConnectorSpec } from '../core/connector.js';
import { classify } from '../core/classify.js';
import type { PreparedIntegration } from '../runtime/prepare.js';
import { worst, type CheckItem, type CheckStatus } from './types.js';
import type { z } from 'zod';

/**
 * Builds the context a connector gets for its check.
 *
 * @example
 * ```ts
 * const factory: CheckContextFactory = (id, kind, signal) => connectorContext(services, id, kind, signal);
 * ```
 */
export type CheckContextFactory = (
  integrationId: string,
  connectorKind: string,
  signal: AbortSignal,
) => ConnectorContext;

const DEFAULT_TIMEOUT_MS = 10_000;

interface Probe {
  status: CheckStatus;
  text: string;
}

async function probe(
  integrationId: string,
  role: 'source' | 'sink',
  spec: ConnectorSpec<z.ZodType, unknown>,
  config: unknown,
  makeContext: CheckContextFactory,
  timeoutMs: number,
): Promise<Probe> {
  if (!spec.capabilities.connectionTest) {
    return { status: 'warn', text: `${role} ${spec.kind} has no connection test` };
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`no answer within ${timeoutMs} ms`);
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  let session:
    { check?(): Promise<{ ok: boolean; detail?: string }>; close(): Promise<void> } | undefined;
  try {
    const work = (async () => {
      session = (await spec.connect(
        config,
        makeContext(integrationId, spec.kind, controller.signal),
      )) as typeof session;
      return (await session?.check?.()) ?? { ok: true, detail: 'connected' };
    })();
    const result = await Promise.race([work, timeout]);
    const detail = result.detail ? `: ${result.detail}` : '';
    return result.ok
      ? { status: 'pass', text: `${role} ${spec.kind} ok${detail}` }
      : { status: 'fail', text: `${role} ${spec.kind} failed${detail}` };
  } catch (err) {
    const e = classify(err);
    return { status: 'fail', text: `${role} ${spec.kind} failed: ${e.code}: ${e.message}` };
  } finally {
    clearTimeout(timer);
    await session?.close().catch(() => undefined);
  }
}

/**
 * Tests the connections of one integration's source and sink connectors.
 *
 * @example
 * ```ts
 * const item = await checkConnection(prepared, (id, kind, signal) => connectorContext(services, id, kind, signal));
 * item.status; // 'pass' when every connector answered its check
 * ```
 */
export async function checkConnection(
  p: PreparedIntegration,
  makeContext: CheckContextFactory,
  options: { timeoutMs?: number } = {},
): Promise<CheckItem> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const probes = [
    await probe(
      p.id,
      'source',
      p.source.spec as ConnectorSpec<z.ZodType, unknown>,
      p.source.config,
      makeContext,
      timeoutMs,
    ),
  ];
  if (p.sink.kind === 'connector') {
    const { spec, config } = p.sink.connector;
    probes.push(
      await probe(
        p.id,
        'sink',
        spec as ConnectorSpec<z.ZodType, unknown>,
        config,
        makeContext,
        timeoutMs,
      ),
    );
  } else {
    probes.push({ status: 'pass', text: `function sink ${p.sink.sink.name} has nothing to test` });
  }
  const status = worst(probes.map((x) => x.status));
  const reason = probes.map((x) => x.text).join('; ');
  return status === 'pass'
    ? { id: 'connection', title: 'connection test', status, reason }
    : {
        id: 'connection',
        title: 'connection test',
        status,
        reason,
        fix: 'check the connector config, network access and credentials (patchbay check --connect --verbose)',
      };
}
