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

/**
 * Runs on a timetable: a fixed interval or a cron expression.
 *
 * @example
 * ```ts
 * const trigger: ScheduleTrigger = {
 *   type: 'schedule',
 *   cron: '0 2 * * *',
 *   timezone: 'Europe/Amsterdam',
 *   quietWindow: { from: '01:00', to: '05:00' },
 *   jitter: '2m',
 *   missedRuns: 'run-once',
 * };
 * ```
 */
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

/**
 * Runs continuously: the source's `read` is a long-lived stream (queue consumers, watchers).
 *
 * @example
 * ```ts
 * defineIntegration({
 *   ...options,
 *   trigger: { type: 'stream' },
 *   source: webhook({ signature: { scheme: 'stripe', secrets: ['env:STRIPE_WEBHOOK_SECRET'] } }),
 * });
 * ```
 */
export interface StreamTrigger {
  type: 'stream';
}

/**
 * Runs only when asked (`patchbay run --once`, replay, or the admin API).
 *
 * @example
 * ```ts
 * // runs only via `patchbay run --once`, replay or the admin API
 * defineIntegration({ ...options, trigger: { type: 'manual' } });
 * ```
 */
export interface ManualTrigger {
  type: 'manual';
}

/**
 * What starts a run.
 *
 * @example
 * ```ts
 * const nightly: Trigger = { type: 'schedule', cron: '30 1 * * *' };
 * const everyFive: Trigger = { type: 'schedule', every: '5m', runOnStart: true };
 * ```
 */
export type Trigger = ScheduleTrigger | StreamTrigger | ManualTrigger;

/**
 * What a step sees besides the record.
 *
 * @example
 * ```ts
 * const tagOrder = (order: Order, ctx: StepContext) => {
 *   ctx.logger.debug({ key: ctx.sourceKey }, 'tagging order');
 *   return { ...order, replayed: ctx.mode === 'replay' };
 * };
 * ```
 */
export interface StepContext extends ConnectorContext {
  mode: 'live' | 'replay';
  sourceKey: string | undefined;
  /** Counts schema drift events (the `drift_events_total` metric); set by the runtime. */
  recordDrift?: ((kind: string, count: number) => void) | undefined;
}

/**
 * A pipeline step: returns the record (changed or not), several records, or
 * `null`/`undefined` to drop it. Throw `permanent(...)` for bad data.
 *
 * @example
 * ```ts
 * const dropCancelled: StepFn = (record) => ((record as Order).status === 'cancelled' ? null : record);
 * const requireCustomer: StepFn = (record) => {
 *   if (!(record as Order).customerId) throw permanent('order has no customer');
 *   return record;
 * };
 * ```
 */
export type StepFn = (record: unknown, ctx: StepContext) => unknown;

/**
 * A named step; a plain function is named after the function. A named step
 * may also say how to `mask` a raw source record: the runtime applies every
 * step's mask before it stores a record as a dead letter, so fields a
 * mapping marks `sensitive` never reach the dead-letter queue in clear.
 *
 * @example
 * ```ts
 * const steps: Step[] = [
 *   function normalise(order) { return { ...(order as Order), email: (order as Order).email.toLowerCase() }; },
 *   { name: 'split-lines', run: (order) => (order as Order).lines },
 *   { name: 'hash-card', run: hashCard, mask: (raw) => ({ ...(raw as Order), card: '[masked]' }) },
 * ];
 * ```
 */
export type Step =
  | StepFn
  | {
      name: string;
      run: StepFn;
      /** Returns a copy of a raw source record with sensitive fields masked; must not change its input. */
      mask?: (raw: unknown) => unknown;
      /**
       * Makes this a batch step (aggregation): after `run` has passed each
       * record, `batch` gets every record of the source batch that reached
       * this step and returns the records that go on instead. The runtime
       * calls the result's `commit` once the batch is written (before its
       * checkpoint) and `abort` when it is not (failure, dry run).
       */
      batch?: BatchStepFn;
    };

/**
 * A record as a batch step receives it.
 *
 * @example
 * ```ts
 * const r: BatchRecord = { data: { sku: 'A-1', qty: 2 }, sourceKey: 'order-1042' };
 * ```
 */
export interface BatchRecord {
  data: unknown;
  sourceKey: string | undefined;
}

/**
 * What a batch step emits: the records that go on (each with a
 * deterministic key, used as its idempotency key so a re-emission after a
 * crash overwrites instead of duplicating), and how to make its state final.
 *
 * @example
 * ```ts
 * const result: BatchStepResult = { records: [{ key: 'totals:A-1', data: { sku: 'A-1', qty: 5 } }], commit: async () => {} };
 * ```
 */
export interface BatchStepResult {
  records: Array<{ key: string; data: unknown }>;
  /** Called after the batch's records were written (or dead-lettered), before the checkpoint. */
  commit?: () => Promise<void>;
  /** Called when the batch is not written (a transient failure, a dry run). */
  abort?: () => void;
}

/**
 * The batch half of a batch step (see {@link Step}); `ctx.sourceKey` is undefined.
 *
 * @example
 * ```ts
 * const countAll: BatchStepFn = async (records) => ({ records: [{ key: 'count', data: { n: records.length } }] });
 * ```
 */
export type BatchStepFn = (records: BatchRecord[], ctx: StepContext) => Promise<BatchStepResult>;

/**
 * A sink written as a function, for the cases a connector would be overkill.
 *
 * @example
 * ```ts
 * const slackSink: FunctionSink = {
 *   name: 'slack-alerts',
 *   idempotent: false,
 *   async write(records, ctx) {
 *     for (const r of records) await ctx.guard.execute(({ signal }) => postToSlack(r.data, signal));
 *   },
 * };
 * ```
 */
export interface FunctionSink {
  name: string;
  /** Whether writing the same record twice has no second effect. */
  idempotent: boolean;
  write(records: SinkRecord[], ctx: ConnectorContext): Promise<void>;
}

/**
 * How to derive an item's idempotency key: a function, or field paths joined.
 *
 * @example
 * ```ts
 * const byFields: IdempotencyKeySpec = { fields: ['orderId', 'revision'] };
 * const byFunction: IdempotencyKeySpec = (record) => `${(record as Order).orderId}:${(record as Order).revision}`;
 * ```
 */
export type IdempotencyKeySpec = ((record: unknown) => string) | { fields: string[] };

/**
 * The reliability policies of an integration (timeout, budget, retry, breaker,
 * rate limit, bulkhead, last-known-good); see `PoliciesOptions` in
 * `patchbay/policies`. Defaults apply to everything left out; validated when
 * the runtime prepares the integration.
 *
 * @example
 * ```ts
 * const policies: IntegrationPolicies = {
 *   timeout: '10s',
 *   retry: { maxAttempts: 3 },
 *   rateLimit: { rate: 10, burst: 2 },
 *   lastKnownGood: false,
 * };
 * ```
 */
export type IntegrationPolicies = PoliciesOptions;

/**
 * Who owns an integration on our side.
 *
 * @example
 * ```ts
 * const owner: Owner = { team: 'integrations', contact: 'oncall@example.com' };
 * ownerTeam(owner); // 'integrations'
 * ```
 */
export type Owner = string | { team: string; contact?: string };

/**
 * The options object of {@link defineIntegration}.
 *
 * @example
 * ```ts
 * const options: IntegrationOptions = {
 *   id: 'gps-positions',
 *   owner: 'fleet-team',
 *   pattern: 'rest-poll',
 *   description: 'Truck positions from the GPS API into the planning DB',
 *   trigger: { type: 'schedule', every: '1m' },
 *   source: httpPoll({
 *     url: 'https://api.gps.example.com/v1/positions',
 *     recordsPath: 'data',
 *     auth: { type: 'bearer', token: 'env:GPS_TOKEN' },
 *   }),
 *   sink: sqlUpsert({
 *     dialect: 'postgres', database: 'planning', user: 'patchbay', password: 'env:PLANNING_DB_PASSWORD',
 *     table: 'fleet.positions', key: 'truck_id',
 *   }),
 *   idempotencyKey: { fields: ['truck_id', 'at'] },
 *   freshness: { maxAge: '10m' },
 * };
 * export default defineIntegration(options);
 * ```
 */
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

/**
 * A validated integration.
 *
 * @example
 * ```ts
 * const integration: Integration = defineIntegration(options);
 * integration.id; // 'gps-positions'
 * isIntegration(integration); // true
 * ```
 */
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
