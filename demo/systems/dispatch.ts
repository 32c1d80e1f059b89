/**
 * The customer's dispatch system, simulated: it tells subscribers where
 * each load is (`load.assigned` → `load.picked_up` → `load.delivered`) with
 * signed Standard Webhooks, signed by Patchbay's own `signStandardWebhook`,
 * as a provider's SDK would sign them. Like real senders it delivers one
 * message at a time, retries until it gets a 2xx (the receiver may not be
 * up yet), and gives up on a 4xx.
 *
 * Chaos sends a burst the way flaky senders do: every message twice (the
 * same `webhook-id`), newest first (so older events arrive after newer
 * ones), plus one request signed with a wrong key.
 */
import { randomBytes } from 'node:crypto';
import { signStandardWebhook } from 'patchbay/webhook';

export interface DispatchEvent {
  id: string;
  loadNo: string;
  status: 'assigned' | 'picked_up' | 'delivered';
  occurredAt: string;
  customerEmail: string;
}

export interface DispatchStats {
  /** Every distinct event sent (a duplicate send is not a new event). */
  events: DispatchEvent[];
  /** Ids of events answered 2xx (stored by the receiver). */
  acknowledged: string[];
  /** 2xx answers that said the event was a duplicate. */
  duplicates: number;
  /** Answers to the request signed with a wrong key (expected 401). */
  forged: number[];
  /** Attempts that failed (receiver not up yet, or a 5xx) and were retried. */
  retried: number;
  /** Loads whose events came in the chaos burst. */
  burstLoads: string[];
}

export interface Dispatch {
  /** The signing secret subscribers verify with (a `whsec_` value). */
  secret: string;
  /** Chaos: a duplicated, reordered burst and one forged request. */
  burst(): void;
  stats(): DispatchStats;
  close(): Promise<void>;
}

const NEXT = { assigned: 'picked_up', picked_up: 'delivered' } as const;

interface Outgoing {
  event: DispatchEvent;
  forged?: boolean;
}

export function startDispatch(options: { url: string; everyMs?: number }): Dispatch {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const wrongKey = `whsec_${randomBytes(32).toString('base64')}`;
  const events: DispatchEvent[] = [];
  const acknowledged = new Set<string>();
  const forged: number[] = [];
  const queue: Outgoing[] = [];
  const active = new Map<string, DispatchEvent>();
  const burstLoads: string[] = [];
  const state = { n: 0, loads: 9000, duplicates: 0, retried: 0, closed: false };
  let clock = Date.now();

  const event = (loadNo: string, status: DispatchEvent['status']): DispatchEvent => {
    // Event time moves forward in whole seconds: an event's own time orders it.
    clock = Math.max(clock + 1000, Date.now());
    const e: DispatchEvent = {
      id: `msg_dispatch_${++state.n}`,
      loadNo,
      status,
      occurredAt: new Date(clock).toISOString(),
      customerEmail: `orders@customer-${Number(loadNo.slice(2)) % 5}.example`,
    };
    events.push(e);
    return e;
  };

  // The dispatcher at work: a load moves on, or a new one is assigned.
  const tick = () => {
    const moving = [...active.values()].find(() => Math.random() < 0.5);
    if (moving && active.size >= 3) {
      const next = event(moving.loadNo, NEXT[moving.status as keyof typeof NEXT]);
      if (next.status === 'delivered') active.delete(next.loadNo);
      else active.set(next.loadNo, next);
      queue.push({ event: next });
    } else {
      const e = event(`D-${++state.loads}`, 'assigned');
      active.set(e.loadNo, e);
      queue.push({ event: e });
    }
  };
  const timer = setInterval(tick, options.everyMs ?? 700);

  const send = async (out: Outgoing): Promise<'done' | 'retry'> => {
    const e = out.event;
    const body = JSON.stringify({
      type: `load.${e.status}`,
      timestamp: e.occurredAt,
      data: {
        load_no: e.loadNo,
        status: e.status,
        occurred_at: e.occurredAt,
        customer_email: e.customerEmail,
      },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signStandardWebhook({
      id: e.id,
      timestamp,
      body,
      secrets: [out.forged ? wrongKey : secret],
    });
    let res: Response;
    try {
      res = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': e.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signature,
        },
        body,
        signal: AbortSignal.timeout(2000),
      });
    } catch {
      return 'retry'; // not up yet, or gone: try again
    }
    const answer = (await res.json().catch(() => ({}))) as { code?: string };
    if (out.forged) {
      forged.push(res.status);
      return 'done';
    }
    if (res.ok) {
      acknowledged.add(e.id);
      if (answer.code === 'DUPLICATE') state.duplicates++;
      return 'done';
    }
    return res.status >= 500 || res.status === 429 ? 'retry' : 'done';
  };

  // One message at a time, in queue order; a failed one is retried before the next.
  const loop = (async () => {
    while (!state.closed) {
      const head = queue[0];
      if (!head) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if ((await send(head)) === 'done') queue.shift();
      else {
        state.retried++;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  })();

  return {
    secret,
    burst() {
      const burst: DispatchEvent[] = [];
      for (let i = 0; i < 3; i++) {
        const loadNo = `D-${++state.loads}`;
        burstLoads.push(loadNo);
        for (const status of ['assigned', 'picked_up', 'delivered'] as const) {
          burst.push(event(loadNo, status));
        }
      }
      // Newest first, and every message twice: a sender replaying its backlog.
      for (const e of burst.reverse()) queue.push({ event: e }, { event: e });
      queue.push({ event: { ...burst[0]!, id: `msg_dispatch_forged_${state.n}` }, forged: true });
    },
    stats: () => ({
      events: events.map((e) => ({ ...e })),
      acknowledged: [...acknowledged],
      duplicates: state.duplicates,
      forged: [...forged],
      retried: state.retried,
      burstLoads: [...burstLoads],
    }),
    async close() {
      clearInterval(timer);
      state.closed = true;
      await loop;
    },
  };
}
