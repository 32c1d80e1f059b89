/**
 * Aggregations declared in YAML, checked at load with file and line:
 *
 * ```yaml
 * aggregate: parcels-per-depot          # the name
 * key: [depot, currency]                # a path, a list, or { output: path }
 * within: { window: 5m, eventTime: scanned_at, lateness: 1m, closeIdle: 15m }   # or: batch
 * reduce:
 *   parcels: count
 *   weight_kg: sum(weight_kg)
 *   last_scan: max(scanned_at)
 * id: scan_id                           # optional record identity
 * ```
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isMap, LineCounter, parseDocument, type YAMLMap } from 'yaml';
import { PatchbayError } from '../../core/errors.js';
import type { JsonValue } from '../../core/json-safe.js';
import { Locator, type MappingIssue } from '../load.js';
import { parseReducer } from './reducers.js';
import { compileAggregation, type AggregateOptions } from './spec.js';

const KEYS = new Set(['aggregate', 'key', 'within', 'reduce', 'id', 'keepClosed', 'description']);

function invalid(file: string, issues: MappingIssue[]): PatchbayError {
  const lines = issues.map((i) => `  ${i.file}:${i.line}:${i.column}: ${i.field}: ${i.message}`);
  return new PatchbayError('config', `aggregation ${file} is invalid:\n${lines.join('\n')}`, {
    code: 'AGGREGATION_INVALID',
    details: { file, issues: issues as unknown as JsonValue },
  });
}

/**
 * Parses and checks an aggregation document; throws a `config` error (code
 * `AGGREGATION_INVALID`) naming file, line and field of every problem.
 *
 * @example
 * ```ts
 * const options = parseAggregation('aggregate: totals\nkey: sku\nwithin: batch\nreduce: { qty: sum(qty) }');
 * ```
 */
export function parseAggregation(text: string, file = '<inline>'): AggregateOptions {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const locator = new Locator(lines);
  const issues: MappingIssue[] = [];
  const report = (node: unknown, key: string | undefined, field: string, message: string) =>
    issues.push({ file, ...locator.at(node, key), field, message });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const at = e?.linePos?.[0];
    throw invalid(file, [
      {
        file,
        line: at?.line ?? 1,
        column: at?.col ?? 1,
        field: '(yaml)',
        message: `malformed YAML: ${(e?.message ?? '').split('\n')[0]}`,
      },
    ]);
  }
  const root = doc.contents;
  if (!isMap(root))
    throw invalid(file, [
      {
        file,
        line: 1,
        column: 1,
        field: '(root)',
        message: 'expected a map with aggregate, key, within, reduce',
      },
    ]);
  const js = doc.toJS() as Record<string, unknown>;
  for (const k of Object.keys(js)) {
    if (!KEYS.has(k)) report(root, k, k, `unknown key; allowed: ${[...KEYS].join(', ')}`);
  }
  for (const k of ['key', 'within', 'reduce']) {
    if (js[k] === undefined) report(root, undefined, k, `${k} is required`);
  }
  const reduce = js['reduce'];
  const reduceNode = (root as YAMLMap).get('reduce', true);
  if (
    reduce !== undefined &&
    (reduce === null || typeof reduce !== 'object' || Array.isArray(reduce))
  ) {
    report(root, 'reduce', 'reduce', 'expected a map of output field: count | op(field)');
  } else if (reduce) {
    for (const [name, spec] of Object.entries(reduce)) {
      const parsed = typeof spec === 'string' ? parseReducer(spec) : 'expected count or op(field)';
      if (typeof parsed === 'string') report(reduceNode, name, `reduce.${name}`, parsed);
    }
  }
  const options = {
    name: js['aggregate'] === undefined ? basename(file, extname(file)) : String(js['aggregate']),
    key: js['key'],
    within: js['within'],
    reduce: (reduce ?? {}) as Record<string, string>,
    id: js['id'],
    keepClosed: js['keepClosed'],
  } as AggregateOptions;
  if (issues.length === 0) {
    try {
      compileAggregation(options);
    } catch (err) {
      const message = (err as Error).message.replace(/^aggregateStep: /, '');
      const field = /^(\w+)/.exec(message)?.[1] ?? 'aggregate';
      report(root, KEYS.has(field) ? field : undefined, field, message);
    }
  }
  if (issues.length > 0) throw invalid(file, issues);
  return options;
}

/**
 * Reads and checks an aggregation document from a YAML file.
 *
 * @example
 * ```ts
 * const step = aggregateStep(loadAggregation('aggregations/parcels-per-depot.yaml'));
 * ```
 */
export function loadAggregation(file: string): AggregateOptions {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PatchbayError(
      'config',
      `cannot read aggregation ${file}: ${(err as Error).message}`,
      {
        code: 'AGGREGATION_NOT_FOUND',
        cause: err,
      },
    );
  }
  return parseAggregation(text, file);
}
