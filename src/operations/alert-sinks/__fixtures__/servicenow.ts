/**
 * A local stand-in for a ServiceNow instance's Table API (`/api/now/table/incident`):
 * create, query by correlation id, and patch incidents. Only the shape the
 * sink uses; there is no real ServiceNow here.
 */
import { randomUUID } from 'node:crypto';
import { startHttpPeer, type HttpPeer, type Received } from './peers.js';

/** One incident as the fake instance stores it. */
export type Incident = Record<string, unknown> & {
  sys_id: string;
  patches: Array<Record<string, unknown>>;
};

/** How the instance misbehaves: answer normally, 503 everything, or create and then answer 504. */
export type Mode = 'ok' | 'unavailable' | 'create-then-504';

/** The fake instance. */
export interface ServiceNowPeer {
  peer: HttpPeer;
  incidents: Incident[];
  mode: Mode;
  /** The `authorization` header every request must carry; others get 401. */
  expectAuth: string | undefined;
}

const TABLE = '/api/now/table/incident';

/** Starts the fake instance. */
export async function startServiceNow(): Promise<ServiceNowPeer> {
  const sn: ServiceNowPeer = {
    peer: undefined as unknown as HttpPeer,
    incidents: [],
    mode: 'ok',
    expectAuth: undefined,
  };
  const handle = (req: Received) => {
    if (sn.mode === 'unavailable') {
      // Some gateways echo the request headers in their error pages.
      return {
        status: 503,
        headers: { 'retry-after': '120' },
        body: { error: 'maintenance', echo: req.headers['authorization'] },
      };
    }
    if (sn.expectAuth !== undefined && req.headers['authorization'] !== sn.expectAuth) {
      return { status: 401, body: { error: { message: 'User Not Authenticated' } } };
    }
    const url = new URL(req.url, 'http://x');
    if (req.method === 'POST' && url.pathname === TABLE) {
      const incident: Incident = {
        ...(JSON.parse(req.body) as Record<string, unknown>),
        sys_id: randomUUID().replace(/-/g, ''),
        number: `INC${String(sn.incidents.length + 1).padStart(7, '0')}`,
        state: '1',
        patches: [],
      };
      sn.incidents.push(incident);
      if (sn.mode === 'create-then-504') {
        sn.mode = 'ok';
        return { status: 504, body: { error: 'gateway timeout' } };
      }
      return { status: 201, body: { result: incident } };
    }
    if (req.method === 'GET' && url.pathname === TABLE) {
      const m = /^correlation_id=(.+)$/.exec(url.searchParams.get('sysparm_query') ?? '');
      const hits = sn.incidents.filter((i) => m && i['correlation_id'] === m[1]);
      return { status: 200, body: { result: hits.map((i) => ({ sys_id: i.sys_id })) } };
    }
    const patch = new RegExp(`^${TABLE}/([a-f0-9]+)$`).exec(url.pathname);
    if (req.method === 'PATCH' && patch) {
      const incident = sn.incidents.find((i) => i.sys_id === patch[1]);
      if (!incident) return { status: 404, body: { error: { message: 'No Record found' } } };
      const body = JSON.parse(req.body) as Record<string, unknown>;
      incident.patches.push(body);
      Object.assign(incident, body);
      return { status: 200, body: { result: { sys_id: incident.sys_id } } };
    }
    return { status: 400, body: { error: { message: `unexpected ${req.method} ${req.url}` } } };
  };
  sn.peer = await startHttpPeer((req) => handle(req));
  return sn;
}
