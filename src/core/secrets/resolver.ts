/**
 * Secret references (`env:NAME`, `file:/path`, and any scheme a resolver is
 * registered for, e.g. `vault:path#key`) are resolved at call time, never at
 * load time, so rotation needs no restart.
 */
import { readFile } from 'node:fs/promises';
import { PatchbayError, configError } from '../errors.js';
import { Secret } from './secret.js';

/**
 * A string that names where a secret lives, e.g. `env:GPS_TOKEN`.
 *
 * @example
 * ```ts
 * const token: SecretRef = 'env:GPS_TOKEN';
 * const password: SecretRef = 'file:/run/secrets/db-password';
 * const secret = await ctx.secrets.resolve(token);
 * ```
 */
export type SecretRef = `${string}:${string}`;

/**
 * Resolves references of one scheme.
 *
 * @example
 * ```ts
 * const vaultResolver: SecretResolver = {
 *   scheme: 'vault',
 *   async resolve(path, signal) {
 *     const [secretPath, key] = path.split('#');
 *     const res = await fetch(`${process.env.VAULT_ADDR}/v1/${secretPath}`, { signal, headers: { 'x-vault-token': vaultToken } });
 *     return (await res.json()).data.data[key!];
 *   },
 * };
 * new SecretResolverChain().register(vaultResolver);
 * ```
 */
export interface SecretResolver {
  /** The scheme before the colon, e.g. `vault`. */
  readonly scheme: string;
  /** Returns the plain value for the part after `scheme:`. */
  resolve(path: string, signal?: AbortSignal): Promise<string>;
}

const REF = /^([a-z][a-z0-9+.-]*):(.+)$/;

/**
 * Resolves `env:NAME` from the process environment.
 *
 * @example
 * ```ts
 * await envResolver.resolve('GPS_TOKEN'); // the value of process.env.GPS_TOKEN
 * ```
 */
export const envResolver: SecretResolver = {
  scheme: 'env',
  async resolve(name) {
    const value = process.env[name];
    if (value === undefined || value === '') {
      throw new PatchbayError('config', `secret env:${name} is not set in the environment`, {
        code: 'SECRET_MISSING',
        details: { reference: `env:${name}` },
      });
    }
    return value;
  },
};

/**
 * Resolves `file:/path` by reading the file (trailing newline trimmed), as mounted secrets are.
 *
 * @example
 * ```ts
 * await fileResolver.resolve('/run/secrets/db-password');
 * ```
 */
export const fileResolver: SecretResolver = {
  scheme: 'file',
  async resolve(path, signal) {
    try {
      const text = await readFile(path, { encoding: 'utf8', signal });
      return text.replace(/\r?\n$/, '');
    } catch (cause) {
      throw new PatchbayError('config', `secret file:${path} cannot be read`, {
        code: 'SECRET_MISSING',
        cause,
        details: { reference: `file:${path}` },
      });
    }
  },
};

/**
 * An ordered set of resolvers, one per scheme.
 *
 * @example
 * ```ts
 * const secrets = new SecretResolverChain().register(myVaultResolver);
 * const token = await secrets.resolve('vault:kv/gps#token');
 * ```
 */
export class SecretResolverChain {
  readonly #resolvers = new Map<string, SecretResolver>([
    ['env', envResolver],
    ['file', fileResolver],
  ]);

  /** Adds or replaces the resolver for its scheme. */
  register(resolver: SecretResolver): this {
    this.#resolvers.set(resolver.scheme, resolver);
    return this;
  }

  /** The schemes this chain can resolve. */
  schemes(): string[] {
    return [...this.#resolvers.keys()];
  }

  /** Resolves a reference into a {@link Secret}. */
  async resolve(reference: string, signal?: AbortSignal): Promise<Secret> {
    const match = REF.exec(reference);
    if (!match) throw notAReference('secret', this.schemes());
    const [, scheme, path] = match as unknown as [string, string, string];
    const resolver = this.#resolvers.get(scheme);
    if (!resolver) {
      // Not echoed either: a value such as `postgres://app:pw@db` parses as a reference.
      throw configError(
        'secret',
        'reference',
        `a reference with a known scheme (${this.schemes().join(', ')})`,
      );
    }
    return new Secret(reference, await resolver.resolve(path, signal));
  }
}

function notAReference(field: string, schemes: string[]): PatchbayError {
  // The value is deliberately not echoed: it may be the plaintext secret.
  return configError(
    'secret',
    field,
    `a secret reference such as env:NAME or file:/path (schemes: ${schemes.join(', ')}), not a plaintext value`,
    { code: 'PLAINTEXT_SECRET' },
  );
}

/**
 * True when `value` looks like a secret reference (`scheme:rest`).
 *
 * @example
 * ```ts
 * isSecretRef('env:GPS_TOKEN'); // true
 * isSecretRef('hunter2');       // false
 * ```
 */
export function isSecretRef(value: unknown): value is SecretRef {
  // `scheme://...` is a URL (often with credentials in it), not a reference; only file:// is allowed.
  return (
    typeof value === 'string' &&
    REF.test(value) &&
    (!/^[a-z][a-z0-9+.-]*:\/\//.test(value) || value.startsWith('file://'))
  );
}

/**
 * The process-wide default chain: `env:` and `file:`.
 *
 * @example
 * ```ts
 * defaultSecrets.register(myVaultResolver);
 * ```
 */
export const defaultSecrets = new SecretResolverChain();

/**
 * Resolves a reference with the default chain.
 *
 * @example
 * ```ts
 * const password = await resolveSecret('file:/run/secrets/hr-db-password');
 * ```
 */
export function resolveSecret(reference: string, signal?: AbortSignal): Promise<Secret> {
  return defaultSecrets.resolve(reference, signal);
}
