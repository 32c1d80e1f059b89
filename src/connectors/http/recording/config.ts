/**
 * Recording and replay chosen in an integration's config (`recording:` on
 * `http-poll`, `http-call` and `graphql-poll`) rather than in code, so a
 * field engineer can capture a customer's API to a fixture file, or run an
 * integration against such a file, without writing a line.
 *
 * `record` keeps the live client (policies, SSRF guard, TLS and auth
 * unchanged) and appends every exchange, redacted, to the file as it
 * happens. `replay` never builds a network client: no socket, no TLS
 * material and no credential is resolved; the answers come from the file.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { ConnectorContext } from '../../../core/connector.js';
import { PatchbayError } from '../../../core/errors.js';
import type { AuthConfig, HttpAuth } from '../auth/index.js';
import type { HttpClient } from '../client.js';
import { loadFixture, saveFixture, type Fixture } from './fixture.js';
import { recordingClient } from './recorder.js';
import { REDACTED, type RedactionRules } from './redact.js';
import { replayFile, type ReplayClient } from './replay.js';

const names = (description: string, example: string) =>
  z
    .array(z.string().min(1))
    .optional()
    .meta({ description, examples: [[example]] });

/**
 * The `recording` setting the HTTP connectors share: declared once, spread
 * into each config through `commonHttpFields`.
 *
 * @example
 * ```ts
 * recordingSchema.parse({ mode: 'record', file: 'fixtures/gps-api.json', redact: { sensitiveKeys: ['vin'] } });
 * ```
 */
export const recordingSchema = z
  .object({
    mode: z.enum(['record', 'replay']).meta({
      description:
        '`record`: call the API and append every exchange, redacted, to `file`; `replay`: answer from `file`, no network',
    }),
    file: z
      .string()
      .min(1)
      .meta({
        description:
          'Fixture file; a relative path resolves against the working directory of the process',
        examples: ['fixtures/gps-api.json'],
      }),
    redact: z
      .object({
        headers: names('Extra headers to redact (credential headers always are)', 'x-tenant-key'),
        query: names('Extra query parameters to redact (key-like ones always are)', 'session'),
        sensitiveKeys: names(
          'Extra JSON keys redacted at any depth (password, secret, token-like ones always are)',
          'vin',
        ),
        bodyPaths: names('JSON field paths to redact in bodies', 'customer.taxId'),
      })
      .strict()
      .optional()
      .meta({ description: 'What to redact besides the defaults; stored in the fixture' }),
  })
  .strict()
  .meta({
    description:
      'Record the API to a fixture file, or replay one instead of calling the network (not for production: see `patchbay check`)',
    advanced: true,
  });

/**
 * The parsed `recording` setting.
 *
 * @example
 * ```ts
 * const recording: RecordingConfig = { mode: 'replay', file: 'fixtures/gps-api.json' };
 * ```
 */
export type RecordingConfig = z.output<typeof recordingSchema>;

/**
 * The absolute fixture path. The connector context carries no project
 * directory, so relative paths resolve against `process.cwd()` (as file-drop
 * folders do), once, when the connection opens.
 *
 * @example
 * ```ts
 * fixturePath({ mode: 'replay', file: 'fixtures/gps-api.json' }); // '<cwd>/fixtures/gps-api.json'
 * ```
 */
export function fixturePath(recording: RecordingConfig): string {
  return resolve(process.cwd(), recording.file);
}

/**
 * The redaction a recording uses: the configured rules plus where the auth
 * scheme puts its credential (a custom API-key header or query parameter,
 * an HMAC signature header), so no scheme's secret depends on its name
 * being one of the defaults.
 *
 * @example
 * ```ts
 * recordingRules(undefined, { type: 'api-key', in: 'query', name: 'k', value: 'env:KEY' }); // { query: ['k'] }
 * ```
 */
export function recordingRules(
  redact: RecordingConfig['redact'],
  auth: AuthConfig | undefined,
): RedactionRules {
  const headers = [...(redact?.headers ?? [])];
  const query = [...(redact?.query ?? [])];
  if (auth?.type === 'api-key') (auth.in === 'query' ? query : headers).push(auth.name);
  if (auth?.type === 'hmac') headers.push(auth.header);
  const rules: RedactionRules = {
    ...(headers.length > 0 ? { headers } : {}),
    ...(query.length > 0 ? { query } : {}),
    ...(redact?.sensitiveKeys ? { sensitiveKeys: redact.sensitiveKeys } : {}),
    ...(redact?.bodyPaths ? { bodyPaths: redact.bodyPaths } : {}),
  };
  return rules;
}

/**
 * Wraps a live client so every exchange is appended to the fixture file as
 * soon as it completes. An existing file is continued, not replaced: each
 * write reads the file and adds only this session's new exchanges, one
 * write at a time per file in this process, so a source and a sink (or two
 * sessions) recording to the same file do not drop each other's exchanges.
 * The file is rewritten through a temporary file and a rename, so a crash
 * leaves the previous version rather than half a file. A failed write is
 * logged and retried with the next exchange; it never fails the call, which
 * already had its effect on the remote system.
 *
 * @throws (from `send`) a `config` error when the file exists but is not a
 *   fixture, or was recorded with other redaction rules
 * @example
 * ```ts
 * const client = fixtureRecorder(createHttpClient(), {
 *   path: fixturePath(cfg.recording), name: ctx.integrationId, rules: recordingRules(cfg.recording.redact, cfg.auth),
 *   logger: ctx.logger,
 * });
 * ```
 */
export function fixtureRecorder(
  inner: HttpClient,
  options: {
    path: string;
    name: string;
    rules: RedactionRules;
    logger: ConnectorContext['logger'];
  },
): HttpClient {
  const { path, rules, logger } = options;
  const recorder = recordingClient(inner, { name: options.name, redact: rules });
  let checked: Promise<unknown> | undefined;
  let written = 0;
  const persist = () =>
    inOrder(path, async () => {
      // Several exchanges may have finished while the last write ran: one write covers them.
      const count = recorder.exchanges.length;
      if (count === written) return;
      try {
        const before = await continueFrom(path, rules);
        const fixture: Fixture = {
          ...(before ?? recorder.fixture()),
          redaction: rules,
          exchanges: [...(before?.exchanges ?? []), ...recorder.exchanges.slice(written, count)],
        };
        const tmp = `${path}.${process.pid}.tmp`;
        await saveFixture(tmp, fixture);
        await rename(tmp, path);
        written = count;
      } catch (err) {
        logger.error(
          { file: path, err: (err as Error).message, code: 'HTTP_FIXTURE_WRITE' },
          'cannot write the HTTP fixture; retrying with the next exchange',
        );
      }
    });
  return {
    async send(req, signal, timeoutMs) {
      // Refuse before the first call, so nothing reaches the remote system that cannot be kept.
      await (checked ??= continueFrom(path, rules));
      try {
        return await recorder.send(req, signal, timeoutMs);
      } finally {
        void persist();
      }
    },
    async close() {
      try {
        await persist();
      } finally {
        await inner.close();
      }
    },
  };
}

/** The write queue of each fixture file in this process. */
const queues = new Map<string, Promise<void>>();

function inOrder(path: string, task: () => Promise<void>): Promise<void> {
  const run = (queues.get(path) ?? Promise.resolve()).then(task);
  queues.set(path, run);
  void run.then(() => {
    if (queues.get(path) === run) queues.delete(path);
  });
  return run;
}

async function continueFrom(path: string, rules: RedactionRules): Promise<Fixture | undefined> {
  if (!existsSync(path)) return undefined;
  const fixture = await loadFixture(path);
  if (canonical(fixture.redaction) !== canonical(rules)) {
    // Earlier exchanges may hold exactly what the new rules would hide, and replay
    // could not match them under the new rules either.
    throw new PatchbayError(
      'config',
      `HTTP fixture ${path} was recorded with other redaction rules (${canonical(fixture.redaction)}, now ${canonical(rules)}): delete it or record to a new file`,
      { code: 'HTTP_FIXTURE_RULES_CHANGED', retryable: false, details: { file: path } },
    );
  }
  return fixture;
}

function canonical(rules: RedactionRules): string {
  const keys = ['headers', 'query', 'sensitiveKeys', 'bodyPaths'] as const;
  const lower = (k: (typeof keys)[number], v: string) =>
    k === 'headers' || k === 'query' ? v.toLowerCase() : v;
  return JSON.stringify(
    Object.fromEntries(
      keys
        .filter((k) => (rules[k]?.length ?? 0) > 0)
        .map((k) => [k, [...new Set(rules[k]?.map((v) => lower(k, v)))].sort()]),
    ),
  );
}

/**
 * A client that answers from the fixture file, read on the first call (so a
 * missing file fails the run with `HTTP_FIXTURE_UNREADABLE` rather than the
 * connect) and served with {@link replayFile}'s matching: a request with no
 * recorded answer fails with a non-retryable `config` error,
 * `HTTP_FIXTURE_UNMATCHED`, naming the request and the file.
 *
 * @example
 * ```ts
 * const client = fixtureReplayer(fixturePath({ mode: 'replay', file: 'fixtures/gps-api.json' }));
 * ```
 */
export function fixtureReplayer(path: string): HttpClient {
  let loaded: Promise<ReplayClient> | undefined;
  return {
    async send(req, signal, timeoutMs) {
      loaded ??= replayFile(path).catch((err: unknown) => {
        // A file created after a failed read is picked up by the next call.
        loaded = undefined;
        throw err;
      });
      return (await loaded).send(req, signal, timeoutMs);
    },
    close: async () => undefined,
  };
}

/**
 * The auth of a replayed connection: nothing is resolved or signed, but the
 * request keeps the shape the recording saw (an API key in the query is
 * there, as `[redacted]`, because the recorded URL has it), and a recorded
 * 401-then-refresh is replayed the way the live scheme would take it.
 *
 * @example
 * ```ts
 * const auth = replayAuth(cfg.auth, createAuth(cfg.auth, { secrets: ctx.secrets, client }));
 * ```
 */
export function replayAuth(config: AuthConfig | undefined, live: HttpAuth): HttpAuth {
  return {
    identity: `${live.identity} (replayed)`,
    async apply(req) {
      if (config?.type === 'api-key' && config.in === 'query') {
        req.url.searchParams.set(config.name, REDACTED);
      }
    },
    ...(live.invalidate ? { invalidate: () => true } : {}),
  };
}
