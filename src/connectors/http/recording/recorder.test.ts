import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPatchbayError, type PatchbayError } from '../../../core/errors.js';
import { rememberSecretValue } from '../../../core/secrets/redaction.js';
import { defaultSecrets } from '../../../core/secrets/resolver.js';
import { apiKeyAuth } from '../auth/static.js';
import { createHttpClient, type HttpClient, type HttpRequest } from '../client.js';
import { loadFixture } from './fixture.js';
import { recordingClient } from './recorder.js';
import { replayClient } from './replay.js';

// Canaries: none of these may ever appear in a fixture file.
const BEARER = 'canary-bearer-4f9d2a7c';
const BODY_SECRET = 'canary-body-88e1b3f0';
const QUERY_KEY = 'canary-query-19ab77e2';
const REGISTRY_SECRET = 'canary-registry-5c6d0a1b';
const TAX_ID = 'canary-taxid-DE99887766';
const RESPONSE_TOKEN = 'canary-response-2a2a9f';
// Sent by real auth schemes under names no default rule knows: only the registry can catch them.
const PARTNER_HEADER_KEY = 'canary-partner-hdr-3e8f1c';
const PARTNER_QUERY_KEY = 'canary-partner-qry-77b2d4';
process.env['PB_REC_PARTNER_HDR'] = PARTNER_HEADER_KEY;
process.env['PB_REC_PARTNER_QRY'] = PARTNER_QUERY_KEY;
const CANARIES = [BEARER, BODY_SECRET, QUERY_KEY, REGISTRY_SECRET, TAX_ID, RESPONSE_TOKEN];

let server: Server;
let base: string;
let created = 0;
const seen: Array<{ auth: string | undefined; body: string }> = [];

beforeAll(async () => {
  // The registry knows this value as if a secret reference had resolved to it.
  rememberSecretValue(REGISTRY_SECRET);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ auth: req.headers.authorization, body });
      const url = new URL(req.url ?? '/', 'http://x');
      const json = (status: number, value: unknown, extra: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...extra });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && url.pathname === '/api/incidents') {
        if (req.headers.authorization !== `Bearer ${BEARER}`) return json(401, { error: 'auth' });
        const parsed = JSON.parse(body) as { title: string; reporter: { apiKey: string } };
        if (parsed.reporter.apiKey !== BODY_SECRET) return json(403, { error: 'reporter key' });
        created += 1;
        return json(
          201,
          { incidentId: `INC-${created}`, title: parsed.title },
          {
            'set-cookie': `session=${BEARER}`,
          },
        );
      }
      if (req.method === 'GET' && url.pathname === '/api/incidents/INC-1') {
        if (url.searchParams.get('api_key') !== QUERY_KEY) return json(401, { error: 'key' });
        return json(200, { id: 'INC-1', status: 'open', access_token: RESPONSE_TOKEN });
      }
      if (url.pathname === '/partner') {
        const ok =
          req.headers['x-partner-token'] === PARTNER_HEADER_KEY &&
          url.searchParams.get('partner_auth') === PARTNER_QUERY_KEY;
        // A careless API that echoes the credential back in a field with an innocent name.
        return ok ? json(200, { echo: PARTNER_HEADER_KEY }) : json(401, { error: 'partner' });
      }
      if (url.pathname === '/reset') return req.socket.destroy();
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const incident = (title: string): HttpRequest => ({
  method: 'POST',
  url: new URL(`${base}/api/incidents`),
  headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    title,
    note: `reported via key ${REGISTRY_SECRET}`,
    reporter: { name: 'ops', apiKey: BODY_SECRET, taxId: TAX_ID },
  }),
});
const lookup = (): HttpRequest => ({
  method: 'GET',
  url: new URL(`${base}/api/incidents/INC-1?api_key=${QUERY_KEY}&expand=owner`),
  headers: {},
});
const view = (res: { status: number; body: Buffer }) => ({
  status: res.status,
  body: res.body.toString('utf8'),
});
const failure = async (p: Promise<unknown>): Promise<PatchbayError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPatchbayError(err)) throw new Error(`expected a PatchbayError, got ${String(err)}`);
  return err;
};

describe('recorder and replay against a real server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-recorder-'));
  const file = join(dir, 'session.json');
  const live: Array<{ status: number; body: string }> = [];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records a session with no secret in the fixture file', async () => {
    const real = createHttpClient({ timeoutMs: 5000 });
    const client = recordingClient(real, {
      name: 'crm/session',
      // `*.taxId` exercises the wildcard: any top-level object's taxId.
      redact: { bodyPaths: ['reporter.apiKey', '*.taxId'] },
    });
    live.push(view(await client.send(incident('disk full'))));
    live.push(view(await client.send(incident('disk full'))));
    live.push(view(await client.send(lookup())));
    live.push(
      view(await client.send({ method: 'GET', url: new URL(`${base}/nope`), headers: {} })),
    );
    const reset = await failure(
      client.send({ method: 'GET', url: new URL(`${base}/reset`), headers: {} }),
    );
    await client.save(file);
    await client.close();

    // The server really saw the secrets: the recording wrapped real traffic.
    expect(seen[0]).toMatchObject({ auth: `Bearer ${BEARER}` });
    expect(seen[0]!.body).toContain(BODY_SECRET);
    expect(live.map((r) => r.status)).toEqual([201, 201, 200, 404]);
    expect(live[2]!.body).toContain(RESPONSE_TOKEN);

    const text = readFileSync(file, 'utf8');
    for (const canary of CANARIES) expect(text).not.toContain(canary);
    const fixture = await loadFixture(file);
    expect(fixture.exchanges).toHaveLength(5);
    const [first, , get, , failed] = fixture.exchanges;
    expect(first!.request.headers['authorization']).toBe('[redacted]');
    expect(first!.request.body).toEqual({
      json: {
        title: 'disk full',
        note: 'reported via key [redacted]',
        reporter: { name: 'ops', apiKey: '[redacted]', taxId: '[redacted]' },
      },
    });
    expect(first!.response?.headers['set-cookie']).toBe('[redacted]');
    expect(first!.response?.body).toEqual({ json: { incidentId: 'INC-1', title: 'disk full' } });
    expect(get!.request.url).toBe(
      `${base}/api/incidents/INC-1?api_key=%5Bredacted%5D&expand=owner`,
    );
    expect(get!.response?.body).toEqual({
      json: { id: 'INC-1', status: 'open', access_token: '[redacted]' },
    });
    expect(failed!.error).toMatchObject({ kind: reset.kind, code: reset.code });
  });

  it('scrubs credentials that auth schemes resolved from secret references, whatever their names', async () => {
    const real = createHttpClient({ timeoutMs: 5000 });
    const client = recordingClient(real);
    const deps = { secrets: defaultSecrets, client: real };
    const header = apiKeyAuth(
      { type: 'api-key', in: 'header', name: 'X-Partner-Token', value: 'env:PB_REC_PARTNER_HDR' },
      deps,
    );
    const query = apiKeyAuth(
      { type: 'api-key', in: 'query', name: 'partner_auth', value: 'env:PB_REC_PARTNER_QRY' },
      deps,
    );
    const req: HttpRequest = { method: 'GET', url: new URL(`${base}/partner`), headers: {} };
    const signal = new AbortController().signal;
    await header.apply(req, signal);
    await query.apply(req, signal);
    const res = await client.send(req);
    expect(res.status).toBe(200);
    expect(res.body.toString('utf8')).toContain(PARTNER_HEADER_KEY);
    const partnerFile = join(dir, 'partner.json');
    await client.save(partnerFile);
    await client.close();

    const text = readFileSync(partnerFile, 'utf8');
    expect(text).not.toContain(PARTNER_HEADER_KEY);
    expect(text).not.toContain(PARTNER_QUERY_KEY);
    // In memory, before the file-level safety net: redacted at capture time.
    const [exchange] = client.exchanges;
    expect(exchange!.request.headers['X-Partner-Token']).toBe('[redacted]');
    expect(exchange!.request.url).toBe(`${base}/partner?partner_auth=%5Bredacted%5D`);
    expect(exchange!.response?.body).toEqual({ json: { echo: '[redacted]' } });
    expect((await loadFixture(partnerFile)).exchanges).toEqual(client.exchanges);
  });

  it('replays the session with the server stopped and gets the same results', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // Proof that nothing below can reach the network.
    const probe = createHttpClient({ timeoutMs: 2000 });
    const down = await failure(probe.send(lookup()));
    expect(down.kind).toBe('connection');
    await probe.close();

    const client = replayClient(await loadFixture(file));
    const replayed = [
      view(await client.send(incident('disk full'))),
      view(await client.send(incident('disk full'))),
      view(await client.send(lookup())),
      view(await client.send({ method: 'GET', url: new URL(`${base}/nope`), headers: {} })),
    ];
    expect(replayed.map((r) => r.status)).toEqual(live.map((r) => r.status));
    // Recorded order per request: the second identical POST gets the second answer.
    expect(replayed[0]).toEqual(live[0]);
    expect(replayed[1]).toEqual(live[1]);
    expect(JSON.parse(replayed[1]!.body)).toMatchObject({ incidentId: 'INC-2' });
    expect(replayed[3]).toEqual(live[3]);
    // Secrets in responses stay redacted; everything else is as served.
    expect(JSON.parse(replayed[2]!.body)).toEqual({
      ...(JSON.parse(live[2]!.body) as object),
      access_token: '[redacted]',
    });
    const reset = await failure(
      client.send({ method: 'GET', url: new URL(`${base}/reset`), headers: {} }),
    );
    expect(reset.message).toContain('(replayed)');
    expect(client.unused()).toEqual([]);
  });

  it('matches regardless of credential values and headers, but not of other body fields', async () => {
    const client = replayClient(await loadFixture(file));
    const rotated = incident('disk full');
    rotated.headers = { authorization: 'Bearer another-token', 'x-trace': 'abc' };
    rotated.body = rotated.body!.replace(BODY_SECRET, 'a-rotated-reporter-key');
    expect((await client.send(rotated)).status).toBe(201);

    const other = await failure(client.send(incident('disk on fire')));
    expect(other.code).toBe('HTTP_FIXTURE_UNMATCHED');
    expect(other.kind).toBe('config');
    expect(other.retryable).toBe(false);
    expect(other.message).toContain(`POST ${base}/api/incidents body`);
    expect(other.message).toContain('disk on fire');
    expect(other.message).toContain('no recorded request has this method, URL and body');
    expect(other.message).not.toContain(BODY_SECRET);
  });

  it('names the request when the URL or method was never recorded', async () => {
    const client: HttpClient = replayClient(await loadFixture(file));
    const wrongUrl = await failure(
      client.send({ method: 'GET', url: new URL(`${base}/api/incidents/INC-9`), headers: {} }),
    );
    expect(wrongUrl.code).toBe('HTTP_FIXTURE_UNMATCHED');
    expect(wrongUrl.message).toContain(`GET ${base}/api/incidents/INC-9 body empty`);
    // The recorded requests are listed so the difference is visible.
    expect(wrongUrl.message).toContain(`GET ${base}/api/incidents/INC-1?api_key=%5Bredacted%5D`);

    const wrongMethod = await failure(client.send({ ...lookup(), method: 'DELETE' }));
    expect(wrongMethod.message).toContain('DELETE');
  });

  it('fails on a request asked more often than recorded when exhaustion is an error', async () => {
    const strict = replayClient(await loadFixture(file), { onExhausted: 'error' });
    await strict.send(lookup());
    const again = await failure(strict.send(lookup()));
    expect(again.code).toBe('HTTP_FIXTURE_UNMATCHED');
    expect(again.message).toContain('all 1 recording(s) of it were already served');

    const lenient = replayClient(await loadFixture(file));
    await lenient.send(lookup());
    expect((await lenient.send(lookup())).status).toBe(200);
  });
});
