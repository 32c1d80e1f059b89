import { describe, expect, it } from 'vitest';
import { PatchbayError } from '../core/errors.js';
import { Secret } from '../core/secrets/index.js';
import { silentLogger } from './logger.js';
import { captureLog } from './testing.js';

const RAW = 'sup3r-secret-value';
const secret = new Secret('env:X', RAW);

describe('createLogger', () => {
  it('never writes a secret value, wherever it hides', () => {
    const log = captureLog();
    const { logger } = log;
    logger.info({ secret }, 'a Secret instance');
    logger.info(
      { deep: { deeper: { list: [{ secret }, `inline ${secret.reveal()}`] } } },
      'nested',
    );
    logger.info({ note: `token was ${secret.reveal()}` }, 'value inside a string');
    logger.info(`message with ${secret.reveal()}`);
    logger.info('format args %s %o %j', secret.reveal(), { v: secret.reveal() }, secret);
    logger.error(new Error(`auth failed for ${secret.reveal()}`));
    logger.error({ err: new Error(`boom ${secret.reveal()}`) }, 'error under err');
    logger.error({ err: new Error(`no message given ${secret.reveal()}`) });
    logger.warn(
      new PatchbayError('auth', `rejected ${secret.reveal()}`, {
        details: { header: `Bearer ${secret.reveal()}` },
        cause: new Error(`cause ${secret.reveal()}`),
      }),
      'patchbay error',
    );
    logger.child({ bound: secret.reveal(), s: secret }).info('child bindings');
    logger.info({ [`key-${secret.reveal()}`]: 1 }, 'secret as a key');
    logger.info(
      { map: new Map([['k', secret.reveal()]]), url: new URL(`https://u:${RAW}@h/`) },
      'x',
    );

    const text = log.text();
    expect(text).not.toContain(RAW);
    expect(log.records()).toHaveLength(12);
    expect(text).toContain('[redacted]');
    expect(log.records()[0]).toMatchObject({ secret: '[redacted]', msg: 'a Secret instance' });
  });

  it('redacts secret-looking keys at every depth, keeping absent values visible', () => {
    const log = captureLog();
    log.logger.info(
      {
        password: 'hunter22',
        headers: { authorization: 'Bearer abc', 'set-cookie': 'sid=1', 'X-Api-Key': 'k' },
        config: { db: { client_secret: 'c', private_key: 'pk', apiKey: 'a', token: null } },
        tokenUrl: 'https://idp.example.com/token',
        idempotencyKey: 'order-1',
      },
      'keys',
    );
    const [rec] = log.records();
    expect(rec).toMatchObject({
      password: '[redacted]',
      headers: {
        authorization: '[redacted]',
        'set-cookie': '[redacted]',
        'X-Api-Key': '[redacted]',
      },
      config: {
        db: {
          client_secret: '[redacted]',
          private_key: '[redacted]',
          apiKey: '[redacted]',
          token: null,
        },
      },
      tokenUrl: 'https://idp.example.com/token',
      idempotencyKey: 'order-1',
    });
    for (const raw of ['hunter22', 'Bearer abc', 'sid=1']) expect(log.text()).not.toContain(raw);
  });

  it('serialises errors as classified JSON without a stack', () => {
    const log = captureLog();
    const err = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    log.logger.error({ err }, 'store down');
    const [rec] = log.records();
    expect(rec?.['err']).toMatchObject({
      name: 'PatchbayError',
      kind: 'connection',
      code: 'ECONNREFUSED',
      retryable: true,
    });
    expect(log.text()).not.toContain('stack');
    expect(log.text()).not.toMatch(/at .*\.ts:\d+/);
  });

  it('writes level labels, ISO times and the base fields', () => {
    const log = captureLog('info');
    log.logger.debug('dropped');
    log.logger.info('kept');
    const recs = log.records();
    expect(recs).toHaveLength(1);
    expect(recs[0]?.['level']).toBe('info');
    expect(String(recs[0]?.['time'])).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('survives cycles', () => {
    const log = captureLog();
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    log.logger.info({ a }, 'cycle');
    expect(log.records()[0]).toMatchObject({ a: { name: 'a', self: '[circular]' } });
  });
});

describe('silentLogger', () => {
  it('is a working logger that writes nothing', () => {
    const logger = silentLogger();
    expect(logger.level).toBe('silent');
    expect(() => logger.child({ a: 1 }).error(new Error('x'))).not.toThrow();
  });
});
