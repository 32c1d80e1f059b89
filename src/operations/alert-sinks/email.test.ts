/**
 * The email sink against a real SMTP server: Postfix's smtp-sink, with its
 * injected soft (4xx) and hard (5xx) rejections and dropped connections.
 * Fails, never skips, when smtp-sink is not installed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { redactText } from '../../core/secrets/index.js';
import { captureLog } from '../../observability/testing.js';
import { aged } from '../alerts/__fixtures__/status.js';
import { ALERT_OUTBOX, AlertEngine } from '../alerts/engine.js';
import { freshnessRule } from '../alerts/rules.js';
import { AlertDeliveryWorker } from './delivery.js';
import { emailSink } from './email.js';
import {
  canary,
  startSmtpSink,
  tempStore,
  type SmtpSink,
  type TempStore,
} from './__fixtures__/peers.js';

const T0 = Date.UTC(2026, 10, 17, 8, 0, 0);
const MIN = 60_000;
const password = canary('PB_TEST_SMTP_PASSWORD');

describe('emailSink against Postfix smtp-sink', () => {
  let t: TempStore;
  let smtp: SmtpSink | undefined;
  const log = captureLog();
  const failures: Array<{ code: string; dead: boolean }> = [];

  beforeEach(async () => {
    t = await tempStore();
    failures.length = 0;
  });
  afterEach(async () => {
    await smtp?.stop();
    smtp = undefined;
    await t.cleanup();
  });

  async function raise(port: number): Promise<AlertDeliveryWorker> {
    const engine = new AlertEngine({ store: t.store, rules: [freshnessRule()], route: ['mail'] });
    await engine.evaluate([{ status: aged(1000) }], T0);
    const mail = emailSink({
      name: 'mail',
      host: '127.0.0.1',
      port,
      username: 'patchbay',
      password: password.ref,
      from: 'patchbay@acme.example',
      to: ['oncall@acme.example', 'integrations@acme.example'],
    });
    return new AlertDeliveryWorker({
      store: t.store,
      sinks: [mail],
      backoff: { jitter: 0 },
      onError: (err, destination, dead) => {
        failures.push({ code: (err as { code: string }).code, dead });
        log.logger.warn({ err, destination, dead }, 'alert delivery failed');
      },
    });
  }

  it('sends one mail per notification with the alert in subject, headers and body', async () => {
    smtp = await startSmtpSink();
    const w = await raise(smtp.port);
    expect(await w.tick(T0)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    const [msg, ...more] = smtp.messages();
    expect(more).toEqual([]);
    for (const line of [
      'X-Mail-Args: <patchbay@acme.example>',
      'X-Rcpt-Args: <oncall@acme.example>',
      'X-Rcpt-Args: <integrations@acme.example>',
      'Subject: [patchbay] gps-positions: freshness (warning)',
      `X-Patchbay-Alert: gps-positions:freshness:${T0}`,
      'X-Patchbay-Event: open',
      `Message-ID: <gps-positions-freshness-${T0}.open.1@patchbay>`,
      'expected:    data at most 15m old',
      'actual:      last success 16m40s ago',
      `since:       ${new Date(T0).toISOString()}`,
      '  patchbay replay gps-positions --from 2026-11-17',
    ]) {
      expect(msg).toContain(line);
    }
    // The password was resolved through its reference (so it is known to the scrubber).
    expect(redactText(`pw ${password.value}`)).toBe('pw [redacted]');
  });

  it.each([
    ['a soft rejection (4xx)', ['-r', 'RCPT'], 'SMTP_450'],
    ['a 421 closing the connection', ['-Q', 'MAIL'], 'SMTP_421'],
    ['a dropped connection', ['-q', 'MAIL'], 'ECONNECTION'],
  ])('retries after %s and delivers once the server accepts', async (_what, faults, code) => {
    smtp = await startSmtpSink(faults);
    const port = smtp.port;
    const w = await raise(port);
    expect(await w.tick(T0)).toEqual({ delivered: 0, retried: 1, dead: 0 });
    expect(failures).toEqual([{ code, dead: false }]);
    await smtp.stop();
    smtp = await startSmtpSink([], port);
    expect(await w.tick(T0 + MIN)).toEqual({ delivered: 1, retried: 0, dead: 0 });
    expect(await w.tick(T0 + 60 * MIN)).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(smtp.messages()).toHaveLength(1);
  });

  it.each([
    ['a hard rejection of the recipients (5xx)', ['-f', 'RCPT']],
    ['a hard rejection of the login (5xx)', ['-f', 'AUTH']],
  ])('treats %s as permanent: dead at once, nothing secret kept', async (_what, faults) => {
    smtp = await startSmtpSink(faults);
    const w = await raise(smtp.port);
    expect(await w.tick(T0)).toEqual({ delivered: 0, retried: 0, dead: 1 });
    expect(failures).toEqual([{ code: 'SMTP_500', dead: true }]);
    expect(await t.store.outbox.count(ALERT_OUTBOX, 'dead')).toBe(1);
    const dump = t.dump();
    expect(dump).toContain('SMTP answered 500');
    expect(dump).not.toContain(password.value);
    expect(log.text()).toContain('SMTP_500');
    expect(log.text()).not.toContain(password.value);
    expect(smtp.messages()).toEqual([]);
  });
});
