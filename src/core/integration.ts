/**
 * `defineIntegration`: one documented options object per integration. The
 * definition is checked when it is declared and again, with its connector
 * configs, when the runtime loads a project, so a bad definition fails at
 * start with the integration, the field and what is allowed.
 */
import type {
  ConnectorContext,
  ConnectorUse,
  SinkRecord,
  SinkSession,
  SourceSession,
} from './connector.js';
import type { Duration } from './duration.js';
import { integrationSchema } from './integration-schema.js';
import { configFailure, configIssues } from './config-issues.js';

import type { Pattern } from './patterns.js';
import type { PoliciesOptions } from '../policies/options.js';
export { PATTERNS, type Pattern } from './patterns.js';

/** Runs on a timetable: a fixed interval or a cron expression. */
export interface ScheduleTrigger {
  type: 'schedule';
  /** Fixed interval, e.g. `"5m"`. Exactly one of `every` and `cron`. */
  every?: Duration;
  /** Cron expression (5 or 6 fields), evaluated in `timezone`. */
  cron?: string;
  /** IANA time zone for `cron` and `quietWindow`. Default `UTC`. */
  timezone?: string;
  /** Only run inside this daily window, e.g. `{ from: '01:00', to: '05:00' }` (may cross midnight). */
  quietWindow?: { from: string; to: string };
  /** Random delay added to every start, to spread load. Default 0. */
  jitter?: Duration;
  /** After downtime: `skip` missed runs (default) or `run-once` to catch up with one run. */
  missedRuns?: 'skip' | 'run-once';
  /** Run once as soon as the runtime starts. Default false. */
  runOnStart?: boolean;
}

/** Runs continuously: the source's `read` is a long-lived stream (queue consumers, watchers). */
export interface StreamTrigger {
  type: 'stream';
}

/** Runs only when asked (`patchbay run --once`, replay, or the admin API). */
export interface ManualTrigger {
  type: 'manual';
}

/** What starts a run. */
export type Trigger = ScheduleTrigger | StreamTrigger | ManualTrigger;

/** What a step sees besides the record. */
export interface StepContext extends ConnectorContext {
  mode: 'live' | 'replay';
  sourceKey: string | undefined;
}

/**
 * A pipeline step: returns the record (changed or not), several records, or
 * `null`/`undefined` to drop it. Throw `permanent(...)` for bad data.
 */
export type StepFn = (record: unknown, ctx: StepContext) => unknown;

/** A named step; a plain function is named after the function. */
export type Step = StepFn | { name: string; run: StepFn };

/** A sink written as a function, for the cases a connector would be overkill. */
export interface FunctionSink {
  name: string;
  /** Whether writing the same record twice has no second effect. */
  idempotent: boolean;
  write(records: SinkRecord[], ctx: ConnectorContext): Promise<void>;
}

/** How to derive an item's idempotency key: a function, or field paths joined. */
export type IdempotencyKeySpec = ((record: unknown) => string) | { fields: string[] };

/**
 * The reliability policies of an integration (timeout, budget, retry, breaker,
 * rate limit, bulkhead, last-known-good); see `PoliciesOptions` in
 * `patchbay/policies`. Defaults apply to everything left out; validated when
 * the runtime prepares the integration.
 */
export type IntegrationPolicies = PoliciesOptions;

/** Who owns an integration on our side. */
export type Owner = string | { team: string; contact?: string };

/** The options object of {@link defineIntegration}. */
export interface IntegrationOptions {
  /** Stable id: lower-case letters, digits and dashes. Never changes once shipped. */
  id: string;
  /** The team (and contact) on call for it. */
  owner: Owner;
  pattern: Pattern;
  /** One sentence: what it moves from where to where. */
  description?: string;
  trigger: Trigger;
  source: ConnectorUse<SourceSession>;
  /** Applied in order to every record between source and sink. */
  steps?: Step[];
  sink: ConnectorUse<SinkSession> | FunctionSink;
  /** Retry, timeout, breaker, rate limit and bulkhead options; defaults apply when absent. */
  policies?: IntegrationPolicies;
  /** How each record's idempotency key is derived; `patchbay check` requires one. */
  idempotencyKey?: IdempotencyKeySpec;
  /** How fresh the data must be, e.g. `{ maxAge: '15m' }`. */
  freshness?: { maxAge: Duration };
  /** Records processed at once. Default 4. */
  concurrency?: number;
  /** Per-run limits: stop cleanly at a checkpoint when reached. Defaults: unlimited items, 15 min. */
  budget?: { maxItems?: number; maxDuration?: Duration };
  docs?: {
    /** Link or path to the runbook. */
    runbook?: string;
    /** The customer-side owner of the other system. */
    customerOwner?: string;
    /** Why this pattern was chosen. */
    why?: string;
  };
}

const DEFINITION = Symbol.for('patchbay.integration');

/** A validated integration. */
export type Integration = Readonly<IntegrationOptions> & { readonly [DEFINITION]: true };

/**
 * Declares an integration. Structural mistakes throw a `config` error naming
 * the integration, the field and the allowed values; connector configs are
 * checked when the runtime loads the project.
 *
 * @example
 * ```ts
 * export default defineIntegration({
 *   id: 'orders-to-warehouse',
 *   owner: { team: 'integrations', contact: 'oncall@example.com' },
 *   pattern: 'rest-poll',
 *   trigger: { type: 'schedule', every: '5m' },
 *   source: simulatedOrders({ seed: 1 }),
 *   steps: [(order) => ({ ...order, total: Number(order.total) })],
 *   sink: memorySink(),
 *   idempotencyKey: { fields: ['id'] },
 *   freshness: { maxAge: '15m' },
 *   docs: { runbook: 'docs/runbooks/orders.md', customerOwner: 'ERP team' },
 * });
 * ```
 */
export function defineIntegration(options: IntegrationOptions): Integration {
  const parsed = integrationSchema.safeParse(options);
  if (!parsed.success) {
    const id = typeof options?.id === 'string' ? options.id : '(no id)';
    throw configFailure(`integration ${id}`, configIssues(parsed.error.issues));
  }
  return Object.freeze(Object.assign({}, options, { [DEFINITION]: true as const }));
}

/**
 * Is this value an integration made by {@link defineIntegration} (from any copy of the package)?
 *
 * @example
 * ```ts
 * isIntegration(defineIntegration(options)); // true
 * ```
 */
export function isIntegration(value: unknown): value is Integration {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[DEFINITION] === true
  );
}

/**
 * The name of a step, for logs, dead letters and docs.
 *
 * @example
 * ```ts
 * stepName(function toCanonical() {}, 0); // 'toCanonical'
 * ```
 */
export function stepName(step: Step, index: number): string {
  if (typeof step === 'function') return step.name || `step${index + 1}`;
  return step.name;
}

/**
 * The team name of an owner.
 *
 * @example
 * ```ts
 * ownerTeam({ team: 'integrations', contact: 'a@b.c' }); // 'integrations'
 * ```
 */
export function ownerTeam(owner: Owner): string {
  return typeof owner === 'string' ? owner : owner.team;
}
