/**
 * `mappingStep`: a mapping document (plus optional validation and drift
 * policy) as a pipeline step. A record that fails goes to the reject ledger
 * with its field, rule and masked value, and the step drops it, so the
 * batch goes on; only a broken store stops the run.
 */
import { PatchbayError } from '../core/errors.js';
import { stampModel, type ModelRef } from '../core/model-stamp.js';
import type { Step, StepContext } from '../core/integration.js';
import { recordDrift } from '../store/drift-log.js';
import { pauseIntegration } from '../store/pause-state.js';
import type { RejectAdd } from '../store/types.js';
import { compileMapping, type Mapper, type MapResult } from './compile.js';
import type { LoadOptions, MappingDocument } from './document.js';
import { DriftTracker, type DriftEvent, type DriftPolicy } from './drift.js';
import { loadMapping } from './load.js';
import { findMask, maskedInput, rawMasker, toReject } from './rejects.js';
import { toValidator, type ValidateSpec, type Validator } from './validate.js';

/**
 * Set on a step context to receive rejects instead of the store (the
 * `patchbay rejects retry` command uses it to re-drive through this same code).
 *
 * @example
 * ```ts
 * const ctx = { ...connectorContext(...), [REJECT_SINK]: (r: RejectAdd) => (captured = r) };
 * ```
 */
export const REJECT_SINK: unique symbol = Symbol.for('patchbay.rejectSink');

/**
 * The rule of a reject a step hands to {@link REJECT_SINK} when the record
 * cannot be re-driven at all (a windowed aggregation cannot take one record
 * back into windows that closed): `patchbay rejects retry` then leaves the
 * original reject as it is and lists it as skipped, with the message as why.
 *
 * @example
 * ```ts
 * sink({ ...reject, rule: NOT_REDRIVABLE, message: 'replay the source range instead' });
 * ```
 */
export const NOT_REDRIVABLE = 'not-redrivable';

/**
 * Options of {@link mappingStep}. Defaults: step name `map:<document name>`,
 * no extra validation (the document's own `validate:` still applies), drift off.
 *
 * @example
 * ```ts
 * const options: MappingStepOptions = { validate: z.object({ id: z.string() }), drift: 'alert' };
 * ```
 */
export interface MappingStepOptions extends LoadOptions {
  name?: string;
  /** JSON Schema, zod schema or function, checked on every output record. */
  validate?: ValidateSpec;
  /** Track the source shape and apply this policy to drift. Default: off. */
  drift?: DriftPolicy;
  /**
   * Called with drift events (metrics, custom alerting) under `alert` and
   * `pause`. With `alert`, `reject` or `pause`, drift is also recorded
   * durably in the store (see `recordDrift`), which the `schema-drift`
   * alert rule reads.
   */
  onDrift?: (events: DriftEvent[], ctx: StepContext) => void;
  /** Clock for the drift record, injectable for tests [Date.now]. */
  now?: () => number;
  /**
   * The key a reject is stored under; a later reject with the same key
   * replaces it. Default: the source item's key. When an earlier step splits
   * one item into several records, give a per-record key, or rejects of
   * the same item replace each other.
   */
  recordKey?: (record: unknown, ctx: StepContext) => string | undefined;
  /** Called after each reject is recorded (metrics). */
  onReject?: (reject: RejectAdd, ctx: StepContext) => void;
}

type RejectSink = (reject: RejectAdd) => void | Promise<void>;

function describeDrift(event: DriftEvent): string {
  const types = event.to ? ` (${event.from ?? 'new'} → ${event.to})` : '';
  return `${event.field} ${event.kind}${types}`;
}

function mapperOf(doc: string | MappingDocument | Mapper, options: LoadOptions): Mapper {
  if (typeof doc === 'string') return compileMapping(loadMapping(doc, options));
  if ('map' in doc && typeof doc.map === 'function') return doc;
  return compileMapping(doc as MappingDocument);
}

/**
 * A step that maps each record with a mapping document, compiled once when
 * the step is built. Failed records go to `store.rejects` (durable before the
 * step returns) and are dropped from the batch.
 *
 * @example
 * ```ts
 * import { defineIntegration } from 'patchbay';
 * import { mappingStep } from 'patchbay/mapping';
 * export default defineIntegration({
 *   id: 'employees', owner: 'hr-integrations', pattern: 'sql-extract',
 *   trigger: { type: 'schedule', every: '1h' },
 *   source: hrDatabase, sink: warehouse,
 *   steps: [mappingStep('mappings/employee.yaml', { drift: 'alert' })],
 * });
 * ```
 */
export function mappingStep(
  doc: string | MappingDocument | Mapper,
  options: MappingStepOptions = {},
): Step {
  const mapper = mapperOf(doc, options);
  const mapping = mapper.name;
  const validators: Validator[] = [];
  if (mapper.doc.schema) validators.push(toValidator(mapper.doc.schema));
  if (options.validate) validators.push(toValidator(options.validate));
  // The canonical model it produces: checked per record, and stamped on the output.
  const model = mapper.doc.model;
  const produces: ModelRef | undefined = model && { name: model.name, version: model.version };
  if (model) validators.push(toValidator(model.schema));
  const sensitiveTargets = mapper.doc.fields.filter((f) => f.sensitive).map((f) => f.target);
  const isSensitive = (path: string) =>
    sensitiveTargets.some(
      (t) => path === t || path.startsWith(`${t}.`) || path.startsWith(`${t}[`),
    );
  const maskRaw = rawMasker(mapper.doc);
  const masked = maskedInput(mapper.doc);
  const trackers = new Map<string, DriftTracker>();
  const now = options.now ?? Date.now;

  async function reject(
    ctx: StepContext,
    raw: unknown,
    failure: {
      fieldPath: string;
      rule: string;
      message: string;
      value: unknown;
      sensitive: boolean;
    },
  ): Promise<null> {
    const entry = toReject(
      {
        ...failure,
        integrationId: ctx.integrationId,
        mapping,
        recordKey: options.recordKey ? options.recordKey(raw, ctx) : ctx.sourceKey,
        raw,
        at: Date.now(),
      },
      maskRaw,
    );
    const sink = (ctx as StepContext & { [REJECT_SINK]?: RejectSink })[REJECT_SINK];
    if (sink) await sink(entry);
    else await ctx.store.rejects.add(entry);
    ctx.logger.warn(
      { mapping, itemKey: ctx.sourceKey, field: entry.fieldPath, rule: entry.rule },
      'record rejected',
    );
    options.onReject?.(entry, ctx);
    return null;
  }

  async function drift(record: unknown, ctx: StepContext): Promise<DriftEvent | undefined> {
    let tracker = trackers.get(ctx.integrationId);
    if (!tracker) {
      tracker = new DriftTracker(ctx.store.cache, ctx.integrationId, mapping);
      trackers.set(ctx.integrationId, tracker);
    }
    const policy = options.drift;
    // A replay of old data must not stop the live integration: it rejects instead.
    const pausing = policy === 'pause' && ctx.mode !== 'replay';
    const learn = policy === 'ignore' || policy === 'alert';
    const events = await tracker.observe(record, { learn });
    if (events.length === 0) return undefined;
    for (const e of events) ctx.recordDrift?.(e.kind, 1);
    if (policy !== 'ignore') {
      // Durable before the record moves on, so the alert engine (maybe in
      // another process) hears of drift even if this process dies next.
      await recordDrift(ctx.store.cache, ctx.integrationId, mapping, events, now());
    }
    if (policy === 'alert' || pausing) {
      ctx.logger.warn({ mapping, drift: events, pause: pausing }, 'source schema drift');
      options.onDrift?.(events, ctx);
    }
    if (pausing) return pause(ctx, tracker, record, events);
    return policy === 'reject' || policy === 'pause' ? events[0] : undefined;
  }

  /**
   * Pauses the integration, then learns the new shape so that the record,
   * read again after `patchbay resume`, passes. The thrown `config` error
   * stops the run without acknowledging the batch: nothing is lost.
   */
  async function pause(
    ctx: StepContext,
    tracker: DriftTracker,
    record: unknown,
    events: DriftEvent[],
  ): Promise<never> {
    const summary = events.map(describeDrift).join(', ');
    const reason = `source schema drift in mapping ${mapping}: ${summary}`;
    await pauseIntegration(ctx.store.cache, {
      integration: ctx.integrationId,
      by: 'drift',
      reason,
      at: now(),
    });
    await tracker.observe(record, { learn: true });
    throw new PatchbayError('config', `${ctx.integrationId} paused: ${reason}`, {
      code: 'INTEGRATION_PAUSED',
    });
  }

  async function run(record: unknown, ctx: StepContext): Promise<unknown> {
    // A re-drive scans the whole record: the fix may have dropped `sensitive`.
    const redrive =
      (ctx as StepContext & { [REJECT_SINK]?: RejectSink })[REJECT_SINK] !== undefined;
    const maskedField = redrive ? findMask(record) : masked(record);
    if (maskedField !== undefined) {
      return reject(ctx, record, {
        fieldPath: maskedField,
        rule: 'masked-input',
        message: `${maskedField} was stored masked; re-read the record from the source (patchbay replay) instead`,
        value: null,
        sensitive: true,
      });
    }
    if (options.drift) {
      const event = await drift(record, ctx);
      if (event) {
        return reject(ctx, record, {
          fieldPath: event.field,
          rule: `drift:${event.kind}`,
          message: `source field ${describeDrift(event)}`,
          value: null,
          sensitive: false,
        });
      }
    }
    const out = mapper.map(record, { crosswalk: ctx.store.crosswalk });
    const result: MapResult = mapper.async ? await out : (out as MapResult);
    if (!result.ok) return reject(ctx, record, result.failure);
    for (const validate of validators) {
      const issue = validate(result.value);
      if (issue) return reject(ctx, record, { ...issue, sensitive: isSensitive(issue.fieldPath) });
    }
    return produces ? stampModel(result.value, produces) : result.value;
  }

  // The runtime masks dead letters with it: the same source paths as rejects.
  // `produces` lets `patchbay registry` list which integration produces which model version.
  const step = { name: options.name ?? `map:${mapping}`, run, mask: maskRaw, produces };
  return step;
}
