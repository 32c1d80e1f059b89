import { describe, expect, it } from 'vitest';
import { status } from '../operations/alerts/__fixtures__/status.js';
import { printStatus } from './commands/status.js';
import type { CliIo } from './io.js';

describe('patchbay status: file expectations', () => {
  it('shows the due time and the newest business dates with their state', () => {
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => void out.push(s) } } as unknown as CliIo;
    const due = (d: string) => Date.parse(`${d}T01:00:00Z`);
    const now = Date.parse('2026-11-17T03:00:00Z');
    const day = { duplicates: [], failures: [] };
    printStatus(
      io,
      [
        status({
          id: 'sap-loads',
          files: {
            due: '02:00',
            timeZone: 'Europe/Berlin',
            graceMs: 1_800_000,
            since: 0,
            days: [
              {
                ...day,
                date: '2026-11-17',
                state: 'missing',
                dueAt: due('2026-11-17'),
                arrivedAt: null,
                files: [],
              },
              {
                ...day,
                date: '2026-11-16',
                state: 'late',
                dueAt: due('2026-11-16'),
                arrivedAt: Date.parse('2026-11-16T02:12:00Z'),
                files: ['MATMAS_20261116.csv'],
              },
              {
                date: '2026-11-13',
                state: 'duplicate',
                dueAt: due('2026-11-13'),
                arrivedAt: Date.parse('2026-11-13T00:40:00Z'),
                files: ['MATMAS_20261113.csv'],
                duplicates: [{ name: 'MATMAS_20261113.csv', at: 0 }],
                failures: [],
              },
            ],
          },
        }),
      ],
      now,
    );
    const lines = out.join('').split('\n');
    const from = lines.findIndex((l) => l.startsWith('  files due'));
    expect(lines.slice(from, from + 4)).toEqual([
      '  files due     02:00 Europe/Berlin (+30m grace), per business date:',
      '    2026-11-17  MISSING   nothing 2h past due',
      '    2026-11-16  LATE      arrived 2026-11-16 03:12 (MATMAS_20261116.csv)',
      '    2026-11-13  DUPLICATE arrived 2026-11-13 01:40 (MATMAS_20261113.csv); 1 duplicate(s)',
    ]);
  });
});
