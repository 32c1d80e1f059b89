/**
 * The Patchbay logger: pino, with every record scrubbed of secrets before it
 * is written.
 *
 * Scrubbing happens in four layers, because each one alone has a gap:
 * 1. `hooks.logMethod` scrubs the message string and format arguments
 *    (pino never shows those to a formatter);
 * 2. `formatters.log` / `formatters.bindings` run {@link scrub} over the
 *    merging object and child bindings (nested secret keys, {@link Secret}s,
 *    errors, known secret values);
 * 3. pino's `redact` paths censor secret keys at the top level and one level
 *    down, a second line of defence that does not depend on our walker;
 * 4. `hooks.streamWrite` removes any known secret value from the final line,
 *    whatever path it took to get there.
 */
import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { Secret, redactText } from '../core/secrets/index.js';
import { REDACTED, scrub, serializeError } from './scrub.js';

/**
 * The logger type used across Patchbay (pino's own `Logger`).
 *
 * @example
 * ```ts
 * import type { Logger } from 'patchbay/observability';
 * function poll(log: Logger) { log.info({ integration: 'gps-positions' }, 'poll started'); }
 * ```
 */
export type Logger = PinoLogger;

/**
 * Options for {@link createLogger}.
 *
 * @example
 * ```ts
 * const logger = createLogger({
 *   level: 'debug',
 *   destination: process.stderr,
 *   base: { service: 'patchbay-worker', hostname: undefined },
 * } satisfies LoggerOptions);
 * ```
 */
export interface LoggerOptions {
  /** Minimum level written: `trace`, `debug`, `info`, `warn`, `error`, `fatal` or `silent`. Default `process.env.PATCHBAY_LOG_LEVEL ?? 'info'`. */
  level?: string;
  /** Where lines go. Default: standard output (pino's synchronous destination, so a crash loses no line). */
  destination?: NodeJS.WritableStream | DestinationStream;
  /** Fields on every line, merged over the default `{ pid, hostname }` (set a key to `undefined` to drop it). Scrubbed like any record. */
  base?: Record<string, unknown>;
}

/**
 * Keys pino censors by path. The scrubber already catches these (and any
 * other secret-looking key at any depth); the paths are kept as an
 * independent guard on the most common ones.
 */
const REDACT_KEYS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'id_token',
  'authorization',
  'Authorization',
  'proxy-authorization',
  'apiKey',
  'api_key',
  'x-api-key',
  'cookie',
  'set-cookie',
  'clientSecret',
  'client_secret',
  'privateKey',
  'private_key',
  'credentials',
];

const REDACT_PATHS = REDACT_KEYS.flatMap((key) => {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  return [segment, segment.startsWith('[') ? `*${segment}` : `*.${segment}`];
});

/**
 * Makes a pino logger whose output never contains a secret: known secret
 * values are removed from every string, {@link Secret}s print as
 * `[redacted]`, secret-looking keys at any depth (password, token, secret,
 * authorization, apiKey, cookie, set-cookie, client_secret, private_key, ...)
 * are censored, and errors are written as `classify(err).toJSON()` without a
 * stack. Levels are written as labels (`"level":"info"`), times as ISO 8601.
 *
 * Defaults: level `PATCHBAY_LOG_LEVEL` or `info`; destination stdout; base
 * `{ pid, hostname }`.
 *
 * @example
 * ```ts
 * import { createLogger } from 'patchbay/observability';
 * const log = createLogger({ level: 'debug', base: { service: 'patchbay' } });
 * log.info({ integration: 'gps-positions', headers: { authorization: 'Bearer abc' } }, 'poll');
 * // {"level":"info",...,"headers":{"authorization":"[redacted]"},"msg":"poll"}
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['PATCHBAY_LOG_LEVEL'] ?? 'info';
  const base = scrub({ pid: process.pid, hostname: hostname(), ...options.base });
  return pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      // formatters.log has already turned errors into plain objects; this
      // only catches an Error that reached pino some other way.
      serializers: { err: serializeIfError, error: serializeIfError },
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrub(bindings),
        log: (obj) => scrub(obj),
      },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (first instanceof Error) {
            // pino would take the raw `err.message` as the line's message.
            const msg = rest.length > 0 ? scrubArg(rest.shift()) : redactText(first.message);
            return method.apply(this, [{ err: first }, msg, ...rest.map(scrubArg)] as never);
          }
          if (rest.length === 0 && hasError(first)) {
            // Same gap: pino would take `obj.err.message` as the message.
            return method.apply(this, [first, redactText(first.err.message)] as never);
          }
          const head = typeof first === 'object' && first !== null ? first : scrubArg(first);
          return method.apply(this, [head, ...rest.map(scrubArg)] as never);
        },
        streamWrite: (line) => redactText(line),
      },
    },
    options.destination as DestinationStream | undefined,
  );
}

function hasError(value: unknown): value is { err: Error } {
  return (
    typeof value === 'object' && value !== null && (value as { err?: unknown }).err instanceof Error
  );
}

function serializeIfError(value: unknown): unknown {
  return value instanceof Error ? serializeError(value) : value;
}

/** Message strings and `%s`/`%o` arguments, which no pino formatter sees. */
function scrubArg(arg: unknown): unknown {
  if (typeof arg === 'string') return redactText(arg);
  if (arg instanceof Secret) return REDACTED;
  if (typeof arg === 'object' && arg !== null) return scrub(arg);
  return arg;
}

/**
 * A logger that writes nothing, for tests and for code paths that take an
 * optional logger. It is a real {@link Logger} (children, levels, bindings).
 *
 * @example
 * ```ts
 * const log = silentLogger();
 * log.error('never written');
 * ```
 */
export function silentLogger(): Logger {
  return createLogger({ level: 'silent' });
}
