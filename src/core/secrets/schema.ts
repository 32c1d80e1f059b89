/**
 * The zod type for a connector config field that holds a secret: it accepts
 * only a reference and flags the field as secret in the generated spec.
 */
import { z } from 'zod';
import { isSecretRef } from './resolver.js';

/**
 * A config field holding a secret reference. A plaintext value is rejected
 * with a message that does not repeat it.
 *
 * @example
 * ```ts
 * const config = z.object({ token: secretRef('API token') });
 * config.parse({ token: 'env:GPS_TOKEN' });
 * ```
 */
export function secretRef(description = 'secret reference') {
  return z
    .string({ error: 'expected a secret reference such as env:NAME or file:/path' })
    .refine(isSecretRef, {
      error: 'expected a secret reference such as env:NAME or file:/path, not a plaintext value',
    })
    .meta({ secret: true, description, examples: ['env:NAME', 'file:/run/secrets/name'] });
}
