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
 * const row: SecretUse = { integration: 'positions', field: 'source.config.token', reference: 'env:GPS_TOKEN', scheme: 'env', status: 'reference', purpose: 'API token' };
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
  /** What the field is for, from the connector's config schema; null when it has no description. */
  purpose: string | null;
  /** Set by {@link checkResolvable}: whether the reference resolves in this process. */
  resolvable?: boolean;
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
      const ref = f.reference ?? null;
      uses.push({
        integration: p.id,
        field: f.field,
        reference: ref,
        scheme: ref ? ref.slice(0, ref.indexOf(':')) : null,
        status: f.kind,
        purpose: f.description ?? null,
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
      purpose: `alert delivery to ${s.name}`,
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
