/**
 * The recorder: an {@link HttpClient} that forwards to a real one and keeps
 * every request/response pair, redacted at capture time (so a secret never
 * sits unredacted in memory longer than the call itself), for a fixture file.
 *
 * It wraps the client rather than the call, so it sees the request exactly
 * as it leaves: with the auth headers and signatures that guardedCall and
 * the auth schemes added, and the token requests those schemes make.
 */
import { classify } from '../../../core/classify.js';
import type { HttpClient } from '../client.js';
import {
  FIXTURE_VERSION,
  encodeBody,
  requestKey,
  saveFixture,
  type Fixture,
  type FixtureExchange,
} from './fixture.js';
import { compileRules, redactHeaders, type RedactionRules } from './redact.js';

/**
 * Options of {@link recordingClient}.
 *
 * @example
 * ```ts
 * const options: RecorderOptions = { name: 'crm/outage', redact: { bodyPaths: ['customer.taxId'] } };
 * ```
 */
export interface RecorderOptions {
  /** Names the fixture, e.g. `crm/create-incident`. */
  name?: string | undefined;
  /** What to redact besides the defaults (credential headers, key-like params, password-like fields). */
  redact?: RedactionRules | undefined;
}

/**
 * A client that records; use it wherever an {@link HttpClient} goes.
 *
 * @example
 * ```ts
 * const client: RecordingClient = recordingClient(createHttpClient());
 * await client.send(req);
 * await client.save('fixtures/session.json');
 * ```
 */
export interface RecordingClient extends HttpClient {
  /** The exchanges so far, redacted. */
  readonly exchanges: readonly FixtureExchange[];
  /** The fixture recorded so far. */
  fixture(): Fixture;
  /** Writes the fixture to `path` (see {@link saveFixture}). */
  save(path: string): Promise<void>;
}

/**
 * Wraps `inner` so every exchange it carries is recorded, redacted.
 *
 * @example
 * ```ts
 * const client = recordingClient(createHttpClient(), {
 *   name: 'crm/create-incident',
 *   redact: { bodyPaths: ['reporter.phone'], query: ['session'] },
 * });
 * await guardedCall(ctx, build, { client, auth });
 * await client.save('test/fixtures/crm-create-incident.json');
 * ```
 */
export function recordingClient(inner: HttpClient, options: RecorderOptions = {}): RecordingClient {
  const redaction = options.redact ?? {};
  const rules = compileRules(redaction);
  const exchanges: FixtureExchange[] = [];
  const recordedAt = new Date().toISOString();
  const fixture = (): Fixture => ({
    version: FIXTURE_VERSION,
    ...(options.name === undefined ? {} : { name: options.name }),
    recordedAt,
    redaction,
    exchanges: [...exchanges],
  });
  return {
    exchanges,
    fixture,
    save: (path) => saveFixture(path, fixture()),
    async send(req, signal, timeoutMs) {
      // Captured before sending: an auth scheme may mutate `req` on a retry.
      const key = requestKey(req, rules);
      const request: FixtureExchange['request'] = {
        method: key.method,
        url: key.url,
        headers: redactHeaders(req.headers, rules),
        ...(key.body === undefined ? {} : { body: key.body }),
        fingerprint: key.fingerprint,
      };
      try {
        const res = await inner.send(req, signal, timeoutMs);
        const body = encodeBody(res.body, rules);
        exchanges.push({
          request,
          response: {
            status: res.status,
            headers: redactHeaders(res.headers, rules),
            ...(body === undefined ? {} : { body }),
          },
        });
        return res;
      } catch (err) {
        // The failure is part of the story an incident replay has to tell.
        const error = classify(err);
        const { message } = error.toJSON();
        exchanges.push({ request, error: { kind: error.kind, code: error.code, message } });
        throw err;
      }
    },
    close: () => inner.close(),
  };
}
