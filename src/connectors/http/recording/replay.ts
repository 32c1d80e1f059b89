/**
 * The replaying client: an {@link HttpClient} that answers from a fixture
 * and never opens a socket. A request matches a recorded one on method,
 * redacted URL and redacted-body fingerprint; headers are not compared,
 * because auth headers, signatures and idempotency timestamps differ on
 * every run while meaning the same call.
 */
import { PatchbayError } from '../../../core/errors.js';
import type { HttpClient, HttpResponse } from '../client.js';
import {
  decodeBody,
  loadFixture,
  requestKey,
  type Fixture,
  type FixtureExchange,
} from './fixture.js';
import { compileRules } from './redact.js';

/**
 * Options of {@link replayClient}.
 *
 * @example
 * ```ts
 * replayClient(fixture, { onExhausted: 'error' } satisfies ReplayOptions);
 * ```
 */
export interface ReplayOptions {
  /**
   * When every recording of a request was served once, serve the last one
   * again (`repeat-last`, the default: a poll that asks twice sees the same
   * page) or fail (`error`: a test that must see each call exactly once).
   */
  onExhausted?: 'repeat-last' | 'error';
  /** The file the fixture came from, named in errors; {@link replayFile} sets it. */
  file?: string | undefined;
}

/**
 * A client serving a fixture; use it wherever an {@link HttpClient} goes.
 *
 * @example
 * ```ts
 * const client: ReplayClient = replayClient(fixture);
 * await runScenario(client);
 * expect(client.unused()).toEqual([]); // every recorded call was made
 * ```
 */
export interface ReplayClient extends HttpClient {
  /** Recorded exchanges no request has asked for yet. */
  unused(): FixtureExchange[];
}

/**
 * Serves `fixture` in recorded order per distinct request.
 *
 * @throws a non-retryable `config` error with code `HTTP_FIXTURE_UNMATCHED`
 *   that names the method, URL and body asked for, and what was recorded
 *
 * @example
 * ```ts
 * const client = replayClient(await loadFixture('test/fixtures/crm-create-incident.json'));
 * const res = await client.send({ method: 'POST', url: new URL('https://crm.example.com/api/incidents'),
 *   headers: {}, body: JSON.stringify(alert) });
 * res.status; // as recorded
 * ```
 */
export function replayClient(fixture: Fixture, options: ReplayOptions = {}): ReplayClient {
  const rules = compileRules(fixture.redaction);
  const served = new Set<FixtureExchange>();
  return {
    unused: () => fixture.exchanges.filter((e) => !served.has(e)),
    async send(req, signal) {
      signal?.throwIfAborted();
      const key = requestKey(req, rules);
      const candidates = fixture.exchanges.filter(
        (e) =>
          e.request.method === key.method &&
          e.request.url === key.url &&
          e.request.fingerprint === key.fingerprint,
      );
      let chosen = candidates.find((e) => !served.has(e));
      if (chosen === undefined && options.onExhausted !== 'error') chosen = candidates.at(-1);
      if (chosen === undefined) throw unmatched(fixture, key, candidates.length, options.file);
      served.add(chosen);
      return answer(chosen, req.url);
    },
    close: async () => undefined,
  };
}

/**
 * Reads a fixture file and serves it; see {@link replayClient}.
 *
 * @example
 * ```ts
 * const client = await replayFile('incidents/2026-11-23-crm-outage.json');
 * ```
 */
export async function replayFile(path: string, options: ReplayOptions = {}): Promise<ReplayClient> {
  return replayClient(await loadFixture(path), { file: path, ...options });
}

function answer(exchange: FixtureExchange, url: URL): HttpResponse {
  if (exchange.error !== undefined) {
    const { kind, code, message } = exchange.error;
    throw new PatchbayError(kind, `${message} (replayed)`, { code });
  }
  const res = exchange.response;
  if (res === undefined) {
    throw new PatchbayError('config', 'HTTP fixture exchange has neither response nor error', {
      code: 'HTTP_FIXTURE_INVALID',
      retryable: false,
    });
  }
  return { status: res.status, headers: { ...res.headers }, body: decodeBody(res.body), url };
}

function unmatched(
  fixture: Fixture,
  key: ReturnType<typeof requestKey>,
  exhausted: number,
  file: string | undefined,
): PatchbayError {
  const asked = `${key.method} ${key.url} body ${key.fingerprint}`;
  const preview = key.body === undefined ? '' : ` ${JSON.stringify(key.body).slice(0, 200)}`;
  // Listing what was recorded turns "no match" into a diff the reader can act on.
  const recorded = fixture.exchanges
    .slice(0, 10)
    .map((e) => `  ${e.request.method} ${e.request.url} body ${e.request.fingerprint}`)
    .join('\n');
  const why =
    exhausted > 0
      ? `all ${exhausted} recording(s) of it were already served`
      : 'no recorded request has this method, URL and body';
  return new PatchbayError(
    'config',
    `HTTP fixture${fixture.name === undefined ? '' : ` "${fixture.name}"`}${file === undefined ? '' : ` (${file})`} has no answer for ${asked}${preview}: ${why}. Recorded:\n${recorded || '  (nothing)'}`,
    {
      code: 'HTTP_FIXTURE_UNMATCHED',
      retryable: false,
      details: {
        method: key.method,
        url: key.url,
        fingerprint: key.fingerprint,
        ...(file === undefined ? {} : { file }),
      },
    },
  );
}
