/**
 * `patchbay mapping types <doc>` and `patchbay mapping test <doc> <sample>`:
 * the output type of a mapping document, and a dry run of it over sample
 * records (JSON, JSON Lines, CSV, XML) showing the output and the rejects,
 * through the same step code a run uses (masking included). Neither needs a
 * project or a store.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import type { StepContext } from '../../core/integration.js';
import { compileMapping } from '../../mapping/compile.js';
import type { LoadOptions } from '../../mapping/document.js';
import { loadMapping } from '../../mapping/load.js';
import { loadModels } from '../../mapping/models.js';
import type { UserTransform } from '../../mapping/transforms/types.js';
import { mappingStep, REJECT_SINK } from '../../mapping/step.js';
import { mappingTypes } from '../../mapping/types.js';
import type { RejectAdd, Store } from '../../store/types.js';
import { ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';
import { readSamples } from './mapping-samples.js';

/**
 * Loads named TypeScript (or JavaScript) transforms for `--functions`: every
 * exported function, plus the functions of a default-exported object.
 *
 * @example
 * ```ts
 * const functions = await loadFunctions('mappings/functions.ts'); // { vin: [Function] }
 * ```
 */
export async function loadFunctions(file: string): Promise<Record<string, UserTransform>> {
  if (/\.[mc]?ts$/.test(file) && !process.env['VITEST']) {
    // The CLI runs compiled JavaScript; tsx lets it import a .ts module as-is.
    const { register } = await import('tsx/esm/api');
    register();
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
  } catch (err) {
    throw usageError(`cannot load functions from ${file}: ${(err as Error).message}`);
  }
  const out: Record<string, UserTransform> = {};
  const fromDefault =
    mod['default'] !== null && typeof mod['default'] === 'object'
      ? (mod['default'] as Record<string, unknown>)
      : {};
  for (const [name, value] of [...Object.entries(fromDefault), ...Object.entries(mod)]) {
    if (typeof value === 'function' && name !== 'default') out[name] = value as UserTransform;
  }
  if (Object.keys(out).length === 0) {
    throw usageError(
      `${file} exports no functions`,
      'export each transform by name: export function vin(value) { ... }',
    );
  }
  return out;
}

/** A store with nothing in it: `mapping test` runs without a project. Crosswalk lookups miss. */
const noStore = {
  crosswalk: undefined,
  cache: {
    get: async () => undefined,
    set: async () => {},
    delete: async () => {},
  },
} as unknown as Store;

/**
 * Maps sample records with a document; returns outputs and rejects (masked).
 *
 * @example
 * ```ts
 * const { records, rejects } = await testMapping('employee.yaml', [{ dob: '19900131' }], { functions });
 * ```
 */
export async function testMapping(
  file: string,
  samples: readonly unknown[],
  options: LoadOptions = {},
): Promise<{ records: unknown[]; rejects: Array<RejectAdd & { index: number }> }> {
  const step = mappingStep(compileMapping(loadMapping(file, options)));
  const run = typeof step === 'function' ? step : step.run;
  const records: unknown[] = [];
  const rejects: Array<RejectAdd & { index: number }> = [];
  const logger = pino({ level: 'silent' });
  for (const [index, sample] of samples.entries()) {
    const ctx = {
      integrationId: 'mapping-test',
      store: noStore,
      logger,
      sourceKey: `#${index + 1}`,
      mode: 'live',
      [REJECT_SINK]: (r: RejectAdd) => void rejects.push({ ...r, index }),
    } as unknown as StepContext;
    const out = await run(sample, ctx);
    if (out !== null && out !== undefined) records.push(out);
  }
  return { records, rejects };
}

/**
 * Registers `patchbay mapping types` and `patchbay mapping test`.
 *
 * @example
 * ```ts
 * registerMapping(root, io, (code) => (exitCode = code));
 * ```
 */
export function registerMapping(root: Root, io: CliIo, done: Done): void {
  const mapping = root
    .command('mapping')
    .summary('inspect and try mapping documents')
    .description(
      'Mapping documents: the TypeScript type of their output, and dry runs over samples.',
    );

  mapping
    .command('types')
    .summary('print the TypeScript type of a mapping document’s output')
    .description(
      'Print (or write) a TypeScript interface for the records a mapping document produces.',
    )
    .argument('<doc>', 'mapping document (YAML)')
    .option('--name <TypeName>', 'interface name (default: produces:, else the document name)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option(
      '--models <dir>',
      'canonical models (<name>.v<n>.json) for produces: { model, version }',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay mapping types mappings/employee.yaml\n  patchbay mapping types mappings/employee.yaml --out src/types/employee.ts',
    )
    .action((doc, opts) => {
      const models = opts.models ? { models: loadModels(opts.models) } : {};
      const text = mappingTypes(loadMapping(doc, models), opts.name);
      if (opts.out) {
        writeFileSync(opts.out, text);
        print(io, `wrote ${opts.out}`);
      } else {
        io.stdout.write(text);
      }
      done(ExitCode.Ok);
    });

  mapping
    .command('test')
    .summary('map sample records and print the output and the rejects')
    .description(
      'Map sample records (JSON array or object, JSON Lines, CSV/TSV with a header line, or XML) and print each output record and each reject with its line, field, rule and (masked) value. CSV and XML are read by the file connector’s parsers. Exits 1 when any record was rejected or could not be read.',
    )
    .argument('<doc>', 'mapping document (YAML)')
    .argument('<sample>', 'sample records: .json, .jsonl, .ndjson, .csv, .tsv or .xml')
    .option(
      '--functions <module>',
      'module exporting the named TypeScript transforms the document uses',
    )
    .option('--delimiter <char>', 'CSV delimiter (default: tab for .tsv; ; or , from the header)')
    .option('--record-path <path>', 'XML element path of one record (default: Root/FirstChild)')
    .option(
      '--models <dir>',
      'canonical models (<name>.v<n>.json) for produces: { model, version }',
    )
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay mapping test mappings/employee.yaml samples/employees.json\n  patchbay mapping test mappings/employee.yaml samples/PA0002.csv --delimiter ";"\n  patchbay mapping test mappings/order.yaml samples/orders.xml --record-path Orders/Order --functions mappings/functions.ts',
    )
    .action(async (doc, sample, opts) => {
      const functions = opts.functions ? await loadFunctions(opts.functions) : undefined;
      const samples = await readSamples(sample, {
        delimiter: opts.delimiter,
        recordPath: opts.recordPath,
      });
      const good = samples.filter((s) => !s.error);
      const unreadable = samples.filter((s) => s.error);
      const mapped = await testMapping(
        doc,
        good.map((s) => s.record),
        {
          ...(functions ? { functions } : {}),
          ...(opts.models ? { models: loadModels(opts.models) } : {}),
        },
      );
      const rejects = [
        ...unreadable.map((s) => ({
          line: s.line,
          fieldPath: '',
          rule: s.error?.rule ?? 'parse',
          message: s.error?.message ?? '',
          value: null,
        })),
        ...mapped.rejects.map(({ index, ...r }) => ({ line: good[index]?.line ?? 0, ...r })),
      ].sort((a, b) => a.line - b.line);
      const { records } = mapped;
      if (opts.json) {
        printJson(io, { mapped: records.length, rejected: rejects.length, records, rejects });
      } else {
        print(
          io,
          `${records.length} of ${samples.length} records mapped, ${rejects.length} rejected`,
        );
        for (const r of records) print(io, JSON.stringify(r));
        for (const r of rejects) {
          print(
            io,
            `reject ${sample}:${r.line}  ${r.fieldPath || '(record)'}  ${r.rule}: ${r.message}  value=${JSON.stringify(r.value)}`,
          );
        }
      }
      done(rejects.length > 0 ? ExitCode.Failed : ExitCode.Ok);
    });
}
