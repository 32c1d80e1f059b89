/**
 * Missing/late arrivals declared in the project's `alerts.rules.missing`:
 * "erp-daily.csv must have arrived by 02:00 Berlin time". Each entry becomes a
 * {@link missingRule} with its own condition (`missing:<name>`), so two
 * expectations never resolve each other's alert.
 *
 * What counts as an arrival: the newest delivery on the integration's entity
 * streams in the status (`status.streams[].lastDeliveryAt`, the time its
 * checkpoint was last saved), or on `stream` alone when given. A file-drop
 * source saves a checkpoint after each acknowledged batch of a file, so a
 * delivered file is an arrival and an empty poll is not. A successful run is
 * deliberately not an arrival: the run that found no file succeeds too.
 */
import { Cron } from 'croner';
import { parseDuration } from '../../core/duration.js';
import { missingRule, type Expectation } from './rules.js';
import type { AlertRule, Observation } from './types.js';

/**
 * One `alerts.rules.missing` entry, as validated by the config schema.
 *
 * @example
 * ```ts
 * const m: MissingExpectation = { integration: 'erp-import', name: 'erp-daily.csv', cron: '0 2 * * *', timezone: 'Europe/Berlin' };
 * ```
 */
export interface MissingExpectation {
  /** The integration that receives the arrival. */
  integration: string;
  /** What is expected, in words (a file name pattern, a feed name); names the alert. */
  name: string;
  /** When it is due (croner syntax): the alert fires once a due time passes with no arrival. */
  cron: string;
  /** IANA time zone of `cron` [UTC]. */
  timezone?: string | undefined;
  /**
   * How long before a due time an arrival counts for it [since the previous
   * due time]. `'3h'` with a 02:00 due time accepts only arrivals after 23:00.
   */
  window?: number | string | undefined;
  /** Count only deliveries on this entity stream [any stream]. */
  stream?: string | undefined;
}

/**
 * The newest delivery time of an observation's streams (only `stream`, when
 * given); null when nothing was ever delivered.
 *
 * @example
 * ```ts
 * lastArrival({ status }, 'default'); // status.streams' default stream lastDeliveryAt, or null
 * ```
 */
export function lastArrival(observation: Observation, stream?: string): number | null {
  let newest: number | null = null;
  for (const s of observation.status.streams) {
    if (stream !== undefined && s.stream !== stream) continue;
    if (newest === null || s.lastDeliveryAt > newest) newest = s.lastDeliveryAt;
  }
  return newest;
}

/**
 * The rule of one missing/late expectation. Throws on a cron expression
 * croner rejects, naming the entry.
 *
 * @example
 * ```ts
 * const rule = missingFromConfig({ integration: 'erp-import', name: 'erp-daily.csv', cron: '0 2 * * *', timezone: 'Europe/Berlin', window: '4h' });
 * ```
 */
export function missingFromConfig(entry: MissingExpectation): AlertRule {
  let cron: Cron;
  try {
    cron = new Cron(entry.cron, { timezone: entry.timezone, paused: true });
  } catch (err) {
    throw new Error(
      `alerts.rules.missing "${entry.name}": cron "${entry.cron}" is invalid (${(err as Error).message})`,
      { cause: err },
    );
  }
  const windowMs = entry.window === undefined ? undefined : parseDuration(entry.window);
  const expect = (observation: Observation, now: number): Expectation | undefined => {
    if (observation.status.id !== entry.integration) return undefined;
    // The two newest due times at or before now: the current one and the one before it.
    const [due, previous] = cron.previousRuns(2, new Date(now + 1)).map((d) => d.getTime());
    if (due === undefined) return undefined;
    const from = windowMs === undefined ? (previous ?? -Infinity) : due - windowMs;
    const arrived = lastArrival(observation, entry.stream);
    return {
      name: entry.name,
      dueAt: due,
      arrivedAt: arrived !== null && arrived > from ? arrived : null,
    };
  };
  const rule = missingRule({ expect });
  return { condition: `missing:${entry.name}`, evaluate: rule.evaluate };
}
