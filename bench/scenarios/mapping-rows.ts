/**
 * `mapping.rows`: records per second through a realistic compiled mapping
 * document (20 fields: an SAP-style employee extract with formatted,
 * SAP and OData dates, exact decimals with trailing minus and decimal
 * commas, an inline lookup table, an enum, booleans, ids whose leading
 * zeros must survive, nested targets, `emptyAsNull` and a default) against
 * a hand-written TypeScript function that produces byte-identical output,
 * in the same run, interleaved.
 *
 * Before anything is timed, both functions map every sample record and the
 * outputs are compared as JSON (key order included): the benchmark refuses
 * to run when they differ, so the ratio always compares equal work.
 *
 * The hand-written function uses Patchbay's exact-decimal helpers
 * (`parseDecimal`/`rescale`/`formatDecimal`) because money must not pass
 * through binary floating point and a team would use a decimal library for
 * that, not write one; everything else (dates, lookups, ids) is written out
 * by hand with regular expressions and object literals.
 *
 *   npx tsx bench/run.ts mapping.rows
 */
import { compileMapping, parseMapping } from '../../src/mapping/index.js';
import { formatDecimal, parseDecimal, rescale } from '../../src/mapping/decimal.js';
import type { Sample, Scenario } from '../harness.js';

/** The document under test: what a team would write for this extract. */
export const EMPLOYEE_MAPPING = `
name: employee
version: 3
produces: Employee
emptyAsNull: true
fields:
  - { source: PERNR, target: id, transform: id, width: 8, required: true }
  - { source: VORNA, target: name.first, transform: trim }
  - { source: NACHN, target: name.last, transform: [trim, upper], required: true }
  - { source: EMAIL, target: contact.email, transform: [trim, lower] }
  - { source: GBDAT, target: date_of_birth, transform: date, format: "%d.%m.%Y", required: true }
  - { source: BEGDA, target: employment.hired_on, transform: sap-date }
  - { source: ENDDA, target: employment.terminated_on, transform: sap-date }
  - { source: ANSAL, target: compensation.salary, transform: decimal, scale: 2 }
  - { source: BONUS, target: compensation.bonus, transform: decimal, separator: ",", scale: 2 }
  - { source: WAERS, target: compensation.currency, transform: upper, default: EUR }
  - source: ORGEH
    target: department
    transform: lookup
    table: { "10": Finance, "20": Sales, "30": Engineering, "40": People, "50": Legal }
  - { source: STAT2, target: status, transform: enum, map: { "1": inactive, "3": active, "0": terminated } }
  - { source: TEILK, target: full_time, transform: boolean }
  - { source: WOSTD, target: hours_per_week, transform: int }
  - { source: KOSTL, target: cost_center, transform: id, width: 10 }
  - { source: LAND1, target: address.country, transform: upper }
  - { source: ORT01, target: address.city, transform: trim }
  - { source: PSTLZ, target: address.postal_code, transform: id }
  - { source: AEDTM, target: updated_at, transform: odata-date }
  - { source: MGR, target: manager_id, transform: id, width: 8 }
`;

const FIRST = ['Ada', ' Grace', 'Alan ', 'Edsger', 'Barbara', 'Ken', 'Frances', 'Donald'];
const LAST = ['lovelace', 'Hopper ', ' turing', 'Dijkstra', 'liskov', 'thompson', 'Allen'];
const CITIES = ['Berlin', ' Hamburg', 'München ', 'Köln', 'Wien', 'Zürich'];

/** Deterministic, varied sample rows (empty strings, 00000000, trailing minus...). */
export function sampleRows(n: number): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < n; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    rows.push({
      PERNR: String(1000 + i),
      VORNA: FIRST[i % FIRST.length],
      NACHN: LAST[i % LAST.length],
      EMAIL: i % 9 === 0 ? '' : ` User${i}@Example.COM `,
      GBDAT: `${day}.${month}.${1960 + (i % 40)}`,
      BEGDA: `20${String(10 + (i % 15))}${month}${day}`,
      ENDDA: i % 5 === 0 ? `2025${month}${day}` : '00000000',
      ANSAL:
        i % 17 === 0
          ? `${1200 + i}.5-`
          : `${(45000 + i * 13).toLocaleString('en-US')}.${String(i % 100).padStart(2, '0')}5`,
      BONUS: i % 4 === 0 ? '' : `${i % 3000},${i % 10}5`,
      WAERS: i % 6 === 0 ? '' : 'chf',
      ORGEH: String(((i % 5) + 1) * 10),
      STAT2: ['1', '3', '3', '0'][i % 4],
      TEILK: i % 3 === 0 ? 'X' : '',
      WOSTD: String(20 + (i % 21)),
      KOSTL: String(4711 + (i % 50)),
      LAND1: i % 2 === 0 ? 'de' : 'at',
      ORT01: CITIES[i % CITIES.length],
      PSTLZ: `0${1000 + (i % 8999)}`,
      AEDTM: `/Date(${1_700_000_000_000 + i * 86_400_000})/`,
      MGR: i % 10 === 0 ? '' : String(900 + (i % 40)),
    });
  }
  return rows;
}

// ─── the hand-written equivalent ────────────────────────────────────────────

const DEPARTMENTS: Record<string, string> = {
  '10': 'Finance',
  '20': 'Sales',
  '30': 'Engineering',
  '40': 'People',
  '50': 'Legal',
};
const STATUS: Record<string, string> = { '1': 'inactive', '3': 'active', '0': 'terminated' };
const TRUE = new Set(['true', 'yes', 'y', '1', 'x', 'on', 't', 'j', 'ja']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'f', 'nein']);
const DMY = /^(\d{2})\.(\d{2})\.(\d{4})$/;
const SAP = /^(\d{4})(\d{2})(\d{2})$/;
const ODATA = /^\/Date\((-?\d{1,15})([+-]\d{4})?\)\/$/;
const INT = /^([+-])?(\d+)(-)?$/;

const blank = (v: unknown): v is null | undefined | '' => v === undefined || v === null || v === '';
const str = (v: unknown): string | null => (blank(v) ? null : String(v));
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
  return d <= days;
}

function isoDay(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

function dmy(v: unknown): string {
  const m = DMY.exec(String(v).trim());
  if (!m || !validDay(Number(m[3]), Number(m[2]), Number(m[1]))) throw new Error('GBDAT');
  return isoDay(Number(m[3]), Number(m[2]), Number(m[1]));
}

function sapDate(v: unknown): string | null {
  if (blank(v)) return null;
  const s = String(v).trim();
  if (s === '' || s === '00000000') return null;
  const m = SAP.exec(s);
  if (!m || !validDay(Number(m[1]), Number(m[2]), Number(m[3]))) throw new Error('sap date');
  return isoDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

function money(v: unknown, separator: '.' | ','): string | null {
  if (blank(v)) return null;
  const d = parseDecimal(String(v), separator);
  if (!d) throw new Error('decimal');
  return formatDecimal(rescale(d, 2));
}

function id(v: unknown, width?: number): string | null {
  if (blank(v)) return null;
  const s = String(v).trim();
  if (width !== undefined && s.length > width) throw new Error('id too long');
  return width === undefined ? s : s.padStart(width, '0');
}

function yesNo(v: unknown): boolean | null {
  if (blank(v)) return null;
  const s = String(v).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new Error('boolean');
}

function int(v: unknown): number | null {
  if (blank(v)) return null;
  const m = INT.exec(String(v).trim());
  if (!m || (m[1] && m[3])) throw new Error('int');
  const n = Number(m[2]) * (m[1] === '-' || m[3] ? -1 : 1);
  return n === 0 ? 0 : n;
}

function odata(v: unknown): string | null {
  if (blank(v)) return null;
  const m = ODATA.exec(String(v).trim());
  if (!m) throw new Error('odata');
  return new Date(Number(m[1])).toISOString();
}

function lookup(table: Record<string, string>, v: unknown): string | null {
  if (blank(v)) return null;
  const key = String(v);
  if (!Object.prototype.hasOwnProperty.call(table, key)) throw new Error(`${key} not in table`);
  return table[key] as string;
}

/**
 * The mapping written by hand, as a developer would without Patchbay: same
 * output for every sample row (checked before timing).
 */
export function handMapped(r: Record<string, unknown>): Record<string, unknown> {
  const last = str(r['NACHN']);
  if (last === null) throw new Error('NACHN required');
  if (blank(r['GBDAT'])) throw new Error('GBDAT required');
  const pernr = id(r['PERNR'], 8);
  if (pernr === null) throw new Error('PERNR required');
  const currency = str(r['WAERS']);
  return {
    id: pernr,
    name: { first: str(r['VORNA'])?.trim() ?? null, last: last.trim().toUpperCase() },
    contact: { email: str(r['EMAIL'])?.trim().toLowerCase() ?? null },
    date_of_birth: dmy(r['GBDAT']),
    employment: { hired_on: sapDate(r['BEGDA']), terminated_on: sapDate(r['ENDDA']) },
    compensation: {
      salary: money(r['ANSAL'], '.'),
      bonus: money(r['BONUS'], ','),
      currency: currency === null ? 'EUR' : currency.toUpperCase(),
    },
    department: lookup(DEPARTMENTS, r['ORGEH']),
    status: lookup(STATUS, r['STAT2']),
    full_time: yesNo(r['TEILK']),
    hours_per_week: int(r['WOSTD']),
    cost_center: id(r['KOSTL'], 10),
    address: {
      country: str(r['LAND1'])?.toUpperCase() ?? null,
      city: str(r['ORT01'])?.trim() ?? null,
      postal_code: id(r['PSTLZ']),
    },
    updated_at: odata(r['AEDTM']),
    manager_id: id(r['MGR'], 8),
  };
}

// ─── the benchmark ──────────────────────────────────────────────────────────

const ROWS = 1000;

function durationMs(): number {
  return Number(process.env['BENCH_DURATION_MS'] ?? 800);
}

/**
 * Maps the rows over and over for the run's duration; counts records. The
 * elapsed time is this process's CPU time, not wall time: both variants are
 * synchronous and single-threaded, and on a shared machine CPU time measures
 * the work done rather than how often the scheduler ran other tenants.
 */
function timed(
  mapOne: (r: Record<string, unknown>) => unknown,
  rows: Array<Record<string, unknown>>,
): Sample {
  // Warm up this variant's code so the JIT has optimised it before timing.
  for (let k = 0; k < 20; k++) for (const r of rows) mapOne(r);
  let ops = 0;
  let sink = 0;
  const cpu = process.cpuUsage();
  const deadline = performance.now() + durationMs();
  do {
    for (const r of rows) if (mapOne(r) !== undefined) sink++;
    ops += rows.length;
  } while (performance.now() < deadline);
  const used = process.cpuUsage(cpu);
  // Using the sink keeps the JIT from eliding calls whose result goes unused.
  if (sink !== ops) throw new Error('a record was not mapped');
  return { ops, elapsedMs: (used.user + used.system) / 1000 };
}

/**
 * Compiles the document and checks both sides agree on every row; throws
 * with the first differing row otherwise.
 */
export function prepare(rows = sampleRows(ROWS)): {
  compiled: (r: Record<string, unknown>) => unknown;
  rows: Array<Record<string, unknown>>;
} {
  const mapper = compileMapping(parseMapping(EMPLOYEE_MAPPING, { file: 'employee.yaml' }));
  if (mapper.async) throw new Error('mapping.rows: the document must compile to a sync mapper');
  const compiled = (r: Record<string, unknown>) => {
    const result = mapper.map(r) as { ok: boolean; value?: unknown; failure?: unknown };
    if (!result.ok) throw new Error(`row rejected: ${JSON.stringify(result.failure)}`);
    return result.value;
  };
  rows.forEach((r, i) => {
    const a = JSON.stringify(compiled(r));
    const b = JSON.stringify(handMapped(r));
    if (a !== b)
      throw new Error(
        `mapping.rows: outputs differ at row ${i}:\n  compiled ${a}\n  by hand  ${b}`,
      );
  });
  return { compiled, rows };
}

/**
 * The `mapping.rows` scenario.
 *
 * @example
 * ```ts
 * const result = await runScenario(mappingRows());
 * ```
 */
export function mappingRows(): Scenario {
  const { compiled, rows } = prepare();
  return {
    name: 'mapping.rows',
    description:
      'records/s through a compiled 20-field mapping document vs. hand-written TypeScript',
    params: {
      rows: ROWS,
      fields: 20,
      durationMs: durationMs(),
      clock: 'process CPU time',
      target: 0.8,
    },
    cases: [
      {
        name: '20 fields, 1,000 distinct rows',
        variants: [
          {
            name: 'hand-written TypeScript',
            baseline: true,
            run: () => Promise.resolve(timed(handMapped, rows)),
          },
          { name: 'compiled mapping document', run: () => Promise.resolve(timed(compiled, rows)) },
        ],
      },
    ],
  };
}
