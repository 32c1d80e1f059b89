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
  try {
    flagged = new Set(describeConnector(spec).secretFields);
  } catch {
    // A schema that cannot be described still gets the key and URL heuristics.
    flagged = new Set();
  }
  const findings: SecretFinding[] = [];
  walk(config, '', (path, key, value) => {
    const field = `${prefix}.config.${path}`;
    if (flagged.has(path.replace(/\[\d+\]/g, '[]'))) {
      findings.push({ field, kind: isSecretRef(value) ? 'reference' : 'plaintext-secret-field' });
    } else if (key !== undefined && isSecretKey(key)) {
      findings.push({ field, kind: isSecretRef(value) ? 'reference' : 'plaintext-secret-key' });
    } else if (urlHasCredentials(value)) {
      findings.push({ field, kind: 'url-credentials' });
    }
  });
  return findings;
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
