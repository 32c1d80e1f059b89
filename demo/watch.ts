/**
 * Watches the runtime through its admin API (`/api/status`), as an
 * operator's dashboard would, and tells the viewer when a breaker changes
 * state or an integration goes stale or fresh again. It also remembers the
 * breaker states it saw, for the demo's report.
 */
interface StatusRow {
  id: string;
  breaker: string;
  stale: boolean;
}

export interface StatusWatch {
  breakerStates(): Record<string, string[]>;
  stop(): Promise<void>;
}

export function watchStatus(adminUrl: string, say: (line: string) => void): StatusWatch {
  const seen: Record<string, string[]> = {};
  const stale: Record<string, boolean> = {};
  const wasFresh = new Set<string>();
  let polling: Promise<void> = Promise.resolve();
  const poll = async () => {
    let rows: StatusRow[];
    try {
      const res = await fetch(`${adminUrl}/api/status`, { signal: AbortSignal.timeout(2000) });
      if (!res.ok) return;
      rows = (await res.json()) as StatusRow[];
    } catch {
      return; // not up yet, or shutting down
    }
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
    }
  };
  const timer = setInterval(() => {
    polling = polling.then(poll);
  }, 500);
  return {
    breakerStates: () => structuredClone(seen),
    async stop() {
      clearInterval(timer);
      await polling;
    },
  };
}
