/**
 * The secret inventory behind `patchbay secrets`: every secret reference each
 * integration (and each alert sink) uses, by field, and whether it resolves
 * here and now. Values are resolved only to test them and never returned;
 * plaintext credentials found in configs are listed by field, never by value.
 */
import type { z } from 'zod';
import type { ConnectorSpec } from '../core/connector.js';
import { scanConnectorConfig, type SecretFinding } from '../check/secrets.js';
import { defaultSecrets, type SecretResolverChain } from '../core/secrets/resolver.js';
import type { PreparedIntegration } from '../runtime/prepare.js';
import type { AlertSink } from './alert-sinks/types.js';

/**
 * One credential use.
 *
 * @example
 * ```ts
 * const row: SecretUse = { integration: 'positions', field: 'source.config.token', reference: 'env:GPS_TOKEN', scheme: 'env', status: 'reference' };
 * ```
 */
export interface SecretUse {
  integration: string;
  /** Dotted path in the definition, e.g. `source.config.auth.password`. */
  field: string;
  /** The reference (a name, never a value); null for a plaintext finding. */
  reference: string | null;
  /** Where it lives: `env`, `file`, `vault`, ...; null for plaintext. */
  scheme: string | null;
  /** `reference` is good; the others are credentials written into the config. */
  status: SecretFinding['kind'];
  /** Set by {@link checkResolvable}: whether the reference resolves in this process. */
  resolvable?: boolean;
}

function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split(/\.|(?=\[)/)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const index = /^\[(\d+)\]$/.exec(part);
    cur = index ? (cur as unknown[])[Number(index[1])] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * The secret uses of one integration's source and sink. Pure.
 *
 * @example
 * ```ts
 * secretUses(prepared).map((u) => `${u.field} → ${u.reference}`);
 * ```
 */
export function secretUses(p: PreparedIntegration): SecretUse[] {
  const parts: Array<
    ['source' | 'sink', { spec: ConnectorSpec<z.ZodType, unknown>; config: unknown }]
  > = [['source', p.source]];
  if (p.sink.kind === 'connector') parts.push(['sink', p.sink.connector]);
  const uses: SecretUse[] = [];
  for (const [prefix, connector] of parts) {
    for (const f of scanConnectorConfig(prefix, connector.spec, connector.config)) {
      const ref =
        f.kind === 'reference'
          ? String(valueAt(connector.config, f.field.slice(`${prefix}.config.`.length)))
          : null;
      uses.push({
        integration: p.id,
        field: f.field,
        reference: ref,
        scheme: ref ? ref.slice(0, ref.indexOf(':')) : null,
        status: f.kind,
      });
    }
  }
  return uses;
}

/**
 * The secret uses of alert sinks, under the pseudo-integration `(alerts)`.
 *
 * @example
 * ```ts
 * alertSinkSecretUses(sinks); // [{ integration: '(alerts)', field: 'alerts.sinks.tickets', reference: 'env:SN_PASSWORD', ... }]
 * ```
 */
export function alertSinkSecretUses(sinks: readonly AlertSink[]): SecretUse[] {
  return sinks.flatMap((s) =>
    s.secretRefs.map((ref) => ({
      integration: '(alerts)',
      field: `alerts.sinks.${s.name}`,
      reference: ref,
      scheme: ref.slice(0, ref.indexOf(':')),
      status: 'reference' as const,
    })),
  );
}

/**
 * Tests whether each reference resolves (a missing env var, an unreadable
 * file, an unknown scheme → false). The resolved values are dropped at once.
 *
 * @example
 * ```ts
 * const rows = await checkResolvable(prepared.flatMap(secretUses));
 * rows.filter((r) => r.resolvable === false);
 * ```
 */
export async function checkResolvable(
  uses: readonly SecretUse[],
  chain: SecretResolverChain = defaultSecrets,
): Promise<SecretUse[]> {
  return Promise.all(
    uses.map(async (u) => {
      if (!u.reference) return { ...u, resolvable: false };
      try {
        await chain.resolve(u.reference, AbortSignal.timeout(5_000));
        return { ...u, resolvable: true };
      } catch {
        return { ...u, resolvable: false };
      }
    }),
  );
}
