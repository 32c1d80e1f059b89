import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineIntegration } from '../../core/integration.js';
import { prepareIntegration } from '../../runtime/prepare.js';
import { expectationCalendar, zonedInstant } from './calendar.js';
import { fileExpectationSchema, type FileExpectation } from './expect-config.js';
import type { ExpectationRecord } from './expect-log.js';
import { dayState } from './expect-state.js';
import { upsertSink } from './__fixtures__/drop.js';
import { fileDrop } from './file-source.js';

const H = 3_600_000;
const expectation = (over: Record<string, unknown> = {}): FileExpectation =>
  fileExpectationSchema.parse({ due: '02:00', timezone: 'Europe/Berlin', ...over });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-expect-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('expectation calendar', () => {
  it('converts the due time with the offset of the day, across both DST changes in Berlin', () => {
    expect(zonedInstant('2026-11-17', '02:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 10, 17, 1));
    expect(zonedInstant('2026-07-01', '02:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 0));
    // 29 March 2026: 02:00 → 03:00; 02:30 does not exist and moves forward by the gap (03:30 CEST).
    expect(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(zonedInstant('2026-03-29', '01:59', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 0, 59));
    expect(zonedInstant('2026-03-29', '03:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 1));
    // 25 October 2026: 02:30 happens twice; the first (CEST) one is the due time.
    expect(zonedInstant('2026-10-25', '02:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(zonedInstant('2026-10-26', '02:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 26, 1, 30));
  });

  it('expects files on weekdays that are no holidays, from the list and from a holidays file', () => {
    const file = join(dir, 'holidays.txt');
    writeFileSync(file, '# Germany\n2026-12-26  2. Weihnachtstag\n2027-01-01\n');
    const cal = expectationCalendar(
      expectation({ holidays: ['2026-12-24', '2026-12-25'], holidaysFile: file }),
      'UTC',
    );
    // Tuesday 29 Dec 2026, 12:00 Berlin: back to the 23rd, skipping the holidays and the weekend.
    expect(cal.recent(Date.UTC(2026, 11, 29, 11), 3)).toEqual([
      '2026-12-29',
      '2026-12-28',
      '2026-12-23',
    ]);
    expect(cal.isExpected('2027-01-01')).toBe(false);
    const sat = expectationCalendar(expectation({ days: ['sat'] }), 'UTC');
    expect(sat.recent(Date.UTC(2026, 10, 23, 12), 2)).toEqual(['2026-11-21', '2026-11-14']);
  });

  it('finds the business date due today with dueAfterDays, in the expectation time zone', () => {
    const cal = expectationCalendar(expectation({ dueAfterDays: 1 }), 'UTC');
    // Tuesday 17 Nov, 00:30 Berlin (still the 16th in UTC): Monday's export is due today at 02:00.
    const now = Date.UTC(2026, 10, 16, 23, 30);
    expect(cal.recent(now, 1)).toEqual(['2026-11-16']);
    expect(cal.dueAt('2026-11-16')).toBe(Date.UTC(2026, 10, 17, 1));
  });
});

describe('expectation state of a business date', () => {
  const e = expectation({ grace: '30m', files: [{ pattern: 'A_*.csv' }, { pattern: 'B_*.csv' }] });
  const cal = expectationCalendar(e, 'UTC');
  const due = Date.UTC(2026, 10, 17, 1);
  const rec = (over: Partial<ExpectationRecord>): ExpectationRecord => ({
    date: '2026-11-17',
    arrivals: [],
    duplicates: [],
    failures: [],
    counted: [],
    ...over,
  });
  const state = (r: ExpectationRecord | undefined, now: number) =>
    dayState(r, e, cal, '2026-11-17', now).state;

  it('is pending until due + grace, then missing; complete only when every file rule is met', () => {
    expect(state(undefined, due + 29 * 60_000)).toBe('pending');
    expect(state(undefined, due + 31 * 60_000)).toBe('missing');
    const onlyA = rec({ arrivals: [{ name: 'A_1.csv', at: due - H }] });
    expect(state(onlyA, due + H)).toBe('missing');
    const both = rec({ arrivals: [...onlyA.arrivals, { name: 'B_1.csv', at: due + 20 * 60_000 }] });
    expect(state(both, due + H)).toBe('arrived');
    const late = rec({ arrivals: [...onlyA.arrivals, { name: 'B_1.csv', at: due + 31 * 60_000 }] });
    expect(dayState(late, e, cal, '2026-11-17', due + H)).toMatchObject({
      state: 'late',
      arrivedAt: due + 31 * 60_000,
      files: ['A_1.csv', 'B_1.csv'],
    });
  });

  it('is failed while a failure is not followed by a complete arrival, and duplicate after a second copy', () => {
    const failed = rec({ failures: [{ name: 'A_1.csv', at: due - H, reason: 'empty file' }] });
    expect(state(failed, due - H / 2)).toBe('failed');
    const fixed = rec({
      ...failed,
      arrivals: [
        { name: 'A_1.csv', at: due - H / 2 },
        { name: 'B_1.csv', at: due - H / 2 },
      ],
    });
    expect(state(fixed, due + H)).toBe('arrived');
    expect(state(rec({ ...fixed, duplicates: [{ name: 'B_1.csv', at: due }] }), due + H)).toBe(
      'duplicate',
    );
  });
});

describe('expect config errors', () => {
  function prepare(expectOption: unknown): () => unknown {
    return () =>
      prepareIntegration(
        defineIntegration({
          id: 'sap-loads',
          owner: 'integrations',
          pattern: 'file-drop',
          trigger: { type: 'manual' },
          source: fileDrop({
            path: dir,
            archive: join(dir, 'archive'),
            format: { type: 'jsonl' },
            expect: expectOption,
          } as Parameters<typeof fileDrop>[0]),
          sink: upsertSink(),
        }),
      );
  }

  it('names the path and what is allowed', () => {
    expect(prepare({ due: '2am', timezone: 'Mars/Olympus', days: ['monday'] })).toThrow(
      /source\.config\.expect\.due: expected a time of day as HH:MM, e\.g\. "02:00"/,
    );
    expect(prepare({ due: '25:00' })).toThrow(/source\.config\.expect\.due/);
    expect(prepare({ due: '02:00', timezone: 'Mars/Olympus' })).toThrow(
      /source\.config\.expect\.timezone: expected an IANA time zone such as Europe\/Berlin/,
    );
    expect(prepare({ due: '02:00', days: ['monday'] })).toThrow(/source\.config\.expect\.days/);
    expect(prepare({ due: '02:00', holidays: ['2026-02-30'] })).toThrow(
      /source\.config\.expect\.holidays\[0\]: expected a date as YYYY-MM-DD/,
    );
    expect(prepare({ due: '02:00', grace: 'soon' })).toThrow(
      /source\.config\.expect\.grace: expected a duration like "30m"/,
    );
    expect(prepare({ due: '02:00', dueAt: '03:00' })).toThrow(
      /source\.config\.expect: expected no unknown keys \(found dueAt\)/,
    );
  });

  it('names the holidays file and the bad line', () => {
    const file = join(dir, 'holidays.txt');
    writeFileSync(file, '2026-12-25\n26.12.2026\n');
    expect(prepare({ due: '02:00', holidaysFile: file })).toThrow(
      `source.config.expect.holidaysFile: expected holidays file ${file} line 2: "26.12.2026" is not a YYYY-MM-DD date`,
    );
    expect(prepare({ due: '02:00', holidaysFile: join(dir, 'nope.txt') })).toThrow(
      /expect\.holidaysFile: expected cannot read holidays file .*nope\.txt/,
    );
    expect(prepare({ due: '02:00' })).not.toThrow();
  });
});
