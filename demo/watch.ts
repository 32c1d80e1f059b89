/**
 * Watches the runtime through its admin API (`/api/status`), as an
 * operator's dashboard would, and tells the viewer when a breaker changes
 * state, an integration goes stale or fresh again, or it serves
 * last-known-good data while its source is failing. It also remembers what
 * it saw, for the demo's report.
 */
interface StatusRow {
  id: string;
  breaker: string;
  stale: boolean;
  lastKnownGood?: { asOf: number; stale: boolean; cause: string } | null;
}

export interface LastKnownGoodSeen {
  asOf: number;
  stale: boolean;
  cause: string;
}

export interface StatusWatch {
  breakerStates(): Record<string, string[]>;
  /** Per integration, the last-known-good status last seen while its source failed (stale preferred). */
  lastKnownGood(): Record<string, LastKnownGoodSeen>;
  /** Resolves on the first status read: the runtime is up and has loaded its integrations. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

export function watchStatus(adminUrl: string, say: (line: string) => void): StatusWatch {
  const seen: Record<string, string[]> = {};
  const stale: Record<string, boolean> = {};
  const lkg: Record<string, LastKnownGoodSeen> = {};
  const lkgSaid: Record<string, string> = {};
  const wasFresh = new Set<string>();
  let polling: Promise<void> = Promise.resolve();
  let up!: () => void;
  const ready = new Promise<void>((resolve) => (up = resolve));
  const poll = async () => {
    let rows: StatusRow[];
    try {
      const res = await fetch(`${adminUrl}/api/status`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return;
      rows = (await res.json()) as StatusRow[];
    } catch {
      return; // not up yet, or shutting down
    }
    up();
    for (const row of rows) {
      const states = (seen[row.id] ??= []);
      if (states.at(-1) !== row.breaker) {
        if (states.length > 0) say(`${row.id}: breaker ${states.at(-1)} → ${row.breaker}`);
        states.push(row.breaker);
      }
      // Every integration starts stale (no success yet): only changes after its first
      // fresh reading are news.
      const before = stale[row.id];
      if (before !== undefined && before !== row.stale && (row.stale || wasFresh.has(row.id))) {
        say(`${row.id}: ${row.stale ? 'data is stale (freshness breached)' : 'fresh again'}`);
      }
      if (!row.stale) wasFresh.add(row.id);
      stale[row.id] = row.stale;
      const l = row.lastKnownGood;
      if (l) {
        if (!lkg[row.id]?.stale) lkg[row.id] = { asOf: l.asOf, stale: l.stale, cause: l.cause };
        const news = `${l.asOf}:${l.stale}`;
        if (lkgSaid[row.id] !== news) {
          say(
            `${row.id}: serving last-known-good data as of ${time(l.asOf)}${l.stale ? ', marked STALE' : ''} (source failing: ${l.cause})`,
          );
          lkgSaid[row.id] = news;
        }
      }
    }
  };
  const timer = setInterval(() => {
    polling = polling.then(poll);
  }, 500);
  return {
    breakerStates: () => structuredClone(seen),
    lastKnownGood: () => structuredClone(lkg),
    ready,
    async stop() {
      clearInterval(timer);
      await polling;
    },
  };
}
