/**
 * The customer's ticketing system, simulated on loopback with the shape of
 * ServiceNow's Table API (what Patchbay's `servicenow` alert sink speaks):
 * `POST /api/now/table/incident` opens an incident, `GET` with
 * `sysparm_query=correlation_id=...` finds one, `PATCH .../<sys_id>` updates
 * or resolves it. Basic auth. A `down` switch answers 503 for chaos, so the
 * demo shows an alert delivered once the system is back.
 */
import { listen, sendJson, type Listening } from './http-server.js';

export interface Incident {
  sys_id: string;
  number: string;
  correlation_id: string;
  short_description: string;
  urgency: string;
  state: string;
  /** How many PATCHes it received (updates, resolution). */
  updates: number;
}

export interface TicketingStats {
  incidents: Incident[];
  /** Requests answered 503 while down. */
  refused: number;
}

export interface Ticketing extends Listening {
  down: boolean;
  stats(): TicketingStats;
}

export async function startTicketing(options: {
  username: string;
  password: string;
}): Promise<Ticketing> {
  const incidents: Incident[] = [];
  const state = { down: false, refused: 0 };
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const base = '/api/now/table/incident';

  const server = await listen((req, res, body) => {
    if (state.down) {
      state.refused++;
      sendJson(res, 503, { error: { message: 'maintenance' } });
      return;
    }
    if (req.headers.authorization !== expected) {
      sendJson(res, 401, { error: { message: 'User Not Authenticated' } });
      return;
    }
    const url = new URL(req.url ?? '/', 'http://ticketing');
    if (req.method === 'POST' && url.pathname === base) {
      const fields = JSON.parse(body) as Record<string, unknown>;
      const incident: Incident = {
        sys_id: `sys${String(incidents.length + 1).padStart(6, '0')}`,
        number: `INC${String(10001 + incidents.length)}`,
        correlation_id: String(fields['correlation_id'] ?? ''),
        short_description: String(fields['short_description'] ?? ''),
        urgency: String(fields['urgency'] ?? '3'),
        state: '1',
        updates: 0,
      };
      incidents.push(incident);
      sendJson(res, 201, { result: incident });
      return;
    }
    if (req.method === 'GET' && url.pathname === base) {
      const query = url.searchParams.get('sysparm_query') ?? '';
      const wanted = query.startsWith('correlation_id=') ? query.slice(15) : undefined;
      sendJson(res, 200, { result: incidents.filter((i) => i.correlation_id === wanted) });
      return;
    }
    const match = /^\/api\/now\/table\/incident\/(\w+)$/.exec(url.pathname);
    const incident = match && incidents.find((i) => i.sys_id === match[1]);
    if (req.method === 'PATCH' && incident) {
      const fields = JSON.parse(body) as Record<string, unknown>;
      if (typeof fields['state'] === 'string') incident.state = fields['state'];
      if (typeof fields['urgency'] === 'string') incident.urgency = fields['urgency'];
      incident.updates++;
      sendJson(res, 200, { result: incident });
      return;
    }
    sendJson(res, 404, { error: { message: 'No Record found' } });
  });

  return {
    url: server.url,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    stats: () => ({ incidents: incidents.map((i) => ({ ...i })), refused: state.refused }),
    close: () => server.close(),
  };
}
