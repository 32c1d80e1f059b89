/**
 * The connector contract. A connector knows one kind of external system and
 * is declared spec-first (in the manner of Redpanda Connect): its config
 * schema with secret and advanced flags, defaults and examples comes first,
 * and docs, `patchbay check` and console forms are generated from it.
 */
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Checkpoint, CheckpointKind, Store } from '../store/types.js';
import type { ErrorKind } from './errors.js';
import type { JsonValue } from './json-safe.js';
import type { SecretResolverChain } from './secrets/resolver.js';
import type { ModelRef } from './model-stamp.js';
import type { SourceStatus } from './source-status.js';

/**
 * How a source learns that its input has been handled.
 *
 * @example
 * ```ts
 * // a queue source that acknowledges each message once it has been written or dead-lettered
 * const capabilities: ConnectorCapabilities = {
 *   ack: 'per-item' satisfies AckMode,
 *   checkpoint: 'none', replay: 'none', idempotentWrites: false, connectionTest: true,
 * };
 * ```
 */
export type AckMode = 'none' | 'batch' | 'per-item';
/**
 * How a source can be re-run over a past range.
 *
 * @example
 * ```ts
 * // a REST source that can re-read any past window by `updated_since`
 * const capabilities: ConnectorCapabilities = {
 *   ack: 'none', checkpoint: 'watermark',
 *   replay: 'time-range' satisfies ReplayMode,
 *   idempotentWrites: false, connectionTest: true,
 * };
 * ```
 */
export type ReplayMode = 'none' | 'checkpoint' | 'time-range' | 'offset' | 'business-date';

/**
 * What a connector can do; read by the runtime and by `patchbay check`.
 *
 * @example
 * ```ts
 * // an HTTP sink whose PUTs are keyed by id, each call already guarded
 * const capabilities: ConnectorCapabilities = {
 *   ack: 'none',
 *   checkpoint: 'none',
 *   replay: 'none',
 *   idempotentWrites: true,
 *   connectionTest: true,
 *   guardsOwnCalls: true,
 * };
 * ```
 */
export interface ConnectorCapabilities {
  /** Sources: how input is acknowledged to the peer. */
  ack: AckMode;
  /** Sources: what kind of position they resume from (`none` for stateless sources). */
  checkpoint: CheckpointKind | 'none';
  /** Sources: how a past range is replayed. */
  replay: ReplayMode;
  /** Sinks: whether writing the same record twice has no second effect. */
  idempotentWrites: boolean;
  /** Whether `check()` can test the connection without side effects. */
  connectionTest: boolean;
  /**
   * Sinks: each external call inside `write` already goes through `ctx.guard`
   * (retries, breaker, timeout per call). The runtime then writes once
   * instead of wrapping the write in the pipeline again, which would nest
   * the retries (5 × 5 attempts) and count one failure twice. Default false.
   */
  guardsOwnCalls?: boolean;
}

/**
 * One attempt of a guarded call.
 *
 * @example
 * ```ts
 * const body = await ctx.guard.execute(async ({ signal, attempt }: AttemptContext) => {
 *   ctx.logger.debug({ attempt }, 'fetching positions');
 *   const res = await fetch('https://api.gps.example.com/positions', { signal });
 *   return res.json();
 * });
 * ```
 */
export interface AttemptContext {
  /** Aborted at the per-attempt timeout or when the run is cancelled. */
  signal: AbortSignal;
  /** 1 for the first attempt. */
  attempt: number;
}

/**
 * The integration's policy pipeline (bulkhead, rate limit, budget, retry,
 * breaker, timeout) as a connector sees it: every external call goes through it.
 *
 * @example
 * ```ts
 * const res = await ctx.guard.execute(
 *   ({ signal }) => fetch(`${baseUrl}/orders/${id}`, { method: 'PUT', body, signal }),
 *   ctx.signal,
 * );
 * ```
 */
export interface CallGuard {
  execute<T>(fn: (ctx: AttemptContext) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * Whatever the runtime hands a connector while it runs.
 *
 * @example
 * ```ts
 * async connect(config, ctx: ConnectorContext) {
 *   const token = await ctx.secrets.resolve(config.token);
 *   ctx.logger.info({ integration: ctx.integrationId }, 'connected to GPS API');
 *   return createSession(config.baseUrl, token, ctx.guard);
 * }
 * ```
 */
export interface ConnectorContext {
  integrationId: string;
  logger: Logger;
  store: Store;
  secrets: SecretResolverChain;
  /** Records the one log line and the metrics for an external call. */
  recordCall(call: ExternalCall): void;
  /** The integration's policy pipeline; wrap every external call in it. */
  guard: CallGuard;
  signal: AbortSignal;
  /** The runtime's clock (epoch ms; `createRuntime({ now })` in tests) [Date.now]. */
  now?: (() => number) | undefined;
}

/**
 * One external call as reported by a connector.
 *
 * @example
 * ```ts
 * const started = Date.now();
 * await client.put(`/orders/${id}`, body);
 * ctx.recordCall({
 *   operation: 'PUT /orders/{id}',
 *   target: 'erp.example.com',
 *   outcome: 'success',
 *   latencyMs: Date.now() - started,
 *   attempt: 1,
 *   idempotencyKey: record.idempotencyKey,
 * });
 * ```
 */
export interface ExternalCall {
  operation: string;
  target: string;
  outcome: 'success' | 'failure';
  errorKind?: ErrorKind | undefined;
  errorCode?: string | undefined;
  latencyMs: number;
  attempt: number;
  idempotencyKey?: string | undefined;
  identity?: string | undefined;
  stale?: boolean | undefined;
  /** Answered 304 Not Modified: the cached response stands and nothing was transferred. */
  notModified?: boolean | undefined;
}

/**
 * A replay window: `from` inclusive, `to` exclusive; a checkpoint value or an ISO date/time.
 *
 * @example
 * ```ts
 * // re-read May 1st; the live checkpoint is left alone
 * const range: ReplayRange = { from: '2024-05-01T00:00:00Z', to: '2024-05-02T00:00:00Z' };
 * ```
 */
export interface ReplayRange {
  from: string;
  to?: string | undefined;
  /**
   * For sources that de-duplicate (the webhook receiver): `respect` (the
   * default) re-applies only what was never applied; `bypass` re-applies
   * everything in the window. Other sources ignore it.
   */
  dedupe?: 'respect' | 'bypass' | undefined;
}

/**
 * What a source's `read` gets for one run.
 *
 * @example
 * ```ts
 * async *read(ctx: ReadContext) {
 *   const since = ctx.mode === 'replay' ? ctx.range!.from : String(ctx.checkpoint?.value ?? '1970-01-01T00:00:00Z');
 *   const rows = await api.ordersUpdatedSince(since, { signal: ctx.signal, limit: ctx.budget.maxItems });
 *   yield { items: rows.map((r) => ({ key: r.id, data: r })), checkpoint: { kind: 'watermark', value: rows.at(-1)?.updatedAt ?? since } };
 * }
 * ```
 */
export interface ReadContext extends ConnectorContext {
  /** Live runs resume from here; replays ignore it. */
  checkpoint: Checkpoint | undefined;
  mode: 'live' | 'replay';
  /** Set in replay mode. A replay never moves the live checkpoint. */
  range?: ReplayRange | undefined;
  /** Per-run limits (max items, max wall time) the source should stop cleanly at. */
  budget: { maxItems: number; deadline: number };
}

/**
 * One item read from a source.
 *
 * @example
 * ```ts
 * const item: SourceItem<{ id: string; lat: number; lon: number }> = {
 *   key: 'truck-17:1714557600',
 *   data: { id: 'truck-17', lat: 52.37, lon: 4.9 },
 *   occurredAt: Date.parse('2024-05-01T10:00:00Z'),
 * };
 * ```
 */
export interface SourceItem<T = unknown> {
  /** Stable id of the item in its source (row key, event id, file+line). */
  key?: string | undefined;
  data: T;
  /** The item's own time, when the source knows it. */
  occurredAt?: number | undefined;
}

/**
 * A batch of items plus the position after it.
 *
 * @example
 * ```ts
 * const batch: SourceBatch = {
 *   items: messages.map((m) => ({ key: m.id, data: JSON.parse(m.body) })),
 *   checkpoint: { kind: 'offset', value: messages.at(-1)!.offset },
 *   ack: () => consumer.commit(messages),
 * };
 * yield batch;
 * ```
 */
export interface SourceBatch<T = unknown> {
  items: SourceItem<T>[];
  /**
   * Position to resume from once every item of this batch (and every batch
   * before it) has been acknowledged downstream. The runtime, not the
   * connector, decides when it is saved.
   */
  checkpoint?: { stream?: string; kind: CheckpointKind; value: JsonValue } | undefined;
  /** Called once every item of the batch has been handled (written or dead-lettered). */
  ack?: (() => Promise<void>) | undefined;
  /**
   * Items the source read but deliberately did not emit (e.g. a stored webhook
   * that failed re-verification during a replay). The run counts them as read
   * and skipped, and under `errorsByKind[errorKind]` when a kind is given, so
   * they show in the run's counts instead of only in a log line.
   */
  dropped?: { count: number; errorKind?: ErrorKind | undefined } | undefined;
}

/**
 * Result of a connector's `check()`.
 *
 * @example
 * ```ts
 * async check(): Promise<ConnectionCheck> {
 *   const res = await fetch(`${baseUrl}/health`);
 *   return res.ok ? { ok: true } : { ok: false, detail: `health answered ${res.status}` };
 * }
 * ```
 */
export interface ConnectionCheck {
  ok: boolean;
  detail?: string;
}

/**
 * An open connection to a source system.
 *
 * @example
 * ```ts
 * const session: SourceSession<number> = {
 *   async *read(ctx) {
 *     const start = Number(ctx.checkpoint?.value ?? 0);
 *     yield { items: [{ key: String(start), data: start }], checkpoint: { kind: 'cursor', value: start + 1 } };
 *   },
 *   async close() {},
 * };
 * ```
 */
export interface SourceSession<T = unknown> {
  read(ctx: ReadContext): AsyncIterable<SourceBatch<T>>;
  check?(): Promise<ConnectionCheck>;
  close(): Promise<void>;
}

/**
 * A record on its way to a sink.
 *
 * @example
 * ```ts
 * async write(records: SinkRecord<Order>[], ctx) {
 *   for (const r of records) {
 *     await api.put(`/orders/${r.data.id}`, r.data, { headers: { 'idempotency-key': r.idempotencyKey ?? r.sourceKey! } });
 *   }
 * }
 * ```
 */
export interface SinkRecord<T = unknown> {
  data: T;
  /** Derived from the integration's idempotency key; sinks use it to make writes idempotent. */
  idempotencyKey: string | undefined;
  sourceKey: string | undefined;
  /** The canonical model and version a mapping stamped on the record (`produces:`), if any. */
  model?: ModelRef | undefined;
}

/**
 * An open connection to a destination system.
 *
 * @example
 * ```ts
 * const session: SinkSession<Order> = {
 *   async write(records, ctx) {
 *     await ctx.guard.execute(({ signal }) => erp.upsertOrders(records.map((r) => r.data), { signal }));
 *   },
 *   async check() { return { ok: await erp.ping() }; },
 *   async close() { await erp.disconnect(); },
 * };
 * ```
 */
export interface SinkSession<T = unknown> {
  /** Writes a batch. Throwing fails the batch; the runtime then isolates the bad record. */
  write(records: SinkRecord<T>[], ctx: ConnectorContext): Promise<void>;
  check?(): Promise<ConnectionCheck>;
  close(): Promise<void>;
}

/**
 * The declaration passed to {@link defineConnector}.
 *
 * @example
 * ```ts
 * const configSchema = z.object({ baseUrl: z.string().url(), token: z.string().meta({ secret: true }) });
 * const spec: ConnectorSpec<typeof configSchema, SinkSession> = {
 *   kind: 'erp-orders',
 *   title: 'ERP orders',
 *   description: 'Upserts orders into the ERP',
 *   direction: 'sink',
 *   config: configSchema,
 *   capabilities: { ack: 'none', checkpoint: 'none', replay: 'none', idempotentWrites: true, connectionTest: true },
 *   connect: async (config, ctx) => openErpSession(config, ctx),
 * };
 * export const erpOrders = defineConnector(spec);
 * ```
 */
export interface ConnectorSpec<TSchema extends z.ZodType, TSession> {
  /** Unique kind, e.g. `http`, `sftp`, `simulated-orders`. */
  kind: string;
  title: string;
  description: string;
  direction: TSession extends SourceSession ? 'source' : 'sink';
  /** The config schema. Flag fields with `.meta({ secret: true })` / `{ advanced: true }` and give examples. */
  config: TSchema;
  capabilities: ConnectorCapabilities;
  /** Opens a session. Resolve secrets here or per call, never earlier. */
  connect(config: z.output<TSchema>, ctx: ConnectorContext): Promise<TSession>;
  /**
   * Sections this source adds to its integration's status (`patchbay status`,
   * the admin API, alert rules), read from the store without connecting:
   * e.g. the file drops' expected files per business date.
   */
  status?(
    config: z.output<TSchema>,
    deps: { store: Store; integrationId: string; now: number },
  ): Promise<SourceStatus>;
}

/**
 * A connector with its config, as placed in an integration's `source` or `sink`.
 *
 * @example
 * ```ts
 * const source: ConnectorUse<SourceSession> = simulatedOrders({ seed: 1 });
 * source.connector.kind; // 'simulated-orders'
 * ```
 */
export interface ConnectorUse<TSession = SourceSession | SinkSession> {
  readonly connector: ConnectorSpec<z.ZodType, TSession>;
  /** The config as written; validated when the integration is loaded. */
  readonly rawConfig: unknown;
}

/**
 * A connector definition: call it with a config to place it in an integration.
 *
 * @example
 * ```ts
 * const ticks: Connector<typeof ticksConfig, SourceSession<number>> = defineConnector({ ...ticksSpec });
 * defineIntegration({ ...options, source: ticks({ count: 5 }) });
 * ticks.spec.capabilities.replay; // 'checkpoint'
 * ```
 */
export type Connector<TSchema extends z.ZodType, TSession> = ((
  config: z.input<TSchema>,
) => ConnectorUse<TSession>) & { readonly spec: ConnectorSpec<TSchema, TSession> };

/**
 * Declares a connector, spec first.
 *
 * @example
 * ```ts
 * const ticks = defineConnector({
 *   kind: 'ticks', title: 'Ticks', description: 'Counts upwards', direction: 'source',
 *   config: z.object({ count: z.number().int().positive().default(10) }),
 *   capabilities: { ack: 'none', checkpoint: 'cursor', replay: 'checkpoint', idempotentWrites: false, connectionTest: false },
 *   async connect(config) {
 *     return {
 *       async *read(ctx) {
 *         const start = Number(ctx.checkpoint?.value ?? 0);
 *         const items = Array.from({ length: config.count }, (_, i) => ({ key: String(start + i), data: start + i }));
 *         yield { items, checkpoint: { kind: 'cursor', value: start + config.count } };
 *       },
 *       async close() {},
 *     };
 *   },
 * });
 * // in an integration: source: ticks({ count: 5 })
 * ```
 */
export function defineConnector<
  TSchema extends z.ZodType,
  TSession extends SourceSession | SinkSession,
>(spec: ConnectorSpec<TSchema, TSession>): Connector<TSchema, TSession> {
  const use = (config: z.input<TSchema>): ConnectorUse<TSession> => ({
    connector: spec as unknown as ConnectorSpec<z.ZodType, TSession>,
    rawConfig: config,
  });
  return Object.assign(use, { spec });
}

/**
 * Is this value a connector placed with its config?
 *
 * @example
 * ```ts
 * isConnectorUse(simulatedOrders({})); // true
 * ```
 */
export function isConnectorUse(value: unknown): value is ConnectorUse {
  return (
    typeof value === 'object' &&
    value !== null &&
    'connector' in value &&
    typeof (value as ConnectorUse).connector?.connect === 'function'
  );
}

/**
 * The machine-readable description of a connector: what docs, check and forms are generated from.
 *
 * @example
 * ```ts
 * const d: ConnectorDescription = describeConnector(erpOrders.spec);
 * d.secretFields; // ['token']
 * ```
 */
export interface ConnectorDescription {
  kind: string;
  title: string;
  description: string;
  direction: 'source' | 'sink';
  capabilities: ConnectorCapabilities;
  /** JSON Schema of the config, with `secret`/`advanced`/`examples` carried over from the zod metadata. */
  configSchema: Record<string, unknown>;
  /** Dotted paths of fields flagged secret. */
  secretFields: string[];
}

/**
 * Describes a connector for docs, `patchbay check` and console forms.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(describeConnector(ticks.spec).configSchema, null, 2));
 * ```
 */
export function describeConnector(spec: ConnectorSpec<z.ZodType, unknown>): ConnectorDescription {
  const configSchema = z.toJSONSchema(spec.config, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return {
    kind: spec.kind,
    title: spec.title,
    description: spec.description,
    direction: spec.direction,
    capabilities: spec.capabilities,
    configSchema,
    secretFields: findSecretFields(configSchema),
  };
}

function findSecretFields(
  schema: Record<string, unknown>,
  path = '',
  out = new Set<string>(),
): string[] {
  if (schema['secret'] === true && path) out.add(path);
  const props = schema['properties'];
  if (props && typeof props === 'object') {
    for (const [key, sub] of Object.entries(props as Record<string, Record<string, unknown>>)) {
      findSecretFields(sub, path ? `${path}.${key}` : key, out);
    }
  }
  // Arrays (`list[].field`) and unions / nullables (`anyOf` etc., same path).
  const items = schema['items'];
  if (items && typeof items === 'object' && !Array.isArray(items)) {
    findSecretFields(items as Record<string, unknown>, `${path}[]`, out);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      for (const b of branches as Record<string, unknown>[]) findSecretFields(b, path, out);
    }
  }
  return [...out];
}
