/**
 * Reading a mapping document: YAML with positions, so every mistake names
 * the file, the line and the field. All mistakes are collected and reported
 * in one error, the way `patchbay check` reports a project.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { LineCounter, isMap, isScalar, parseDocument, type Node, type YAMLMap } from 'yaml';
import { PatchbayError } from '../core/errors.js';
import type { JsonValue } from '../core/json-safe.js';
import { resolveDocument, type LoadOptions, type MappingDocument } from './document.js';

/**
 * One mistake in a mapping document.
 *
 * @example
 * ```ts
 * const issue: MappingIssue = { file: 'employee.yaml', line: 7, column: 5, field: 'fields[2].transform', message: 'unknown transform "dat"' };
 * ```
 */
export interface MappingIssue {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

/**
 * Where things are in the YAML source: used by the resolver to attach a
 * line to each issue.
 *
 * @example
 * ```ts
 * const at = locator.at(fieldNode, 'transform'); // { line: 7, column: 5 }
 * ```
 */
export class Locator {
  readonly #lines: LineCounter;
  constructor(lines: LineCounter) {
    this.#lines = lines;
  }
  /** Position of `key` in `node` (a map), else of the node itself. */
  at(node: unknown, key?: string): { line: number; column: number } {
    let target = node as Node | undefined;
    if (key !== undefined && isMap(node)) {
      const pair = (node as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === key);
      if (pair) target = pair.key as Node;
    }
    const offset = target?.range?.[0] ?? 0;
    const pos = this.#lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  }
}

function fail(file: string, issues: MappingIssue[]): PatchbayError {
  const lines = issues.map((i) => `  ${i.file}:${i.line}:${i.column}: ${i.field}: ${i.message}`);
  return new PatchbayError(
    'config',
    `mapping ${file} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    { code: 'MAPPING_INVALID', details: { file, issues: issues as unknown as JsonValue } },
  );
}

/**
 * Parses and checks a mapping document from text. Throws a `config` error
 * (code `MAPPING_INVALID`) listing every problem with file, line and field;
 * malformed YAML is reported the same way.
 *
 * @example
 * ```ts
 * const doc = parseMapping('- { source: dob, target: date_of_birth, transform: date, format: "%d.%m.%Y" }', { file: 'employee.yaml' });
 * ```
 */
export function parseMapping(
  text: string,
  options: LoadOptions & { file?: string } = {},
): MappingDocument {
  const file = options.file ?? '<inline>';
  const lines = new LineCounter();
  const yaml = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (yaml.errors.length > 0) {
    const source = text.split('\n');
    throw fail(
      file,
      // The first errors locate the mistake; the rest are usually its echoes.
      yaml.errors.slice(0, 3).map((e) => {
        const line = e.linePos?.[0].line ?? 1;
        // The classic slip: an unquoted `a[0].b` inside `{ ... }`, where [ starts a list.
        const hint = /[{,]\s*\w+:\s*[^"'\s,{}]+\[\d+\]/.test(source[line - 1] ?? '')
          ? ' (inside { ... } quote paths with [n]: target: "phones[0].value")'
          : '';
        return {
          file,
          line,
          column: e.linePos?.[0].col ?? 1,
          field: '(yaml)',
          message: `malformed YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}${hint}`,
        };
      }),
    );
  }
  const issues: MappingIssue[] = [];
  const locator = new Locator(lines);
  const root = yaml.contents;
  const name = basename(file, extname(file)) || 'mapping';
  const doc = resolveDocument(root, yaml.toJS({ maxAliasCount: 100 }) as unknown, {
    ...options,
    file,
    defaultName: name,
    baseDir: options.baseDir ?? (options.file ? dirname(resolve(options.file)) : process.cwd()),
    report: (node, key, field, message) => {
      const at = locator.at(node, key);
      issues.push({ file, ...at, field, message });
    },
    lineOf: (node) => locator.at(node).line,
  });
  if (issues.length > 0) throw fail(file, issues);
  return doc;
}

/**
 * Reads, checks and prepares a mapping document from a YAML file. Relative
 * `file:` options (lookup tables, schemas) resolve against its folder.
 *
 * @example
 * ```ts
 * import { loadMapping, compileMapping } from 'patchbay/mapping';
 * const doc = loadMapping('mappings/employee.yaml', { functions: { vin: (v) => String(v).toUpperCase() } });
 * const map = compileMapping(doc);
 * ```
 */
export function loadMapping(file: string, options: LoadOptions = {}): MappingDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PatchbayError('config', `cannot read mapping ${file}: ${(err as Error).message}`, {
      code: 'MAPPING_NOT_FOUND',
      cause: err,
      details: { file },
    });
  }
  return parseMapping(text, { ...options, file });
}
