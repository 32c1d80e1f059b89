/**
 * `filedrop.csv.e2e`: rows per second for an ERP billing export (CSV) through
 * the real file-drop pipeline — pickup, claim, raw archive, hash, ledger,
 * streamed parse, a compiled mapping document, JSON Schema validation and a
 * batched load into a SQLite staging table — against csv-parse alone reading
 * the same file, in the same run, interleaved.
 *
 * The file is generated at run time (`BENCH_FILEDROP_ROWS` rows, default
 * 100,000, about 15 MiB): semicolon-delimited with a trailing delimiter and
 * CRLF, YYYYMMDD dates with `00000000` and empty for "no date", decimal
 * commas with thousands dots and trailing minus signs, quoted texts holding
 * the delimiter, leading-zero ids, empty fields meaning null.
 *
 * Variants:
 * - baseline: csv-parse 7 (`columns: true`, `;`, BOM stripped) streaming the
 *   file into record objects, nothing else;
 * - the file-drop CSV parser alone (`readFile`: decode, parse, batch), to
 *   show where the end-to-end time goes;
 * - a real runtime run: `file-drop` (readiness `rename`) → `mappingStep`
 *   (17 fields) with a JSON Schema → `sql-upsert` (SQLite, batches of 500,
 *   a staging table with only its primary key), with the state store,
 *   checkpoints per batch and the file ledger any run has. Runtime and store
 *   are created before the timer starts; copying the file into the drop is
 *   not timed. Every run checks that every row arrived in the table and
 *   that nothing was rejected. Measured twice: with the default batch size
 *   (500 records: one checkpoint commit and one target transaction per
 *   batch) and with batches of 5000, as a bulk load would be configured.
 *
 *   npx tsx bench/run.ts filedrop.csv.e2e
 *
 * Environment: BENCH_FILEDROP_ROWS (default 100000), BENCH_FILEDROP_BATCH
 * (file-drop batch size, default 500), BENCH_TMPDIR, BENCH_REPEATS.
 */
import { once } from 'node:events';
import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse';
import { pino } from 'pino';
import type { ReadContext } from '../../src/core/connector.js';
import { defineIntegration } from '../../src/core/integration.js';
import { fileDropConfig } from '../../src/connectors/file/config.js';
import { fileDrop } from '../../src/connectors/file/index.js';
import { readFile } from '../../src/connectors/file/read-file.js';
import { sqlUpsert } from '../../src/connectors/sql/index.js';
import { parseMapping } from '../../src/mapping/load.js';
import { mappingStep } from '../../src/mapping/step.js';
import { createRuntime } from '../../src/runtime/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Sample, Scenario, Variant } from '../harness.js';

/** The mapping document under test: what a team would write for this export. */
export const BILLING_MAPPING = `
name: billing-item
version: 1
produces: BillingItem
emptyAsNull: true
fields:
  - { source: BUKRS, target: company, transform: id, width: 4, required: true }
  - { source: VBELN, target: document, transform: id, width: 10, required: true }
  - { source: POSNR, target: item, transform: id, width: 6, required: true }
  - { source: KUNAG, target: customer, transform: id, width: 10, required: true }
  - { source: MATNR, target: material, transform: [trim, upper] }
  - { source: ARKTX, target: description, transform: trim }
  - { source: FKDAT, target: billing_date, transform: sap-date, required: true }
  - { source: VALDT, target: value_date, transform: sap-date }
  - { source: FKIMG, target: quantity, transform: decimal, separator: ",", scale: 3 }
  - { source: VRKME, target: unit, transform: upper, default: ST }
  - { source: NETWR, target: net_value, transform: decimal, separator: ",", scale: 2, required: true }
  - { source: MWSBP, target: tax, transform: decimal, separator: ",", scale: 2 }
  - { source: WAERK, target: currency, transform: upper, default: EUR }
  - source: WERKS
    target: plant
    transform: lookup
    table: { "1000": Hamburg, "1100": Berlin, "1200": Wien, "2000": Zürich, "3000": Lyon }
  - { source: FKART, target: kind, transform: enum, map: { F2: invoice, G2: credit, L2: debit, S1: cancellation } }
  - { source: FKSTO, target: cancelled, transform: boolean }
  - { source: AEDAT, target: changed_on, transform: sap-date }
`;

/** Checked on every mapped record (ajv, compiled once). */
export const BILLING_SCHEMA = {
  type: 'object',
  required: ['company', 'document', 'item', 'customer', 'billing_date', 'net_value', 'currency'],
  properties: {
    company: { type: 'string', pattern: '^[0-9]{4}$' },
    document: { type: 'string', minLength: 10, maxLength: 10 },
    item: { type: 'string', minLength: 6, maxLength: 6 },
    customer: { type: 'string', maxLength: 10 },
    material: { type: ['string', 'null'], maxLength: 40 },
    description: { type: ['string', 'null'], maxLength: 200 },
    billing_date: { type: 'string', format: 'date' },
    value_date: { type: ['string', 'null'], format: 'date' },
    quantity: { type: ['string', 'null'], pattern: '^-?[0-9]+\\.[0-9]{3}$' },
    unit: { type: 'string', maxLength: 3 },
    net_value: { type: 'string', pattern: '^-?[0-9]+\\.[0-9]{2}$' },
    tax: { type: ['string', 'null'], pattern: '^-?[0-9]+\\.[0-9]{2}$' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    plant: { type: ['string', 'null'] },
    kind: { enum: ['invoice', 'credit', 'debit', 'cancellation', null] },
    cancelled: { type: ['boolean', 'null'] },
    changed_on: { type: ['string', 'null'], format: 'date' },
  },
  additionalProperties: false,
};

const TARGET_DDL = `CREATE TABLE billing_items (
  company TEXT NOT NULL, document TEXT NOT NULL, item TEXT NOT NULL, customer TEXT NOT NULL,
  material TEXT, description TEXT, billing_date TEXT NOT NULL, value_date TEXT,
  quantity TEXT, unit TEXT, net_value TEXT NOT NULL, tax TEXT, currency TEXT NOT NULL,
  plant TEXT, kind TEXT, cancelled INTEGER, changed_on TEXT,
  PRIMARY KEY (document, item)
)`;

/** The export's columns (SAP billing document item names). */
export const BILLING_COLUMNS = [
  'BUKRS',
  'VBELN',
  'POSNR',
  'KUNAG',
  'MATNR',
  'ARKTX',
  'FKDAT',
  'VALDT',
  'FKIMG',
  'VRKME',
  'NETWR',
  'MWSBP',
  'WAERK',
  'WERKS',
  'FKART',
  'FKSTO',
  'AEDAT',
];
const TEXTS = [
  'Stahlträger HEA 200',
  ' Euro-Palette 1200x800 ',
  'Schraube M8; verzinkt',
  'Kabelbinder schwarz',
  'Rohr "DN 50" 6 m',
  'Dichtung NBR',
  '',
];
const UNITS = ['ST', 'kg', 'M', '', 'L'];
const PLANTS = ['1000', '1100', '1200', '2000', '3000'];
const KINDS = ['F2', 'F2', 'F2', 'G2', 'L2', 'S1'];

function ymd(dayIndex: number): string {
  const d = new Date(Date.UTC(2024, 0, 1) + dayIndex * 86_400_000);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** `1234567` hundredths → `12.345,67` (German grouping), trailing minus when negative. */
function sapAmount(hundredths: number, decimals: number): string {
  const neg = hundredths < 0;
  const abs = Math.abs(hundredths);
  const unit = 10 ** decimals;
  const whole = Math.floor(abs / unit)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  const frac = String(abs % unit).padStart(decimals, '0');
  return `${whole},${frac}${neg ? '-' : ''}`;
}

/**
 * The field values of row `i` of the export, as the ERP writes them (in
 * {@link BILLING_COLUMNS} order): deterministic and varied.
 *
 * @example
 * ```ts
 * billingFields(0)[1]; // '0090000000'
 * ```
 */
export function billingFields(i: number): string[] {
  const negative = i % 11 === 0;
  const net = (i * 7919) % 5_000_000;
  return [
    i % 3 === 0 ? '2000' : '1000',
    String(90_000_000 + Math.floor(i / 5)).padStart(10, '0'),
    String(((i % 5) + 1) * 10).padStart(6, '0'),
    String(10_000 + (i % 4999)).padStart(10, '0'),
    i % 13 === 0 ? '' : ` mat-${4711 + (i % 800)}`,
    TEXTS[i % TEXTS.length],
    ymd(i % 700),
    i % 4 === 0 ? '00000000' : i % 4 === 1 ? '' : ymd((i % 700) + 30),
    sapAmount((((i * 31) % 900_000) + 1) * (negative ? -1 : 1), 3),
    UNITS[i % UNITS.length],
    sapAmount(negative ? -net : net, 2),
    i % 6 === 0 ? '' : sapAmount(Math.round((negative ? -net : net) * 0.19), 2),
    i % 7 === 0 ? '' : i % 2 === 0 ? 'EUR' : 'chf',
    PLANTS[i % PLANTS.length],
    KINDS[i % KINDS.length],
    i % 17 === 0 ? 'X' : '',
    ymd((i % 700) + 3),
  ] as string[];
}

const csvField = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One CSV data line (without its CRLF; with the trailing delimiter SAP writes), row `i`. */
export function billingLine(i: number): string {
  return `${billingFields(i).map(csvField).join(';')};`;
}

/**
 * Writes the ERP export (header + `rows` lines, UTF-8 BOM, CRLF) to `path`.
 *
 * @example
 * ```ts
 * await writeBillingCsv('/tmp/BILLING_20261117.csv', 1000);
 * ```
 */
export async function writeBillingCsv(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(`\uFEFF${BILLING_COLUMNS.join(';')};\r\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${billingLine(i)}\r\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
  return bytes;
}

const FILE_NAME = 'BILLING_20261117.csv';

function rowsWanted(): number {
  return Number(process.env['BENCH_FILEDROP_ROWS'] ?? 100_000);
}

function batchSize(): number {
  return Number(process.env['BENCH_FILEDROP_BATCH'] ?? 500);
}

/** Batch size of the tuned end-to-end variant: a bulk load with fewer, larger commits. */
const BULK_BATCH = 5000;

function dropConfig(dir: string, batch = batchSize()) {
  return {
    path: join(dir, 'drop'),
    archive: join(dir, 'archive'),
    patterns: ['BILLING_*.csv'],
    readiness: 'rename' as const,
    businessDate: { fromName: '_(?<date>\\d{8})\\.csv$', timeZone: 'Europe/Berlin' },
    format: { type: 'csv' as const, delimiter: ';' },
    batchSize: batch,
  };
}

/** The baseline: csv-parse alone, streaming the file into record objects. */
export async function csvParseOnly(file: string): Promise<number> {
  let n = 0;
  const parser = createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(
    parse({ delimiter: ';', columns: true, bom: true, relax_quotes: false }),
  );
  for await (const record of parser) if (record) n++;
  return n;
}

/** The file-drop parser alone (`readFile`: decode, parse, batch), no runtime. */
export async function fileDropParseOnly(file: string): Promise<number> {
  const cfg = fileDropConfig.parse(dropConfig('/nonexistent'));
  const ctx = {
    integrationId: 'bench',
    store: {
      rejects: {
        add: () => {
          throw new Error('unexpected reject');
        },
      },
    },
  } as unknown as ReadContext;
  let n = 0;
  const job = { key: `2026-11-17/${FILE_NAME}`, name: FILE_NAME, hash: '', path: file, after: 0 };
  for await (const batch of readFile(cfg, job, ctx, false)) n += batch.items.length;
  return n;
}

/**
 * Prepares a fresh drop, state store, target database and runtime for one
 * end-to-end run, and returns a function that runs it (the timed part).
 *
 * @example
 * ```ts
 * const e2e = await prepareEndToEnd('/tmp/BILLING.csv', dir); await e2e.run(); await e2e.loaded(); await e2e.close();
 * ```
 */
export async function prepareEndToEnd(
  file: string,
  dir: string,
  batch = batchSize(),
): Promise<{
  run: () => Promise<void>;
  loaded: () => Promise<number>;
  close: () => Promise<void>;
}> {
  const cfg = dropConfig(dir, batch);
  mkdirSync(cfg.path, { recursive: true });
  copyFileSync(file, join(cfg.path, FILE_NAME));
  const target = join(dir, 'target.db');
  const db = new Database(target);
  db.pragma('journal_mode = WAL');
  db.exec(TARGET_DDL);
  db.close();
  const store = await openSqliteStore({ path: join(dir, 'state.db') });
  const runtime = await createRuntime({
    store,
    logger: pino({ level: 'silent' }),
    integrations: [
      defineIntegration({
        id: 'bench-filedrop',
        owner: 'bench',
        pattern: 'file-drop',
        trigger: { type: 'manual' },
        source: fileDrop(cfg),
        steps: [
          mappingStep(parseMapping(BILLING_MAPPING, { file: 'billing-item.yaml' }), {
            validate: BILLING_SCHEMA,
          }),
        ],
        sink: sqlUpsert({
          dialect: 'sqlite',
          file: target,
          table: 'billing_items',
          key: ['document', 'item'],
        } as never),
        idempotencyKey: { fields: ['document', 'item'] },
        policies: { breaker: false },
      }),
    ],
  });
  return {
    async run() {
      const result = await runtime.run('bench-filedrop');
      if (result.status !== 'succeeded') {
        throw new Error(`filedrop.csv.e2e: run ${result.status}: ${JSON.stringify(result.error)}`);
      }
    },
    /** Rows in the target table; throws on any reject (the file is valid throughout). */
    async loaded() {
      const check = new Database(target, { readonly: true });
      const n = (check.prepare('SELECT COUNT(*) AS n FROM billing_items').get() as { n: number }).n;
      check.close();
      const rejects = await store.rejects.list('bench-filedrop');
      if (rejects.length > 0) {
        throw new Error(
          `filedrop.csv.e2e: ${rejects.length} rejects, first ${JSON.stringify(rejects[0])}`,
        );
      }
      return n;
    },
    async close() {
      await runtime.stop();
      await store.close();
    },
  };
}

/**
 * The `filedrop.csv.e2e` scenario.
 *
 * @example
 * ```ts
 * const result = await runScenario(filedropCsvE2e(), { log: console.log });
 * ```
 */
export function filedropCsvE2e(): Scenario {
  const rows = rowsWanted();
  const root = mkdtempSync(
    join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'patchbay-bench-filedrop-'),
  );
  const file = join(root, FILE_NAME);
  const params: Record<string, unknown> = {
    rows,
    batchSize: batchSize(),
    bulkBatchSize: BULK_BATCH,
    sinkBatchSize: 500,
    fields: BILLING_COLUMNS.length,
    clock: 'wall clock',
    target: 0.4,
  };
  let generated: Promise<void> | undefined;
  const ensureFile = () =>
    (generated ??= writeBillingCsv(file, rows).then((bytes) => {
      params['fileBytes'] = bytes;
    }));
  const expect = (name: string, n: number) => {
    if (n !== rows) throw new Error(`filedrop.csv.e2e / ${name}: ${n} of ${rows} rows`);
  };
  let runs = 0;
  const timed = async (name: string, fn: () => Promise<number>): Promise<Sample> => {
    await ensureFile();
    const start = performance.now();
    const n = await fn();
    const elapsedMs = performance.now() - start;
    expect(name, n);
    return { ops: n, elapsedMs };
  };
  const endToEnd = (name: string, batch: number): Variant => ({
    name,
    run: async () => {
      await ensureFile();
      const dir = join(root, `run-${++runs}`);
      const e2e = await prepareEndToEnd(file, dir, batch);
      try {
        const start = performance.now();
        await e2e.run();
        const elapsedMs = performance.now() - start;
        const n = await e2e.loaded();
        expect(name, n);
        return { ops: n, elapsedMs };
      } finally {
        await e2e.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  return {
    name: 'filedrop.csv.e2e',
    description: `rows/s, ERP CSV (${rows.toLocaleString('en-US')} rows) → map → validate → SQLite through file-drop, vs. csv-parse alone`,
    params,
    cases: [
      {
        name: `${rows} rows, 17 fields`,
        variants: [
          {
            name: 'csv-parse alone',
            baseline: true,
            run: () => timed('csv-parse', () => csvParseOnly(file)),
          },
          {
            name: 'file-drop parser alone (readFile)',
            run: () => timed('readFile', () => fileDropParseOnly(file)),
          },
          endToEnd(
            `file-drop → map → validate → sql-upsert (runtime run, batches of ${batchSize()})`,
            batchSize(),
          ),
          endToEnd(`same, batches of ${BULK_BATCH}`, BULK_BATCH),
        ],
      },
    ],
  };
}
