import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPatchbayError, type PatchbayError } from '../../../core/errors.js';
import type { HttpAuth } from '../auth/types.js';
import { bareContext, tempStore } from '../__fixtures__/test-support.js';
import { loadFixture } from './fixture.js';
import { defineClient, type ApiOf } from './thin-client.js';

const TOKEN = 'canary-thin-bearer-71c3e9aa';
const PHONE = '+49-canary-5550123';

interface Alert {
  id: string;
  severity: 'low' | 'high';
  summary: string;
  reporterPhone: string;
}
interface Incident {
  incidentId: string;
  priority: string;
}

// Declared once; every mode below is derived from this.
const crm = defineClient('crm', {
  createIncident: (http, alert: Alert) =>
    http.post<Incident>('/api/incidents', {
      title: alert.summary,
      priority: alert.severity === 'high' ? 'P1' : 'P3',
      source: { alertId: alert.id, phone: alert.reporterPhone },
    }),
  getIncident: (http, id: string) =>
    http.get<Incident & { status: string }>(`/api/incidents/${id}`),
});
/** Integration code depends on the interface only; any mode can be passed in. */
const escalate = (api: ApiOf<typeof crm>, a: Alert) => api.createIncident(a);

const bearer: HttpAuth = {
  identity: 'bearer:test',
  async apply(req) {
    req.headers['authorization'] = `Bearer ${TOKEN}`;
  },
};

let server: Server;
let base: string;
const incidents = new Map<string, { title: string; priority: string }>();
const auths: Array<string | undefined> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      auths.push(req.headers.authorization);
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: 'auth' });
      if (req.method === 'POST' && req.url === '/crm/api/incidents') {
        const parsed = JSON.parse(body) as { title: string; priority: string };
        const incidentId = `INC-${incidents.size + 1}`;
        incidents.set(incidentId, parsed);
        return json(201, { incidentId, priority: parsed.priority });
      }
      const found = /^\/crm\/api\/incidents\/(INC-\d+)$/.exec(req.url ?? '');
      const incident = found ? incidents.get(found[1]!) : undefined;
      if (req.method === 'GET' && found && incident) {
        return json(200, { incidentId: found[1], priority: incident.priority, status: 'open' });
      }
      return json(404, { error: 'no such incident' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}/crm`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const alert: Alert = {
  id: 'a-17',
  severity: 'high',
  summary: 'GPS feed stale',
  reporterPhone: PHONE,
};
const kindOf = async (p: Promise<unknown>): Promise<PatchbayError> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isPatchbayError(err)) throw new Error(`expected a PatchbayError, got ${String(err)}`);
  return err;
};

describe('defineClient: one declaration, live, fixture and recorded-replay implementations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-thin-'));
  const file = join(dir, 'crm.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let recorded: { created: Incident; fetched: Incident & { status: string }; missing: string };

  it('live: sends through the real client with auth and typed results', async () => {
    const live = crm.live({ baseUrl: base, auth: bearer, timeoutMs: 5000 });
    const created = await escalate(live, alert);
    expect(created).toEqual({ incidentId: 'INC-1', priority: 'P1' });
    expect(await live.getIncident('INC-1')).toEqual({ ...created, status: 'open' });
    const missing = await kindOf(live.getIncident('INC-404'));
    expect(missing).toMatchObject({ kind: 'http_4xx', status: 404 });
    expect(auths.at(-1)).toBe(`Bearer ${TOKEN}`);
    await live.close();
  });

  it('live through a connector context: the policy guard runs and each call is reported', async () => {
    const { store, dispose } = await tempStore();
    try {
      const ctx = bareContext(store, pino({ enabled: false }));
      const live = crm.live({ baseUrl: base, auth: bearer, ctx });
      const created = await live.createIncident(alert);
      expect(created.priority).toBe('P1');
      expect(ctx.calls).toHaveLength(1);
      expect(ctx.calls[0]).toMatchObject({
        operation: 'POST',
        target: `${base}/api/incidents`,
        outcome: 'success',
        identity: 'bearer:test',
      });
      await live.close();
    } finally {
      await dispose();
    }
  });

  it('record: live results, and a fixture file without the token or configured fields', async () => {
    const rec = crm.record({
      baseUrl: base,
      auth: bearer,
      redact: { bodyPaths: ['source.phone'] },
    });
    const created = await rec.createIncident(alert);
    const fetched = await rec.getIncident(created.incidentId);
    const missing = (await kindOf(rec.getIncident('INC-404'))).message;
    recorded = { created, fetched, missing };
    expect(fetched.status).toBe('open');
    await rec.recorder.save(file);
    await rec.close();

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PHONE);
    expect(text).toContain('GPS feed stale');
    expect((await loadFixture(file)).name).toBe('crm');
  });

  it('replay: the same results with the server stopped', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const replayed = crm.replay(await loadFixture(file), { baseUrl: base });
    // A different phone still matches: the field is redacted before comparing.
    expect(await escalate(replayed, { ...alert, reporterPhone: '+1-000' })).toEqual(
      recorded.created,
    );
    expect(await replayed.getIncident(recorded.created.incidentId)).toEqual(recorded.fetched);
    const missing = await kindOf(replayed.getIncident('INC-404'));
    expect(missing).toMatchObject({ kind: 'http_4xx', status: 404, message: recorded.missing });

    const unmatched = await kindOf(replayed.createIncident({ ...alert, summary: 'other' }));
    expect(unmatched.code).toBe('HTTP_FIXTURE_UNMATCHED');
    expect(unmatched.message).toContain(`POST ${base}/api/incidents`);
    await replayed.close();
  });

  it('fixture: hand-written answers, no HTTP, calls listed, missing answers explicit', async () => {
    const fake = crm.fixture({
      createIncident: (a) => ({ incidentId: `FAKE-${a.id}`, priority: 'P2' }),
    });
    expect(await escalate(fake, alert)).toEqual({ incidentId: 'FAKE-a-17', priority: 'P2' });
    expect(fake.calls).toEqual([{ operation: 'createIncident', args: [alert] }]);
    const none = await kindOf(fake.getIncident('INC-1'));
    expect(none.code).toBe('THIN_CLIENT_NO_FIXTURE');
    expect(none.message).toBe('crm.getIncident has no fixture answer');
  });
});
