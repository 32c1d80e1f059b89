import { describe, expect, it } from 'vitest';
import { Secret } from '../core/secrets/index.js';
import { logCall, recordCall, type CallRecord } from './call-log.js';
import { PatchbayMetrics } from './metrics.js';
import { captureLog } from './testing.js';

const failure: CallRecord = {
  integration: 'gps-positions',
  connector: 'http',
  operation: 'GET /positions',
  target: 'https://gps.example.com/api/positions?page=2',
  outcome: 'failure',
  errorKind: 'http_5xx',
  errorCode: 'HTTP_503',
  latencyMs: 120.456789,
  attempt: 2,
  idempotencyKey: 'gps-positions:2026-11-23T10:00',
  identity: 'client:patchbay-prod',
  stale: false,
};

describe('logCall', () => {
  it('writes one warn line with every field for a failure', () => {
    const log = captureLog();
    logCall(log.logger, failure);
    const recs = log.records();
    expect(recs).toHaveLength(1);
    const { time, ...rest } = recs[0]!;
    expect(typeof time).toBe('string');
    expect(rest).toEqual({
      level: 'warn',
      msg: 'call',
      integration: 'gps-positions',
      connector: 'http',
      operation: 'GET /positions',
      target: 'https://gps.example.com/api/positions?page=2',
      outcome: 'failure',
      errorKind: 'http_5xx',
      errorCode: 'HTTP_503',
      latencyMs: 120.46,
      attempt: 2,
      idempotencyKey: 'gps-positions:2026-11-23T10:00',
      identity: 'client:patchbay-prod',
      stale: false,
    });
  });

  it('writes info for a success and omits absent optional fields', () => {
    const log = captureLog();
    logCall(log.logger, {
      integration: 'sap-loads',
      connector: 'sftp',
      operation: 'get',
      target: 'sftp://drop.example.com/in/loads.csv',
      outcome: 'success',
      latencyMs: 8,
      attempt: 1,
    });
    const rec = log.records()[0]!;
    expect(rec['level']).toBe('info');
    expect(Object.keys(rec).sort()).toEqual(
      [
        'attempt',
        'connector',
        'integration',
        'latencyMs',
        'level',
        'msg',
        'operation',
        'outcome',
        'target',
        'time',
      ].sort(),
    );
  });

  it('keeps credentials in the target out of the line', () => {
    const s = new Secret('env:GPS_KEY', 'gps-key-0987');
    const log = captureLog();
    logCall(log.logger, {
      ...failure,
      target: `https://user:pw-1234@gps.example.com/api?apikey=${s.reveal()}&token=zzz`,
    });
    const text = log.text();
    expect(text).not.toContain('gps-key-0987');
    expect(text).not.toContain('pw-1234');
    expect(text).not.toContain('zzz');
    expect(log.records()[0]?.['target']).toBe(
      'https://[redacted]@gps.example.com/api?apikey=[redacted]&token=[redacted]',
    );
  });
});

describe('recordCall', () => {
  it('logs and counts in one call', async () => {
    const log = captureLog();
    const metrics = new PatchbayMetrics();
    recordCall({ logger: log.logger, metrics }, failure);
    recordCall({ logger: log.logger, metrics }, { ...failure, outcome: 'success', stale: true });
    expect(log.records().map((r) => r['level'])).toEqual(['warn', 'info']);
    expect(metrics.snapshot()).toMatchObject({
      'integration.gps-positions.success_count': 1,
      'integration.gps-positions.error_count_by_kind.http_5xx': 1,
      'integration.gps-positions.stale_served': 1,
    });
    expect(await metrics.prometheus()).toContain(
      'patchbay_integration_error_count_by_kind{integration="gps-positions",kind="http_5xx"} 1',
    );
  });

  it('works with only one sink', () => {
    const metrics = new PatchbayMetrics();
    recordCall({ metrics }, failure);
    expect(() => recordCall({}, failure)).not.toThrow();
    expect(metrics.snapshot()['integration.gps-positions.error_count_by_kind.http_5xx']).toBe(1);
  });
});
