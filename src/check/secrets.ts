/**
 * Finds credentials written into connector configs instead of referenced:
 * values of fields the connector flags secret that are not references, and
 * (because a connector may forget the flag) strings under secret-looking
 * keys, URLs with a password in them and URLs with secret query parameters.
 * Findings name the field, never the value.
 */
import { describeConnector, type ConnectorSpec } from '../core/connector.js';
import { isSecretRef } from '../core/secrets/resolver.js';
import { isSecretKey } from '../observability/scrub.js';
import type { z } from 'zod';

/**
 * One field of a connector config, as the checklist judges it.
 *
 * @example
 * ```ts
 * const problems = findings.filter((f: SecretFinding) => f.kind !== 'reference');
 * ```
 */
export interface SecretFinding {
  /** Dotted path, e.g. `source.config.auth.password`. */
  field: string;
  /** `reference`: a secret held by reference (good); the others are problems. */
  kind: 'reference' | 'plaintext-secret-field' | 'plaintext-secret-key' | 'url-credentials';
  /**
   * The reference itself (`env:GPS_TOKEN`) when `kind` is `reference`: a
   * name, safe to show. Never set for the other kinds, whose value may be
   * the credential.
   */
  reference?: string;
  /** The field's description from the connector's config schema, when it has one. */
  description?: string;
}

/**
 * Scans one connector's parsed config.
 *
 * @example
 * ```ts
 * const findings = scanConnectorConfig('source', prepared.source.spec, prepared.source.config);
 * findings.filter((f) => f.kind !== 'reference'); // the problems
 * ```
 */
export function scanConnectorConfig(
  prefix: 'source' | 'sink',
  spec: ConnectorSpec<z.ZodType, unknown>,
  config: unknown,
): SecretFinding[] {
  let flagged: Set<string>;
  const descriptions = new Map<string, string>();
  try {
    const described = describeConnector(spec);
    flagged = new Set(described.secretFields);
    collectDescriptions(described.configSchema, '', descriptions);
  } catch {
    // A schema that cannot be described still gets the key and URL heuristics.
    flagged = new Set();
  }
  const findings: SecretFinding[] = [];
  walk(config, '', (path, key, value) => {
    const field = `${prefix}.config.${path}`;
    const shape = path.replace(/\[\d+\]/g, '[]');
    const description = descriptions.get(shape);
    const found = (kind: Exclude<SecretFinding['kind'], 'reference'>): SecretFinding => {
      const f: SecretFinding = isSecretRef(value)
        ? { field, kind: 'reference', reference: value }
        : { field, kind };
      if (description !== undefined) f.description = description;
      return f;
    };
    if (flagged.has(shape)) {
      findings.push(found('plaintext-secret-field'));
    } else if (key !== undefined && isSecretKey(key)) {
      findings.push(found('plaintext-secret-key'));
    } else if (urlHasCredentials(value)) {
      findings.push({ field, kind: 'url-credentials' });
    }
  });
  return findings;
}

/** Field descriptions by dotted path (`list[].token`), for "what it is for" in the inventory. */
function collectDescriptions(
  schema: Record<string, unknown>,
  path: string,
  out: Map<string, string>,
  depth = 0,
): void {
  if (depth > 12) return;
  const description = schema['description'];
  if (path && typeof description === 'string' && !out.has(path)) out.set(path, description);
  const props = schema['properties'];
  if (props && typeof props === 'object') {
    for (const [key, sub] of Object.entries(props as Record<string, Record<string, unknown>>)) {
      collectDescriptions(sub, path ? `${path}.${key}` : key, out, depth + 1);
    }
  }
  const items = schema['items'];
  if (items && typeof items === 'object' && !Array.isArray(items)) {
    collectDescriptions(items as Record<string, unknown>, `${path}[]`, out, depth + 1);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      for (const b of branches as Record<string, unknown>[]) {
        collectDescriptions(b, path, out, depth + 1);
      }
    }
  }
}

function walk(
  value: unknown,
  path: string,
  visit: (path: string, key: string | undefined, value: string) => void,
  key?: string,
  depth = 0,
): void {
  if (depth > 12) return;
  if (typeof value === 'string') {
    if (value.length > 0 && path) visit(path, key, value);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}[${i}]`, visit, key, depth + 1));
    return;
  }
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      walk(v, path ? `${path}.${k}` : k, visit, k, depth + 1);
    }
  }
}

/**
 * True for `scheme://user:password@host...` and for URLs with a
 * secret-looking query parameter (`?api_key=...`).
 *
 * @example
 * ```ts
 * urlHasCredentials('postgres://app:hunter2@db/app'); // true
 * urlHasCredentials('https://api.example.com/v1');    // false
 * ```
 */
export function urlHasCredentials(value: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return /^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]+@/i.test(value);
  }
  if (url.password) return true;
  for (const [name, v] of url.searchParams) if (v && isSecretKey(name)) return true;
  return false;
}
