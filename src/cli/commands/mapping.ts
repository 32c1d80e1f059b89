/**
 * `patchbay mapping types <doc>` and `patchbay mapping test <doc> <sample>`:
 * the output type of a mapping document, and a dry run of it over sample
 * records showing the output and the rejects, through the same step code a
 * run uses (masking included). Neither needs a project or a store.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import pino from 'pino';
import type { StepContext } from '../../core/integration.js';
import { compileMapping } from '../../mapping/compile.js';
import { loadMapping } from '../../mapping/load.js';
import { mappingStep, REJECT_SINK } from '../../mapping/step.js';
import { mappingTypes } from '../../mapping/types.js';
import type { RejectAdd, Store } from '../../store/types.js';
import { ExitCode, usageError } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { print, printJson } from '../output.js';
import type { Done, Root } from '../program.js';

/**
 * Reads sample records: `.json` (an array or one object) or `.jsonl`/`.ndjson`.
 *
 * @example
 * ```ts
 * const records = readSamples('samples/employees.jsonl');
 * ```
 */
export function readSamples(file: string): unknown[] {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.xml') {
    throw usageError(
      `mapping test: ${ext.slice(1).toUpperCase()} samples are not supported yet`,
      'convert the sample to JSON or JSON Lines',
    );
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read sample ${file}: ${(err as Error).message}`);
  }
  try {
    if (ext === '.jsonl' || ext === '.ndjson') {
      return text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as unknown);
    }
    const data = JSON.parse(text) as unknown;
    return Array.isArray(data) ? data : [data];
  } catch (err) {
    throw usageError(`sample ${file} is not valid JSON: ${(err as Error).message}`);
  }
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
 * const { records, rejects } = await testMapping('employee.yaml', [{ dob: '19900131' }]);
 * ```
 */
export async function testMapping(
  file: string,
  samples: readonly unknown[],
): Promise<{ records: unknown[]; rejects: Array<RejectAdd & { index: number }> }> {
  const step = mappingStep(compileMapping(loadMapping(file)));
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
    .addHelpText(
      'after',
      '\nExamples:\n  patchbay mapping types mappings/employee.yaml\n  patchbay mapping types mappings/employee.yaml --out src/types/employee.ts',
    )
    .action((doc, opts) => {
      const text = mappingTypes(loadMapping(doc), opts.name);
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
      'Map sample records (JSON array or object, or JSON Lines) and print each output record and each reject with field, rule and (masked) value. Exits 1 when any record was rejected.',
    )
    .argument('<doc>', 'mapping document (YAML)')
    .argument('<sample>', 'sample records: .json, .jsonl or .ndjson')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExample:\n  patchbay mapping test mappings/employee.yaml samples/employees.json',
    )
    .action(async (doc, sample, opts) => {
      const samples = readSamples(sample);
      const { records, rejects } = await testMapping(doc, samples);
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
            `reject #${r.index + 1}  ${r.fieldPath || '(record)'}  ${r.rule}: ${r.message}  value=${JSON.stringify(r.value)}`,
          );
        }
      }
      done(rejects.length > 0 ? ExitCode.Failed : ExitCode.Ok);
    });
}
