/**
 * The customer's document share, simulated: a folder where the operations
 * team publishes the hubs list, a small CSV file maintained by hand
 * (`HUBS_<YYYYMMDD>.csv`, written then marked complete with `.done`). It
 * changes a few times a year; the integration loads it as reference data
 * and into the crosswalk from ERP plant codes to canonical hub ids.
 *
 * Chaos: the ERP starts shipping from a new hub (plant 4000, Kiel) before
 * the list has it; `publishUpdate()` is the fix, a new list with Kiel.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Hub {
  hubId: string;
  name: string;
  city: string;
  erpPlant: string;
}

export interface DocumentShare {
  folder: string;
  archive: string;
  /** Publishes the next version of the hubs list, with the hub the ERP already uses. */
  publishUpdate(): void;
  /** The hubs on the newest list. */
  hubs(): Hub[];
  /** File names published, oldest first. */
  published(): string[];
}

const FIRST_LIST: Hub[] = [
  { hubId: 'HUB-HAM', name: 'Hamburg Waltershof', city: 'Hamburg', erpPlant: '1000' },
  { hubId: 'HUB-BRE', name: 'Bremen GVZ', city: 'Bremen', erpPlant: '2000' },
  { hubId: 'HUB-HAN', name: 'Hannover Lehrte', city: 'Lehrte', erpPlant: '3000' },
];
const KIEL: Hub = { hubId: 'HUB-KEL', name: 'Kiel Ostuferhafen', city: 'Kiel', erpPlant: '4000' };

export function startDocumentShare(stateDir: string): DocumentShare {
  const folder = join(stateDir, 'share', 'hubs');
  const archive = join(stateDir, 'share-archive');
  mkdirSync(folder, { recursive: true });
  mkdirSync(archive, { recursive: true });
  let current = FIRST_LIST;
  const names: string[] = [];
  const publish = (date: string, hubs: Hub[]) => {
    current = hubs;
    const name = `HUBS_${date}.csv`;
    const lines = [
      'HUB_ID,NAME,CITY,ERP_PLANT',
      ...hubs.map((h) => `${h.hubId},${h.name},${h.city},${h.erpPlant}`),
    ];
    const path = join(folder, name);
    writeFileSync(`${path}.tmp`, `${lines.join('\n')}\n`);
    renameSync(`${path}.tmp`, path);
    writeFileSync(`${path}.done`, '');
    names.push(name);
  };
  publish('20261101', FIRST_LIST);
  return {
    folder,
    archive,
    publishUpdate: () => publish('20261118', [...FIRST_LIST, KIEL]),
    hubs: () => current.map((h) => ({ ...h })),
    published: () => [...names],
  };
}
