/**
 * The durable store contract: everything that must survive a crash.
 *
 * Every method is async so the same contract fits the embedded SQLite store
 * and a PostgreSQL store. Methods documented as *durable* resolve only after
 * the write has reached stable storage (fsync'd); the runtime acknowledges
 * input to a peer only after such a method has resolved.
 */
import type { SerializedError } from '../core/errors.js';
import type { JsonValue } from '../core/json-safe.js';

/**
 * Milliseconds since the Unix epoch.
 *
 * @example
 * ```ts
 * const due: EpochMs = Date.now() + 30_000;
 * await store.outbox.enqueue({ integrationId: 'orders', destination: 'smtp:ops@example.com', payload: {}, notBefore: due });
 * ```
 */
export type EpochMs = number;

// ───────────────────────── inbox ─────────────────────────

/**
 * Status of an inbox item.
 *
 * @example
 * ```ts
 * const stuck = await store.inbox.count('stripe-webhooks', 'failed' satisfies InboxStatus);
 * ```
 */
export type InboxStatus = 'pending' | 'processing' | 'done' | 'failed' | 'dead';

/**
 * A raw received item, as written before anything is acknowledged.
 *
 * @example
 * ```ts
 * const { id, duplicate } = await store.inbox.append({
 *   integrationId: 'stripe-webhooks',
 *   eventId: 'evt_1PqX2a',
 *   entityKey: 'cus_9f2k',
 *   receivedAt: Date.now(),
 *   body: Buffer.from(rawBody),
 *   meta: { verified: 'stripe-v1' },
 * });
 * if (duplicate) return; // already stored: just acknowledge
 * ```
 */
export interface InboxAppend {
  integrationId: string;
  /** Provider event id; a second append with the same id is a duplicate. */
  eventId?: string | undefined;
  /** Entity the event is about, for per-entity ordering. */
  entityKey?: string | undefined;
  /** The event's own time (not arrival time), for ordering. */
  occurredAt?: EpochMs | undefined;
  receivedAt: EpochMs;
  /** Headers with secrets already removed. */
  headers?: Record<string, string> | undefined;
  body: Buffer;
  /** Free-form facts (verified scheme, source file, offset...). */
  meta?: Record<string, JsonValue> | undefined;
}

/**
 * An inbox item as stored.
 *
 * @example
 * ```ts
 * for (const item of await store.inbox.claim('stripe-webhooks', { limit: 10, leaseMs: 30_000, owner: 'worker-1' })) {
 *   const event = JSON.parse(item.body.toString('utf8'));
 *   console.log(item.eventId, item.attempts, event.type);
 * }
 * ```
 */
export interface InboxItem extends Required<
  Omit<InboxAppend, 'eventId' | 'entityKey' | 'occurredAt'>
> {
  id: string;
  eventId: string | null;
  entityKey: string | null;
  occurredAt: EpochMs | null;
  status: InboxStatus;
  attempts: number;
  nextAttemptAt: EpochMs | null;
  lastError: SerializedError | null;
}

/**
 * Result of {@link InboxRepo.append}.
 *
 * @example
 * ```ts
 * const result: InboxAppendResult = await store.inbox.append(item);
 * res.status(result.duplicate ? 200 : 202).end();
 * ```
 */
export interface InboxAppendResult {
  id: string;
  /** True when an item with the same (integrationId, eventId) already existed. */
  duplicate: boolean;
}

/**
 * A read-only window over an integration's inbox by received time, for
 * {@link InboxRepo.listReceived}. Both bounds are inclusive; pages are keyed
 * by id (pass the last id of a page as `afterId` for the next one).
 *
 * @example
 * ```ts
 * const query: InboxRangeQuery = { from: Date.parse('2026-11-17'), to: Date.now(), limit: 100 };
 * const page = await store.inbox.listReceived('stripe-webhooks', query);
 * const next = await store.inbox.listReceived('stripe-webhooks', { ...query, afterId: page.at(-1)?.id });
 * ```
 */
export interface InboxRangeQuery {
  /** Earliest `receivedAt`, inclusive. */
  from: EpochMs;
  /** Latest `receivedAt`, inclusive. */
  to: EpochMs;
  /** Only items whose id comes after this one (keyset paging). */
  afterId?: string | undefined;
  /** Page size, at least 0. */
  limit: number;
}

/**
 * Raw received items with a status.
 *
 * @example
 * ```ts
 * const [item] = await store.inbox.claim('stripe-webhooks', { limit: 1, leaseMs: 30_000, owner: 'worker-1' });
 * try {
 *   await handle(item);
 *   await store.inbox.complete(item.id, 'worker-1');
 * } catch (err) {
 *   if (isPatchbayError(err) && err.code === 'LEASE_LOST') return; // another worker has it now
 *   await store.inbox.fail(item.id, 'worker-1', classify(err).toJSON(), Date.now() + 60_000);
 * }
 * ```
 */
export interface InboxRepo {
  /** Durable. Dedupes on (integrationId, eventId) when an eventId is given. */
  append(item: InboxAppend): Promise<InboxAppendResult>;
  /**
   * Claims up to `limit` pending items (or failed items whose next attempt is
   * due) for `leaseMs`; items whose lease expired are claimable again.
   */
  claim(
    integrationId: string,
    opts: { limit: number; leaseMs: number; owner: string; now?: EpochMs },
  ): Promise<InboxItem[]>;
  /**
   * Durable. Fenced: applies only while the item is `processing` and claimed
   * by `owner` (a lease that ran out still counts until someone else claims
   * the item). Otherwise rejects with a `cancelled` error, code `LEASE_LOST`,
   * and changes nothing: the item belongs to its new owner (or is finished).
   */
  complete(id: string, owner: string): Promise<void>;
  /**
   * Durable. Schedules another attempt at `nextAttemptAt`, or marks dead when
   * null. Fenced like {@link InboxRepo.complete}.
   */
  fail(
    id: string,
    owner: string,
    error: SerializedError,
    nextAttemptAt: EpochMs | null,
  ): Promise<void>;
  get(id: string): Promise<InboxItem | undefined>;
  count(integrationId: string, status?: InboxStatus): Promise<number>;
  /**
   * Read-only: items of `integrationId` received within the query's window,
   * whatever their status, in id (arrival) order, one page at a time.
   * Changes nothing (status, attempts and leases stay as they are).
   */
  listReceived(integrationId: string, query: InboxRangeQuery): Promise<InboxItem[]>;
}

// ───────────────────────── outbox ─────────────────────────

/**
 * Status of an outbox delivery.
 *
 * @example
 * ```ts
 * const dead = await store.outbox.count('orders-to-erp', 'dead' satisfies OutboxStatus);
 * ```
 */
export type OutboxStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

/**
 * A pending outbound delivery.
 *
 * @example
 * ```ts
 * await store.outbox.enqueue({
 *   integrationId: 'orders-to-erp',
 *   destination: 'smtp:ops@example.com',
 *   payload: { subject: 'Order 1042 rejected', orderId: 1042 },
 *   idempotencyKey: 'order-1042-rejected',
 * });
 * ```
 */
export interface OutboxEnqueue {
  integrationId: string;
  /** Where it goes: a connector or sink name plus target, e.g. `smtp:ops@example.com`. */
  destination: string;
  payload: JsonValue;
  /** Deduplicates enqueues: the same key for the same integration is enqueued once. */
  idempotencyKey?: string | undefined;
  notBefore?: EpochMs | undefined;
}

/**
 * An outbox row.
 *
 * @example
 * ```ts
 * const due: OutboxItem[] = await store.outbox.claimDue({ limit: 20, leaseMs: 60_000, owner: 'relay-1' });
 * for (const item of due) console.log(item.destination, item.attempts, item.nextAttemptAt);
 * ```
 */
export interface OutboxItem {
  id: string;
  integrationId: string;
  destination: string;
  payload: JsonValue;
  idempotencyKey: string | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: EpochMs;
  createdAt: EpochMs;
  lastError: SerializedError | null;
}

/**
 * A window of finished deliveries to send again, for {@link OutboxRepo.requeue}.
 * The window is on the enqueue time (`createdAt`), both bounds inclusive.
 *
 * @example
 * ```ts
 * const window: OutboxRequeue = {
 *   integrationId: 'webhooks',
 *   destination: 'webhook:acme',
 *   from: Date.parse('2026-11-17T06:00:00Z'),
 *   to: Date.parse('2026-11-17T09:00:00Z'),
 *   statuses: ['dead'],
 * };
 * const resent = await store.outbox.requeue(window);
 * ```
 */
export interface OutboxRequeue {
  integrationId: string;
  destination: string;
  /** Earliest `createdAt`, inclusive. */
  from: EpochMs;
  /** Latest `createdAt`, inclusive. */
  to: EpochMs;
  /**
   * Which finished deliveries to send again: `dead` (failed for good) and/or
   * `delivered`. Deliveries still `pending` or `delivering` are on their way
   * already and are never touched.
   */
  statuses: ReadonlyArray<'dead' | 'delivered'>;
  /** When the re-sent deliveries become due. Default: the store's clock. */
  now?: EpochMs | undefined;
}

/**
 * Pending outbound deliveries with attempts and next-attempt time.
 *
 * @example
 * ```ts
 * for (const item of await store.outbox.claimDue({ limit: 20, leaseMs: 60_000, owner: 'relay-1' })) {
 *   try {
 *     await deliver(item.destination, item.payload);
 *     await store.outbox.markDelivered(item.id, 'relay-1');
 *   } catch (err) {
 *     await store.outbox.markFailed(item.id, 'relay-1', classify(err).toJSON(), Date.now() + 2 ** item.attempts * 1000);
 *   }
 * }
 * ```
 */
export interface OutboxRepo {
  /** Durable. Returns the existing row's id when the idempotency key was seen. */
  enqueue(item: OutboxEnqueue): Promise<{ id: string; duplicate: boolean }>;
  /** Claims due items (nextAttemptAt <= now) for `leaseMs`. */
  claimDue(opts: {
    limit: number;
    leaseMs: number;
    owner: string;
    now?: EpochMs;
    integrationId?: string;
  }): Promise<OutboxItem[]>;
  /**
   * Durable. Fenced: applies only while the row is `delivering` and claimed
   * by `owner`; otherwise rejects with a `cancelled` error, code
   * `LEASE_LOST`, and changes nothing (another sender claimed it after the
   * lease ran out, or it was requeued or finished).
   */
  markDelivered(id: string, owner: string): Promise<void>;
  /**
   * Durable. Reschedules at `nextAttemptAt`, or marks dead when null. Fenced
   * like {@link OutboxRepo.markDelivered}.
   */
  markFailed(
    id: string,
    owner: string,
    error: SerializedError,
    nextAttemptAt: EpochMs | null,
  ): Promise<void>;
  count(integrationId: string, status?: OutboxStatus): Promise<number>;
  /**
   * Durable. Sends a window of finished deliveries again: each matching row
   * becomes `pending`, due at `now`, with `attempts` 0 and no last error (a
   * fresh retry schedule), keeping its id, payload and idempotency key.
   * Returns the rows as they were before (status, attempts, last error), in
   * id order.
   */
  requeue(window: OutboxRequeue): Promise<OutboxItem[]>;
}

// ───────────────────────── idempotency ─────────────────────────

/**
 * Result of claiming an idempotency key.
 *
 * @example
 * ```ts
 * const claim: IdempotencyClaim = await store.idempotency.claim('payments', 'order-1042', {
 *   owner: 'worker-1',
 *   leaseMs: 60_000,
 * });
 * if (claim.status === 'done') return claim.outcome; // already done: replay the outcome
 * ```
 */
export type IdempotencyClaim =
  | { status: 'claimed' }
  | { status: 'in_flight'; owner: string; leaseUntil: EpochMs }
  | { status: 'done'; outcome: JsonValue; fingerprint: string | null }
  | { status: 'mismatch'; fingerprint: string | null };

/**
 * "Did I already do this?" records.
 *
 * @example
 * ```ts
 * const claim = await store.idempotency.claim('payments', key, { owner: 'worker-1', leaseMs: 60_000 });
 * if (claim.status === 'claimed') {
 *   try {
 *     const receipt = await charge(order);
 *     await store.idempotency.complete('payments', key, receipt, Date.now() + 86_400_000);
 *   } catch (err) {
 *     await store.idempotency.release('payments', key, 'worker-1');
 *     throw err;
 *   }
 * }
 * ```
 */
export interface IdempotencyRepo {
  /**
   * Durable. Claims `key` in `scope` for `leaseMs`. An expired lease can be
   * claimed again. When `fingerprint` (a hash of the request parameters) is
   * given and differs from the stored one, answers `mismatch`.
   */
  claim(
    scope: string,
    key: string,
    opts: { owner: string; leaseMs: number; fingerprint?: string; now?: EpochMs },
  ): Promise<IdempotencyClaim>;
  /** Durable. Records the outcome; kept until `expiresAt`. */
  complete(scope: string, key: string, outcome: JsonValue, expiresAt: EpochMs): Promise<void>;
  /** Releases a claim without an outcome (the call failed and may be retried). */
  release(scope: string, key: string, owner: string): Promise<void>;
  /** Deletes records whose expiry has passed; returns how many. */
  purgeExpired(now?: EpochMs): Promise<number>;
}

// ───────────────────────── checkpoints ─────────────────────────

/**
 * What a checkpoint's value means.
 *
 * @example
 * ```ts
 * await store.checkpoints.set('orders-sync', 'orders', { kind: 'watermark', value: '2024-05-01T00:00:00Z' });
 * ```
 */
export type CheckpointKind = 'cursor' | 'watermark' | 'offset' | 'lsn' | 'file-marker';

/**
 * A saved position in a source.
 *
 * @example
 * ```ts
 * const cp: Checkpoint | undefined = await store.checkpoints.get('orders-sync', 'orders');
 * const since = cp?.kind === 'watermark' ? String(cp.value) : '1970-01-01T00:00:00Z';
 * ```
 */
export interface Checkpoint {
  kind: CheckpointKind;
  value: JsonValue;
  updatedAt: EpochMs;
}

/**
 * Cursor, watermark, offset, LSN and file-marker positions.
 *
 * @example
 * ```ts
 * const cp = await store.checkpoints.get('gps-positions', 'default');
 * const page = await api.positions({ cursor: cp?.value });
 * await store.checkpoints.set('gps-positions', 'default', { kind: 'cursor', value: page.next });
 * ```
 */
export interface CheckpointRepo {
  get(integrationId: string, stream?: string): Promise<Checkpoint | undefined>;
  /** Durable. */
  set(
    integrationId: string,
    stream: string,
    checkpoint: Omit<Checkpoint, 'updatedAt'> & { updatedAt?: EpochMs },
  ): Promise<void>;
  list(integrationId: string): Promise<Array<Checkpoint & { stream: string }>>;
}

// ───────────────────────── dead letters ─────────────────────────

/**
 * A dead letter: input that exhausted its retries or failed permanently.
 *
 * @example
 * ```ts
 * await store.deadLetters.add({
 *   integrationId: 'orders-sync',
 *   stage: 'sink',
 *   raw: { orderId: 1042 },
 *   itemKey: 'order-1042',
 *   error: classify(err).toJSON(),
 *   attempts: 5,
 *   firstSeenAt: firstFailure,
 *   lastSeenAt: Date.now(),
 * });
 * ```
 */
export interface DeadLetterAdd {
  integrationId: string;
  /** Pipeline stage that failed: `source`, `step:<name>`, `sink`, ... */
  stage: string;
  /** The raw input, as received (already stripped of secrets). */
  raw: JsonValue;
  /** Stable key of the item (idempotency key or source id), for de-duplication of letters. */
  itemKey?: string | undefined;
  error: SerializedError;
  attempts: number;
  firstSeenAt: EpochMs;
  lastSeenAt: EpochMs;
}

/**
 * A stored dead letter.
 *
 * @example
 * ```ts
 * const letters: DeadLetter[] = await store.deadLetters.list('orders-sync', { limit: 50 });
 * for (const l of letters) console.log(l.id, l.stage, l.error.kind, l.retries);
 * ```
 */
export interface DeadLetter extends DeadLetterAdd {
  id: string;
  itemKey: string | undefined;
  /** How often an operator retried it. */
  retries: number;
}

/**
 * Dead letters with the raw input and why they failed.
 *
 * @example
 * ```ts
 * const [letter] = await store.deadLetters.list('orders-sync', { limit: 1 });
 * try {
 *   await sink.write(letter.raw);
 *   await store.deadLetters.remove([letter.id]);
 * } catch (err) {
 *   await store.deadLetters.markRetried(letter.id, classify(err).toJSON(), Date.now());
 * }
 * ```
 */
export interface DeadLetterRepo {
  /**
   * Durable. A letter with the same (integrationId, itemKey) is updated, not
   * duplicated: stage, raw, error, attempts and lastSeenAt become the new
   * ones (a retry must use the input that failed last); id, firstSeenAt and
   * retries stay.
   */
  add(letter: DeadLetterAdd): Promise<{ id: string }>;
  list(integrationId: string, opts?: { limit?: number; afterId?: string }): Promise<DeadLetter[]>;
  get(id: string): Promise<DeadLetter | undefined>;
  count(integrationId?: string): Promise<number>;
  /** Whether the integration has any; cheap whatever their number (checked after every batch write). */
  any(integrationId: string): Promise<boolean>;
  /** Durable. Removes letters (after a successful retry, or a drop); returns how many. */
  remove(ids: readonly string[]): Promise<number>;
  /**
   * Durable. Removes the letters of these item keys because the items have
   * since been delivered (a replay, or the item read again and written);
   * returns how many. Keys without a letter are ignored.
   */
  resolve(integrationId: string, itemKeys: readonly string[]): Promise<number>;
  /** Durable. Counts an operator retry on a letter that failed again. */
  markRetried(id: string, error: SerializedError, at: EpochMs): Promise<void>;
}

// ───────────────────────── rejects ─────────────────────────

/**
 * A record that failed mapping or validation: why, where, and its raw input.
 *
 * @example
 * ```ts
 * await store.rejects.add({
 *   integrationId: 'crm-contacts',
 *   mapping: 'contact-to-crm',
 *   recordKey: 'contact-77',
 *   fieldPath: 'phone_numbers[0].value',
 *   rule: 'e164',
 *   message: 'not a valid phone number',
 *   value: '***-0199',
 *   raw: { id: 77, phone: '***-0199' },
 *   at: Date.now(),
 * });
 * ```
 */
export interface RejectAdd {
  integrationId: string;
  /** Name of the mapping document (or validator) that rejected it. */
  mapping: string;
  /** Stable key of the source item; a second reject with the same key replaces the first. */
  recordKey?: string | undefined;
  /** Output (or input) field that failed, e.g. `phone_numbers[0].value`; `''` for the whole record. */
  fieldPath: string;
  /** The rule that failed: a transform name, `required`, `schema:<keyword>`, `drift`... */
  rule: string;
  /** Human-readable reason. */
  message: string;
  /** The offending value, already masked when the field is sensitive. */
  value: JsonValue;
  /** The raw input record, with sensitive fields masked. */
  raw: JsonValue;
  at: EpochMs;
}

/**
 * A stored reject.
 *
 * @example
 * ```ts
 * const rejects: Reject[] = await store.rejects.list('crm-contacts');
 * for (const r of rejects) console.log(`${r.recordKey}: ${r.fieldPath} failed ${r.rule} (${r.retries} re-drives)`);
 * ```
 */
export interface Reject extends RejectAdd {
  id: string;
  recordKey: string | undefined;
  /** How often an operator re-drove it and it failed again. */
  retries: number;
  lastRetriedAt: EpochMs | null;
}

/**
 * What failed on a re-drive of a reject.
 *
 * @example
 * ```ts
 * const failure: RejectFailure = { fieldPath: 'email', rule: 'required', message: 'email is missing', value: null };
 * await store.rejects.markRetried(reject.id, failure, Date.now());
 * ```
 */
export interface RejectFailure {
  fieldPath: string;
  rule: string;
  message: string;
  value: JsonValue;
}

/**
 * The reject ledger: records that failed mapping or validation while the batch went on.
 *
 * @example
 * ```ts
 * for (const reject of await store.rejects.list('crm-contacts', { limit: 100 })) {
 *   const result = mapContact(reject.raw);
 *   if (result.ok) await store.rejects.remove([reject.id]);
 *   else await store.rejects.markRetried(reject.id, result.failure, Date.now());
 * }
 * ```
 */
export interface RejectRepo {
  /** Durable. A reject with the same (integrationId, recordKey) is replaced in place (same id). */
  add(reject: RejectAdd): Promise<{ id: string }>;
  /** Oldest first; page with `afterId`. Default limit 100. */
  list(integrationId: string, opts?: { limit?: number; afterId?: string }): Promise<Reject[]>;
  get(id: string): Promise<Reject | undefined>;
  count(integrationId?: string): Promise<number>;
  /** Whether the integration has any; cheap whatever their number (checked after every batch write). */
  any(integrationId: string): Promise<boolean>;
  /** Durable. Removes rejects (after a successful re-drive, or a drop); returns how many. */
  remove(ids: readonly string[]): Promise<number>;
  /**
   * Durable. Removes the rejects of these record keys because their records
   * have since been loaded (a replay, or a corrected record sent again);
   * returns how many. Keys without a reject are ignored.
   */
  resolve(integrationId: string, recordKeys: readonly string[]): Promise<number>;
  /** Durable. Counts a re-drive that failed again and records the latest failure. */
  markRetried(id: string, failure: RejectFailure, at: EpochMs): Promise<void>;
}

// ───────────────────────── audit ─────────────────────────

/**
 * One machine-to-machine call. Credentials never appear.
 *
 * @example
 * ```ts
 * await store.audit.append({
 *   at: Date.now(),
 *   integrationId: 'gps-positions',
 *   identity: 'oauth2:gps-client',
 *   target: 'https://api.gps.example.com',
 *   action: 'GET /positions',
 *   outcome: 'success',
 *   latencyMs: 182,
 *   attempt: 1,
 * });
 * ```
 */
export interface AuditEntry {
  at: EpochMs;
  integrationId: string;
  /** The service identity used, e.g. `oauth2:gps-client`, never a secret value. */
  identity: string;
  target: string;
  action: string;
  outcome: 'success' | 'failure';
  errorKind?: string | undefined;
  latencyMs: number;
  attempt: number;
  idempotencyKey?: string | undefined;
}

/**
 * Append-only audit log.
 *
 * @example
 * ```ts
 * const lastHour = await store.audit.list({ integrationId: 'gps-positions', since: Date.now() - 3_600_000 });
 * const failures = lastHour.filter((e) => e.outcome === 'failure');
 * ```
 */
export interface AuditRepo {
  append(entry: AuditEntry): Promise<void>;
  list(opts?: {
    integrationId?: string;
    since?: EpochMs;
    limit?: number;
  }): Promise<Array<AuditEntry & { id: string }>>;
}

// ───────────────────────── runs ─────────────────────────

/**
 * Status of a run.
 *
 * @example
 * ```ts
 * const { last } = await store.runs.latest('orders-sync');
 * const healthy = last?.status === 'succeeded' || last?.status === 'partial';
 * ```
 */
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'partial' | 'cancelled';

/**
 * Counters a run reports at its end.
 *
 * @example
 * ```ts
 * const counts: RunCounts = { read: 120, written: 117, skipped: 1, deadLettered: 2, errorsByKind: { http_4xx: 2 } };
 * await store.runs.finish(runId, { status: 'partial', counts });
 * ```
 */
export interface RunCounts {
  read: number;
  written: number;
  skipped: number;
  deadLettered: number;
  errorsByKind: Record<string, number>;
}

/**
 * One execution of an integration.
 *
 * @example
 * ```ts
 * const [latest]: RunRecord[] = await store.runs.list('orders-sync', { limit: 1 });
 * console.log(latest.status, latest.counts.written, latest.finishedAt! - latest.startedAt);
 * ```
 */
export interface RunRecord {
  id: string;
  integrationId: string;
  trigger: string;
  mode: 'live' | 'replay' | 'retry';
  status: RunStatus;
  startedAt: EpochMs;
  finishedAt: EpochMs | null;
  counts: RunCounts;
  error: SerializedError | null;
}

/**
 * Run history.
 *
 * @example
 * ```ts
 * const { id } = await store.runs.start({ integrationId: 'orders-sync', trigger: 'schedule', mode: 'live' });
 * const counts = await syncOrders();
 * await store.runs.finish(id, { status: 'succeeded', counts });
 * ```
 */
export interface RunRepo {
  start(run: {
    integrationId: string;
    trigger: string;
    mode: RunRecord['mode'];
    startedAt?: EpochMs;
  }): Promise<{ id: string }>;
  finish(
    id: string,
    result: {
      status: Exclude<RunStatus, 'running'>;
      counts: RunCounts;
      error?: SerializedError | null;
      finishedAt?: EpochMs;
    },
  ): Promise<void>;
  list(integrationId: string, opts?: { limit?: number }): Promise<RunRecord[]>;
  /**
   * Newest run, and newest successful live run, of an integration. `partial`
   * counts as successful (data flowed); replays and retries do not (they bring
   * no new data, so they must not make an integration look fresh).
   */
  latest(integrationId: string): Promise<{ last?: RunRecord; lastSuccess?: RunRecord }>;
  /**
   * Runs still marked running that started before `before` (of one
   * integration, or of all) are leftovers of a crashed process: they become
   * `cancelled` with code `RUN_ABANDONED`.
   */
  abandonRunning(before: EpochMs, integrationId?: string): Promise<number>;
}

// ───────────────────────── crosswalk ─────────────────────────

/**
 * Crosswalk ID tables: (system, entity, external id) ↔ canonical id, stored
 * as namespace `<system>:<entity>` (see `crosswalkNamespace` in
 * `patchbay/mapping`), source id = the external id, target id = the
 * canonical id. `reverse` answers the external ids of a canonical id in one
 * system, so an id travels system A → canonical → system B.
 *
 * @example
 * ```ts
 * await store.crosswalk.put('shop:customer', 'cus_9f2k', 'c-000311');
 * const canonical = await store.crosswalk.lookup('shop:customer', 'cus_9f2k'); // 'c-000311'
 * const [erpId] = await store.crosswalk.reverse('erp:customer', canonical!);
 * ```
 */
export interface CrosswalkRepo {
  put(namespace: string, sourceId: string, targetId: string): Promise<void>;
  /**
   * Durable. Stores the mapping only when `sourceId` has none yet and
   * returns the target id that is stored: `targetId`, or the one another
   * writer (maybe another process) stored first. For minting canonical ids.
   */
  putIfAbsent(namespace: string, sourceId: string, targetId: string): Promise<string>;
  lookup(namespace: string, sourceId: string): Promise<string | undefined>;
  reverse(namespace: string, targetId: string): Promise<string[]>;
  /** Batch lookup; ids without a mapping are absent from the result. */
  lookupMany(namespace: string, sourceIds: readonly string[]): Promise<Map<string, string>>;
}

// ───────────────────────── key-value cache ─────────────────────────

/**
 * A cached value with its write time.
 *
 * @example
 * ```ts
 * const entry: CacheEntry | undefined = await store.cache.get('etags', 'GET /products');
 * const headers = entry ? { 'if-none-match': String(entry.value) } : {};
 * ```
 */
export interface CacheEntry {
  value: JsonValue;
  storedAt: EpochMs;
  expiresAt: EpochMs | null;
}

/**
 * ETags, last-known-good values and the like.
 *
 * @example
 * ```ts
 * await store.cache.set('etags', 'GET /products', res.headers.etag, { ttlMs: 86_400_000 });
 * const cached = await store.cache.get('etags', 'GET /products');
 * ```
 */
export interface CacheRepo {
  get(namespace: string, key: string, now?: EpochMs): Promise<CacheEntry | undefined>;
  set(
    namespace: string,
    key: string,
    value: JsonValue,
    opts?: { ttlMs?: number; now?: EpochMs },
  ): Promise<void>;
  delete(namespace: string, key: string): Promise<void>;
}

// ───────────────────────── policy state and leases ─────────────────────────

/**
 * A versioned state document (breaker, limiter).
 *
 * @example
 * ```ts
 * const state: VersionedState | undefined = await store.policyState.get('breaker:crm-api');
 * const open = (state?.value as { state?: string } | undefined)?.state === 'open';
 * ```
 */
export interface VersionedState {
  value: JsonValue;
  version: number;
  updatedAt: EpochMs;
}

/**
 * Shared state for stateful policies, updated by compare-and-set.
 *
 * @example
 * ```ts
 * const current = await store.policyState.get('breaker:crm-api');
 * const next = await store.policyState.compareAndSet('breaker:crm-api', current?.version ?? 0, { state: 'open' });
 * if (next === undefined) {
 *   // another process changed it first: re-read and decide again
 * }
 * ```
 */
export interface PolicyStateRepo {
  get(key: string): Promise<VersionedState | undefined>;
  /**
   * Writes `value` if the stored version is `expectedVersion` (0 = absent).
   * Returns the new version, or `undefined` when someone else won.
   */
  compareAndSet(
    key: string,
    expectedVersion: number,
    value: JsonValue,
  ): Promise<number | undefined>;
  list(prefix?: string): Promise<Array<VersionedState & { key: string }>>;
}

/**
 * Named leases: one holder at a time across every process sharing the store.
 *
 * @example
 * ```ts
 * if (await store.leases.acquire('scheduler', 'host-a:4121', 30_000)) {
 *   try {
 *     await runDueSchedules();
 *   } finally {
 *     await store.leases.release('scheduler', 'host-a:4121');
 *   }
 * }
 * ```
 */
export interface LeaseRepo {
  /** Acquires or renews (when `owner` already holds it) the lease. */
  acquire(name: string, owner: string, ttlMs: number, now?: EpochMs): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
  holder(name: string, now?: EpochMs): Promise<{ owner: string; until: EpochMs } | undefined>;
}

// ───────────────────────── the store ─────────────────────────

/**
 * Everything Patchbay keeps. Obtain one with `openSqliteStore()` (embedded
 * default) or, later, the PostgreSQL store.
 *
 * @example
 * ```ts
 * import { openSqliteStore } from 'patchbay/store/sqlite';
 * const store = await openSqliteStore({ path: '.patchbay/state.db' });
 * await store.checkpoints.set('gps-positions', 'default', { kind: 'cursor', value: 'abc' });
 * await store.close();
 * ```
 */
export interface Store {
  readonly kind: string;
  readonly inbox: InboxRepo;
  readonly outbox: OutboxRepo;
  readonly idempotency: IdempotencyRepo;
  readonly checkpoints: CheckpointRepo;
  readonly deadLetters: DeadLetterRepo;
  readonly rejects: RejectRepo;
  readonly audit: AuditRepo;
  readonly runs: RunRepo;
  readonly crosswalk: CrosswalkRepo;
  readonly cache: CacheRepo;
  readonly policyState: PolicyStateRepo;
  readonly leases: LeaseRepo;
  /** Cheap liveness probe used by `/readyz`. Rejects when the store cannot take writes. */
  ping(): Promise<void>;
  /** Flushes pending durable writes and closes. Idempotent. */
  close(): Promise<void>;
}
