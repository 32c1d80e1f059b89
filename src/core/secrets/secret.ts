/**
 * A resolved secret value that cannot leak by accident: it prints, serialises
 * and inspects as its reference, never its value. The value comes out only
 * through {@link Secret.reveal}, and every revealed value is remembered by
 * the redaction registry so the logger can scrub it from free text too.
 */
import { inspect } from 'node:util';
import { rememberSecretValue } from './redaction.js';

const REDACTED = '[redacted]';

/**
 * A secret value held behind its reference.
 *
 * @example
 * ```ts
 * const token = await resolveSecret('env:GPS_TOKEN');
 * String(token);            // '[redacted env:GPS_TOKEN]'
 * JSON.stringify({ token }); // '{"token":"[redacted]"}'
 * headers.authorization = `Bearer ${token.reveal()}`;
 * ```
 */
export class Secret {
  readonly #value: string;
  /** The reference it came from, safe to show (e.g. `env:GPS_TOKEN`). */
  readonly reference: string;

  constructor(reference: string, value: string) {
    this.reference = reference;
    this.#value = value;
    rememberSecretValue(value);
  }

  /** The plain value. Use it at the last moment, at the call site that needs it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return `[redacted ${this.reference}]`;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${this.reference})`;
  }
}
