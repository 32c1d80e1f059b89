/**
 * Turns a declared integration into what the runtime executes: connector
 * configs parsed by their own schemas, durations in milliseconds, named
 * steps and a key function. All problems of all integrations are collected
 * so one start-up reports every mistake at once.
 */
import type { z } from 'zod';
import {
  isConnectorUse,
  type ConnectorSpec,
  type ConnectorUse,
  type SinkSession,
  type SourceSession,
} from '../core/connector.js';
import { configFailure, configIssues, type ConfigIssue } from '../core/config-issues.js';
import { parseDuration } from '../core/duration.js';
import { isPatchbayError, PatchbayError } from '../core/errors.js';
import {
  defineIntegration,
  isIntegration,
  stepName,
  type FunctionSink,
  type Integration,
  type IntegrationOptions,
  type Step,
  type StepFn,
  type BatchStepFn,
} from '../core/integration.js';
import { idempotencyKeyFunction } from './idempotency-key.js';
import { resolvePolicies } from '../policies/options.js';

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_RUN_MS = 15 * 60_000;

/** A connector ready to connect: its spec and its parsed config. */
export interface PreparedConnector<TSession> {
  spec: ConnectorSpec<z.ZodType, TSession>;
  config: unknown;
}

/** Composes the steps' masks; `undefined` when no step masks anything. */
function maskOf(steps: readonly Step[]): ((raw: unknown) => unknown) | undefined {
  const masks = steps.flatMap((s) => (typeof s !== 'function' && s.mask ? [s.mask] : []));
  if (masks.length === 0) return undefined;
  return (raw) => masks.reduce((value, mask) => mask(value), raw);
}

/**
 * An integration as the runtime executes it.
 *
 * @example
 * ```ts
 * const prepared: PreparedIntegration = prepareIntegration(ordersToWarehouse);
 * console.log(prepared.id, prepared.steps.map((s) => s.name), prepared.concurrency, prepared.maxItems);
 * const result = await executeRun(services, prepared, { trigger: 'manual' });
 * ```
 */
export interface PreparedIntegration {
  id: string;
  definition: Integration;
  source: PreparedConnector<SourceSession>;
  sink:
    | { kind: 'connector'; connector: PreparedConnector<SinkSession> }
    | { kind: 'function'; sink: FunctionSink };
  steps: Array<{ name: string; run: StepFn; batch?: BatchStepFn | undefined }>;
  /** Every step's `mask`, applied in order; for raw records stored as dead letters. */
  maskRaw: ((raw: unknown) => unknown) | undefined;
  keyOf: ((record: unknown) => string) | undefined;
  concurrency: number;
  maxItems: number;
  maxRunMs: number;
  freshnessMs: number | undefined;
}

function parseConnector<T>(
  use: ConnectorUse<T>,
  field: string,
  issues: ConfigIssue[],
): PreparedConnector<T> | undefined {
  const result = use.connector.config.safeParse(use.rawConfig);
  if (!result.success) {
    issues.push(...configIssues(result.error.issues, `${field}.config`));
    return undefined;
  }
  return { spec: use.connector, config: result.data };
}

function duration(value: unknown, field: string, issues: ConfigIssue[]): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDuration(value as string);
  } catch {
    issues.push({ field, expected: 'a duration like "30s"' });
    return undefined;
  }
}

/**
 * Prepares one integration, or throws a `config` error naming it, every bad
 * field and what is allowed.
 *
 * @example
 * ```ts
 * const prepared = prepareIntegration(ordersIntegration);
 * prepared.maxRunMs; // 900000 unless budget.maxDuration says otherwise
 * ```
 */
export function prepareIntegration(input: Integration | IntegrationOptions): PreparedIntegration {
  const definition = isIntegration(input) ? input : defineIntegration(input);
  const subject = `integration ${definition.id}`;
  const issues: ConfigIssue[] = [];

  const source = parseConnector(definition.source, 'source', issues);
  if (source && source.spec.direction !== 'source') {
    issues.push({
      field: 'source',
      expected: `a source connector (${source.spec.kind} is a sink)`,
    });
  }
  let sink: PreparedIntegration['sink'] | undefined;
  if (isConnectorUse(definition.sink)) {
    const connector = parseConnector(definition.sink as ConnectorUse<SinkSession>, 'sink', issues);
    if (connector && connector.spec.direction !== 'sink') {
      issues.push({
        field: 'sink',
        expected: `a sink connector (${connector.spec.kind} is a source)`,
      });
    }
    if (connector) sink = { kind: 'connector', connector };
  } else {
    sink = { kind: 'function', sink: definition.sink as FunctionSink };
  }
  const maxRunMs = duration(definition.budget?.maxDuration, 'budget.maxDuration', issues);
  try {
    resolvePolicies(definition.policies, definition.id);
  } catch (err) {
    if (!isPatchbayError(err)) throw err;
    const detail = err.details['field'];
    issues.push({
      field: typeof detail === 'string' ? detail : 'policies',
      expected: String(err.details['expected'] ?? err.message),
    });
  }
  const freshnessMs = duration(definition.freshness?.maxAge, 'freshness.maxAge', issues);

  if (issues.length > 0 || !source || !sink) throw configFailure(subject, issues);
  return {
    id: definition.id,
    definition,
    source,
    sink,
    steps: (definition.steps ?? []).map((step, i) => ({
      name: stepName(step, i),
      run: typeof step === 'function' ? step : step.run,
      batch: typeof step === 'function' ? undefined : step.batch,
    })),
    maskRaw: maskOf(definition.steps ?? []),
    keyOf: definition.idempotencyKey
      ? idempotencyKeyFunction(definition.idempotencyKey)
      : undefined,
    concurrency: definition.concurrency ?? DEFAULT_CONCURRENCY,
    maxItems: definition.budget?.maxItems ?? Number.POSITIVE_INFINITY,
    maxRunMs: maxRunMs ?? DEFAULT_MAX_RUN_MS,
    freshnessMs,
  };
}

/**
 * Prepares every integration of a project, reporting all mistakes together
 * and rejecting duplicate ids.
 *
 * @example
 * ```ts
 * const prepared = prepareAll([orders, positions]);
 * ```
 */
export function prepareAll(
  integrations: ReadonlyArray<Integration | IntegrationOptions>,
): PreparedIntegration[] {
  const errors: string[] = [];
  const prepared: PreparedIntegration[] = [];
  const seen = new Set<string>();
  for (const integration of integrations) {
    const id = (integration as { id?: unknown }).id;
    if (typeof id === 'string') {
      if (seen.has(id)) errors.push(`integration ${id} is defined twice: ids must be unique`);
      seen.add(id);
    }
  }
  for (const integration of integrations) {
    try {
      prepared.push(prepareIntegration(integration));
    } catch (err) {
      errors.push(isPatchbayError(err) ? err.message : String(err));
    }
  }
  if (errors.length > 0) {
    throw new PatchbayError('config', errors.join('\n'), {
      code: 'INVALID_CONFIG',
      details: { errors },
    });
  }
  return prepared;
}
