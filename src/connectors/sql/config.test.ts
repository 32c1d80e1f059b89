import { describe, expect, it } from 'vitest';
import { prepareIntegration } from '../../runtime/prepare.js';
import { sqlExtract } from './extract-source.js';
import { sqlUpsert } from './upsert-sink.js';
import { postgres, mysql } from './dialects/index.js';
import { pageQuery } from './keyset.js';
import { loadDriver } from './load-driver.js';
import { boundFor, minusLookback, watermarkOrder } from './watermark.js';
import { testContext } from './__fixtures__/servers.js';

const base = {
  dialect: 'postgres',
  host: '127.0.0.1',
  database: 'test',
  user: 'postgres',
} as const;
const extract = { ...base, table: 'employees', watermark: 'updated_at', primaryKey: 'id' };

function prepareWith(source: unknown) {
  return () =>
    prepareIntegration({
      id: 'bad',
      owner: 'integrations',
      pattern: 'sql-extract',
      trigger: { type: 'manual' },
      source: sqlExtract(source as never),
      sink: sqlUpsert({ ...base, table: 'copy', key: 'id' }),
    });
}

describe('sql connector config', () => {
  it.each([
    ['table', { table: 'employees; DROP TABLE employees' }],
    ['watermark', { watermark: 'updated_at desc' }],
    ['primaryKey', { primaryKey: ['id', '1=1 OR'] }],
    ['columns', { columns: ['name', '"x"'] }],
    ['password', { password: 'hunter2' }],
    ['table', { query: 'SELECT 1' }],
  ])('rejects a bad %s as a config error at load time', (field, patch) => {
    expect(prepareWith({ ...extract, ...patch })).toThrow(
      expect.objectContaining({ kind: 'config' }),
    );
    const result = sqlExtract.spec.config.safeParse({ ...extract, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues.some((i) => i.path[0] === field)).toBe(true);
    expect(JSON.stringify(result.error?.issues)).not.toContain('hunter2');
  });

  it('needs a watermark for delta, a file for sqlite, and a version column for last-write-wins', () => {
    expect(sqlExtract.spec.config.safeParse({ ...extract, watermark: undefined }).success).toBe(
      false,
    );
    expect(
      sqlExtract.spec.config.safeParse({ ...extract, watermark: undefined, mode: 'full' }).success,
    ).toBe(true);
    expect(sqlExtract.spec.config.safeParse({ ...extract, dialect: 'sqlite' }).success).toBe(false);
    expect(
      sqlUpsert.spec.config.safeParse({
        ...base,
        table: 't',
        key: 'id',
        conflict: 'last-write-wins',
      }).success,
    ).toBe(false);
    expect(sqlUpsert.spec.config.safeParse({ ...base, table: 't' }).success).toBe(false);
  });

  it('rejects a query with more than one statement', async () => {
    const cfg = sqlExtract.spec.config.parse({
      ...base,
      query: 'SELECT 1; DELETE FROM t',
      watermark: 'w',
      primaryKey: 'id',
    });
    await expect(sqlExtract.spec.connect(cfg, testContext())).rejects.toMatchObject({
      kind: 'config',
      details: { field: 'query' },
    });
  });
});

describe('connection failures', () => {
  it.each([
    ['postgres', 1],
    ['mysql', 1],
  ] as const)('classifies a refused %s connection as `connection`', async (dialect, port) => {
    const cfg = sqlExtract.spec.config.parse({ ...extract, dialect, port, connectTimeout: '2s' });
    await expect(sqlExtract.spec.connect(cfg, testContext())).rejects.toMatchObject({
      kind: 'connection',
      retryable: true,
    });
  });

  it('resolves the password reference at connect time', async () => {
    const cfg = sqlExtract.spec.config.parse({
      ...extract,
      password: 'env:PATCHBAY_SQL_TEST_UNSET',
    });
    await expect(sqlExtract.spec.connect(cfg, testContext())).rejects.toMatchObject({
      kind: 'config',
      code: 'SECRET_MISSING',
    });
  });

  it('names the package to install when a driver is missing', async () => {
    const missing = Object.assign(new Error('Cannot find package'), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await expect(loadDriver('pg', () => Promise.reject(missing))).rejects.toMatchObject({
      kind: 'config',
      code: 'DRIVER_MISSING',
      message: expect.stringContaining('npm install pg'),
    });
  });
});

describe('keyset and watermark helpers', () => {
  it('builds a LIMIT page on (watermark, key) with every value a parameter, never OFFSET', () => {
    const stmt = pageQuery(
      { dialect: postgres, from: '"t"', select: '*', order: ['"w"', '"id"'], watermark: '"w"' },
      { after: ["x' OR 1=1 --", 7], to: 'z', limit: 50 },
    );
    expect(stmt.sql).toBe(
      'SELECT * FROM "t" WHERE "w" < $1 AND ("w" >= $2 AND ("w" > $3 OR ("w" = $4 AND ("id" > $5)))) ORDER BY "w" ASC, "id" ASC LIMIT 50',
    );
    expect(stmt.params).toEqual(['z', "x' OR 1=1 --", "x' OR 1=1 --", "x' OR 1=1 --", 7]);
    expect(
      pageQuery(
        { dialect: mysql, from: '`t`', select: '*', order: ['`id`'], watermark: undefined },
        { limit: 5 },
      ).sql,
    ).not.toMatch(/OFFSET/i);
  });

  it('subtracts the lookback in the value’s own format and orders to the microsecond', () => {
    expect(minusLookback('2026-11-23 12:00:00.500001', 60_000)).toBe('2026-11-23 11:59:00.500001');
    expect(minusLookback('2026-11-23 12:00:00+00', 1000)).toBe('2026-11-23 11:59:59+00:00');
    expect(minusLookback('2026-11-23T12:00:00.000Z', 1)).toBe('2026-11-23T11:59:59.999Z');
    expect(minusLookback(100, 5)).toBe(95);
    expect(minusLookback('100', 5)).toBe('95');
    expect(
      watermarkOrder('2026-11-23 12:00:00.000002')! - watermarkOrder('2026-11-23 12:00:00.000001')!,
    ).toBe(1);
    expect(watermarkOrder('2026-11-23 13:00:00+01')).toBe(watermarkOrder('2026-11-23T12:00:00Z'));
    expect(boundFor('mysql', '2026-11-17T06:00:00.5+02:00')).toBe('2026-11-17 04:00:00.500000');
    expect(boundFor('mysql', '2026-11-17')).toBe('2026-11-17');
    expect(boundFor('postgres', '2026-11-17T06:00:00Z')).toBe('2026-11-17T06:00:00Z');
  });
});
