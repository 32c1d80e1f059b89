/**
 * The fixture file: recorded HTTP exchanges, already redacted, as readable
 * JSON (bodies that are JSON stay JSON, so a fixture diffs well in review).
 * The redaction rules travel with the file, so a replay scrubs the live
 * request exactly as the recording did before comparing the two.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PatchbayError, type ErrorKind } from '../../../core/errors.js';
import { redactText } from '../../../core/secrets/redaction.js';
import { fingerprint } from '../../../idempotency/key.js';
import type { HttpRequest } from '../client.js';
import {
  redactForm,
  redactJson,
  redactUrl,
  type CompiledRules,
  type RedactionRules,
} from './redact.js';

/**
 * The fixture format version; a reader refuses any other.
 *
 * @example
 * ```ts
 * JSON.parse(text).version === FIXTURE_VERSION;
 * ```
 */
export const FIXTURE_VERSION = 1;

/**
 * A body as stored: parsed JSON, UTF-8 text, or base64 for anything binary.
 *
 * @example
 * ```ts
 * const body: FixtureBody = { json: { incidentId: 'INC-1' } };
 * ```
 */
export type FixtureBody = { json: unknown } | { text: string } | { base64: string };

/**
 * One recorded request and what came back: a response, or a classified failure.
 *
 * @example
 * ```ts
 * const [first] = (await loadFixture(path)).exchanges;
 * first.request.headers.authorization; // '[redacted]'
 * ```
 */
export interface FixtureExchange {
  request: {
    method: string;
    /** The redacted URL; what replay compares. */
    url: string;
    headers: Record<string, string>;
    body?: FixtureBody | undefined;
    /** {@link bodyFingerprint} of the redacted body; what replay compares. */
    fingerprint: string;
  };
  response?:
    { status: number; headers: Record<string, string>; body?: FixtureBody | undefined } | undefined;
  /** A network failure (timeout, reset) instead of a response, for incident replay. */
  error?: { kind: ErrorKind; code: string; message: string } | undefined;
}

/**
 * A whole fixture file.
 *
 * @example
 * ```ts
 * const fixture: Fixture = await loadFixture('test/fixtures/crm.json');
 * fixture.exchanges.length;
 * ```
 */
export interface Fixture {
  version: typeof FIXTURE_VERSION;
  /** Free-form name, e.g. the integration and scenario. */
  name?: string | undefined;
  recordedAt: string;
  /** The extra rules used when recording (the defaults always apply). */
  redaction: RedactionRules;
  exchanges: FixtureExchange[];
}

/**
 * Stores a body in its most readable safe form, redacted.
 *
 * @example
 * ```ts
 * encodeBody(Buffer.from('{"password":"p"}'), compileRules()); // { json: { password: '[redacted]' } }
 * ```
 */
export function encodeBody(
  body: string | Buffer | undefined,
  rules: CompiledRules,
): FixtureBody | undefined {
  if (body === undefined || body.length === 0) return undefined;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const text = buf.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buf)) {
    // Not UTF-8: nothing to parse or scrub field by field; keep the bytes.
    return { base64: buf.toString('base64') };
  }
  try {
    return { json: redactJson(JSON.parse(text), rules) };
  } catch {
    return { text: redactForm(text, rules) ?? redactText(text) };
  }
}

/**
 * The bytes a stored body stands for (redacted values stay redacted).
 *
 * @example
 * ```ts
 * decodeBody({ json: { ok: true } }).toString(); // '{"ok":true}'
 * ```
 */
export function decodeBody(body: FixtureBody | undefined): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if ('json' in body) return Buffer.from(JSON.stringify(body.json), 'utf8');
  if ('text' in body) return Buffer.from(body.text, 'utf8');
  return Buffer.from(body.base64, 'base64');
}

/**
 * Identifies a body independent of JSON key order and of its secrets: the
 * hash is taken after redaction, so the live request (with real secrets)
 * and the recorded one (with placeholders) agree.
 *
 * @example
 * ```ts
 * bodyFingerprint({ json: { a: 1, b: 2 } }) === bodyFingerprint({ json: { b: 2, a: 1 } }); // true
 * ```
 */
export function bodyFingerprint(body: FixtureBody | undefined): string {
  if (body === undefined) return 'empty';
  return fingerprint(body).slice(0, 32);
}

/**
 * The redacted form of a request that replay matches on.
 *
 * @example
 * ```ts
 * const key = requestKey(req, compileRules());
 * `${key.method} ${key.url} ${key.fingerprint}`;
 * ```
 */
export function requestKey(
  req: HttpRequest,
  rules: CompiledRules,
): { method: string; url: string; body: FixtureBody | undefined; fingerprint: string } {
  const body = encodeBody(req.body, rules);
  return {
    method: req.method.toUpperCase(),
    url: redactUrl(req.url, rules),
    body,
    fingerprint: bodyFingerprint(body),
  };
}

/**
 * Writes a fixture as pretty JSON, creating the directory. The serialised
 * text passes through the secret registry once more, so a secret that
 * slipped into an unexpected place (an error message) is still scrubbed.
 *
 * @example
 * ```ts
 * await saveFixture('test/fixtures/crm-create-incident.json', recorder.fixture());
 * ```
 */
export async function saveFixture(path: string, fixture: Fixture): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, redactText(JSON.stringify(fixture, null, 2)) + '\n', 'utf8');
}

/**
 * Reads and checks a fixture file.
 *
 * @example
 * ```ts
 * const client = replayClient(await loadFixture('test/fixtures/crm-create-incident.json'));
 * ```
 */
export async function loadFixture(path: string): Promise<Fixture> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new PatchbayError(
      'config',
      `Cannot read HTTP fixture ${path}: ${(err as Error).message}`,
      {
        code: 'HTTP_FIXTURE_UNREADABLE',
        cause: err,
      },
    );
  }
  const f = parsed as Partial<Fixture> | null;
  if (f?.version !== FIXTURE_VERSION || !Array.isArray(f.exchanges)) {
    throw new PatchbayError(
      'config',
      `${path} is not an HTTP fixture of version ${FIXTURE_VERSION}`,
      { code: 'HTTP_FIXTURE_INVALID' },
    );
  }
  return { ...(f as Fixture), redaction: f.redaction ?? {} };
}
