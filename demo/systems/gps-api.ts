/**
 * The GPS vendor's REST API, simulated on loopback. It behaves like the
 * vendor's documentation says (and like vendors do):
 *
 * - `GET /v1/positions?since=<seq>&limit=<n>&cursor=<c>`: positions with
 *   `seq >= since`, oldest first, `limit` per page (max 100), and an opaque
 *   `meta.next_cursor` while more are waiting;
 * - a bearer token;
 * - a quota of 60 requests per rolling minute, answered beyond it with 429
 *   and `Retry-After` (seconds until the oldest request leaves the window);
 * - random 503s (a share of requests), and a `down` switch for chaos, when
 *   every request gets 503.
 *
 * Every truck reports one position per second of demo time. The API counts
 * what it answered, so the demo can show "zero 429s".
 */
import { listen, sendJson, type Listening } from './http-server.js';

export interface GpsPosition {
  id: string;
  seq: number;
  vehicle: string;
  lat: number;
  lon: number;
  speed_kmh: number;
  recorded_at: string;
}

export interface GpsApiOptions {
  token: string;
  trucks?: number;
  /** Share of requests answered 503 at random. Default 0.05. */
  randomFailureRate?: number;
  /** Requests allowed per rolling minute. Default 60. */
  quotaPerMinute?: number;
}

export interface GpsApiStats {
  requests: number;
  byStatus: Record<string, number>;
  tooManyRequests: number;
  /** The most requests inside the quota window at any time (the quota is 60). */
  peakPerMinute: number;
  positionsGenerated: number;
}

export interface GpsApi extends Listening {
  /** Chaos switch: while true every request answers 503. */
  down: boolean;
  stats(): GpsApiStats;
}

const QUOTA_WINDOW_MS = 60_000;

export async function startGpsApi(options: GpsApiOptions): Promise<GpsApi> {
  const trucks = options.trucks ?? 6;
  const failureRate = options.randomFailureRate ?? 0.05;
  const quota = options.quotaPerMinute ?? 60;
  const positions: GpsPosition[] = [];
  const accepted: number[] = []; // times of requests inside the quota window
  const byStatus: Record<string, number> = {};
  let requests = 0;
  let peak = 0;
  const state = { down: false };

  // Each truck drives a random walk around Hamburg; one fix per truck per tick.
  const where = Array.from({ length: trucks }, (_, i) => ({
    lat: 53.55 + i * 0.01,
    lon: 9.99 + i * 0.01,
  }));
  const tick = () => {
    const now = new Date().toISOString();
    where.forEach((p, i) => {
      p.lat += (Math.random() - 0.5) * 0.002;
      p.lon += (Math.random() - 0.5) * 0.002;
      const seq = positions.length + 1;
      positions.push({
        id: `pos-${seq}`,
        seq,
        vehicle: `TRK-${String(i + 1).padStart(2, '0')}`,
        lat: Number(p.lat.toFixed(5)),
        lon: Number(p.lon.toFixed(5)),
        speed_kmh: Math.round(40 + Math.random() * 50),
        recorded_at: now,
      });
    });
  };
  // The vendor has some history when we connect: the first poll pages through it.
  for (let i = 0; i < 8; i++) tick();
  const timer = setInterval(tick, 1000);

  const answer = (status: number) => (byStatus[status] = (byStatus[status] ?? 0) + 1);

  const server = await listen((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://gps');
    const now = Date.now();
    while (accepted.length > 0 && accepted[0]! <= now - QUOTA_WINDOW_MS) accepted.shift();
    if (accepted.length >= quota) {
      answer(429);
      const retryAfter = Math.max(1, Math.ceil((accepted[0]! + QUOTA_WINDOW_MS - now) / 1000));
      sendJson(res, 429, { error: 'quota exceeded' }, { 'retry-after': String(retryAfter) });
      return;
    }
    accepted.push(now);
    peak = Math.max(peak, accepted.length);
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      answer(401);
      sendJson(res, 401, { error: 'invalid token' });
      return;
    }
    if (state.down || Math.random() < failureRate) {
      answer(503);
      sendJson(res, 503, { error: 'service unavailable' });
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/v1/positions') {
      answer(404);
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    const since = Number(url.searchParams.get('since') ?? 1);
    const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 50));
    const cursor = url.searchParams.get('cursor');
    // The cursor is opaque to clients; here it is the last seq of the previous page.
    const after = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : since - 1;
    const page = positions.filter((p) => p.seq > after).slice(0, limit);
    const last = page.at(-1);
    const more = last !== undefined && last.seq < positions.length;
    answer(200);
    sendJson(res, 200, {
      data: page,
      meta: { next_cursor: more ? Buffer.from(String(last.seq)).toString('base64url') : null },
    });
  });

  return {
    url: server.url,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    stats: () => ({
      requests,
      byStatus: { ...byStatus },
      tooManyRequests: byStatus['429'] ?? 0,
      peakPerMinute: peak,
      positionsGenerated: positions.length,
    }),
    async close() {
      clearInterval(timer);
      await server.close();
    },
  };
}
