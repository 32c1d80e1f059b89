/**
 * The `--chaos` schedule: faults injected into the simulated systems at
 * fixed times after the demo starts, so every run tells the same story
 * (and the test can assert on it). Times are demo time: one GPS poll every
 * 5 s stands for the production 5 minutes.
 */
import type { Dispatch } from './dispatch.js';
import type { DocumentShare } from './document-share.js';
import type { ErpDrop } from './erp-drop.js';
import type { GpsApi } from './gps-api.js';
import type { HrReplica } from './hr-replica.js';
import type { Ticketing } from './ticketing.js';

export interface ChaosStep {
  atSeconds: number;
  says: string;
  apply(): void;
}

export function chaosSchedule(s: {
  erp: ErpDrop;
  gps: GpsApi;
  hr: HrReplica;
  ticketing: Ticketing;
  dispatch: Dispatch;
  share: DocumentShare;
  /** The operator replays a business date (YYYY-MM-DD) of the ERP loads. */
  replayBadDay(date: string): void;
}): ChaosStep[] {
  return [
    {
      atSeconds: 5,
      says: 'ERP: the next nightly file will be bad (1 impossible date, 1 short row → rejects; 3 loads from plant 4000, not on the hubs list → parked)',
      apply: () => s.erp.malformNextFile(),
    },
    {
      atSeconds: 8,
      says: 'GPS vendor down: every request answers 503 (retries, then the breaker opens)',
      apply: () => (s.gps.down = true),
    },
    {
      atSeconds: 12,
      says: 'ticketing in maintenance: 503 (the freshness incident waits in the outbox)',
      apply: () => (s.ticketing.down = true),
    },
    {
      atSeconds: 14,
      says: 'HR writes 4 bad driver rows (2 impossible dates → rejects, 2 unknown licence classes → dead letters)',
      apply: () => s.hr.insertBadRows(),
    },
    {
      atSeconds: 16,
      says: 'dispatch replays a backlog: 9 events newest first, each sent twice, and one forged signature',
      apply: () => s.dispatch.burst(),
    },
    {
      atSeconds: 19,
      says: 'GPS vendor back (the next half-open probe closes the breaker)',
      apply: () => (s.gps.down = false),
    },
    {
      atSeconds: 20,
      says: 'the fix: operations publish a new hubs list with Kiel (plant 4000) on the document share',
      apply: () => s.share.publishUpdate(),
    },
    {
      atSeconds: 24,
      says: 'ticketing back (the queued incident is delivered, then resolved)',
      apply: () => (s.ticketing.down = false),
    },
    {
      atSeconds: 23,
      says: 'operator: the hubs list is loaded; replay the bad ERP day, then list the rejects left',
      apply: () => {
        const date = s.erp.malformedDate();
        if (date) s.replayBadDay(date);
      },
    },
  ];
}

/** Runs the schedule; returns a function that cancels what has not happened yet. */
export function startChaos(steps: ChaosStep[], log: (line: string) => void): () => void {
  const timers = steps.map((step) =>
    setTimeout(() => {
      log(`chaos +${step.atSeconds}s: ${step.says}`);
      step.apply();
    }, step.atSeconds * 1000),
  );
  return () => timers.forEach(clearTimeout);
}
