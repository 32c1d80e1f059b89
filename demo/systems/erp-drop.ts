/**
 * The ERP's nightly export, simulated: a `LOADS_<YYYYMMDD>.csv` file per
 * business day written into a drop folder, with a `.done` marker once the
 * file is complete (as SAP's jobs do). A "night" passes every 10 s of demo
 * time. The files have the ERP's quirks: `;` separated, dates as YYYYMMDD,
 * credit notes as numbers with a trailing minus, and "" for "no value".
 *
 * Each load ships from a hub, named by its ERP plant code (`PLANT`); the
 * integration turns plant codes into canonical hub ids with the crosswalk
 * the document share's hubs list fills.
 *
 * Chaos makes one night's file bad: a row with an impossible date
 * (rejected by the mapping) and a row with a missing column (rejected by
 * the CSV parser), and three loads from plant 4000, a hub the ERP opened
 * before the hubs list had it (parked until the crosswalk knows it; the
 * demo replays that day once the list is fixed). The rest of that file
 * loads at once.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ErpFile {
  name: string;
  /** Load numbers of the rows that should reach the warehouse. */
  good: string[];
  /** Load numbers of the rows that must be rejected. */
  bad: string[];
  /** Load numbers from a hub missing from the hubs list: parked, loaded by the replay after the fix. */
  parked: string[];
  /** Business date, YYYY-MM-DD. */
  date: string;
}

export interface ErpDrop {
  folder: string;
  archive: string;
  /** Chaos: the next night's file is malformed. */
  malformNextFile(): void;
  /** The business date (YYYY-MM-DD) of the malformed file, once written. */
  malformedDate(): string | undefined;
  files(): ErpFile[];
  close(): void;
}

const HEADER = 'LOAD_NO;CUSTOMER;PICKUP_DATE;DELIVERY_DATE;WEIGHT_KG;FREIGHT_EUR;STATUS;PLANT';
/** ERP plant codes of the hubs on the document share's first hubs list. */
const PLANTS = ['1000', '2000', '3000'];
/** The plant the ERP opened before the hubs list had it. */
export const NEW_PLANT = '4000';
const CUSTOMERS = ['4711', '4712', '5001', '5002', '6100'];

function ymd(day: Date): string {
  return day.toISOString().slice(0, 10).replace(/-/g, '');
}

export function startErpDrop(stateDir: string): ErpDrop {
  const folder = join(stateDir, 'erp-drop');
  const archive = join(stateDir, 'erp-archive');
  mkdirSync(folder, { recursive: true });
  mkdirSync(archive, { recursive: true });
  const written: ErpFile[] = [];
  const businessDay = new Date(Date.UTC(2026, 10, 16));
  let malform = false;
  let malformed: string | undefined;
  let loadNo = 800_000;

  const night = () => {
    const date = ymd(businessDay);
    businessDay.setUTCDate(businessDay.getUTCDate() + 1);
    const file: ErpFile = {
      name: `LOADS_${date}.csv`,
      good: [],
      bad: [],
      parked: [],
      date: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}`,
    };
    const lines = [HEADER];
    for (let i = 0; i < 20; i++) {
      const no = String(++loadNo);
      const credit = i % 9 === 4; // a credit note: the ERP writes the minus last
      const delivered = i % 4 === 0 ? '' : date; // not yet delivered: empty, not null
      const freight = `${(100 + i * 7.25).toFixed(2)}${credit ? '-' : ''}`;
      lines.push(
        `${no};${CUSTOMERS[i % CUSTOMERS.length]};${date};${delivered};${1000 + i * 10};${freight};${credit ? 'CR' : 'OK'};${PLANTS[i % PLANTS.length]}`,
      );
      file.good.push(no);
    }
    if (malform) {
      malform = false;
      malformed = file.date;
      const badDate = String(++loadNo);
      lines.push(`${badDate};4711;20261131;;1200;99.00;OK;1000`);
      const shortRow = String(++loadNo);
      lines.push(`${shortRow};4712;${date};1300`);
      file.bad.push(badDate, shortRow);
      for (let i = 0; i < 3; i++) {
        const no = String(++loadNo);
        lines.push(
          `${no};5001;${date};${date};${2000 + i * 10};${(300 + i).toFixed(2)};OK;${NEW_PLANT}`,
        );
        file.parked.push(no);
      }
    }
    // Written under a temporary name, then the marker: the ERP's way of saying "complete".
    const path = join(folder, file.name);
    writeFileSync(`${path}.tmp`, `${lines.join('\r\n')}\r\n`);
    renameSync(`${path}.tmp`, path);
    writeFileSync(`${path}.done`, '');
    written.push(file);
  };
  night();
  const timer = setInterval(night, 10_000);

  return {
    folder,
    archive,
    malformNextFile: () => (malform = true),
    malformedDate: () => malformed,
    files: () =>
      written.map((f) => ({ ...f, good: [...f.good], bad: [...f.bad], parked: [...f.parked] })),
    close: () => clearInterval(timer),
  };
}
