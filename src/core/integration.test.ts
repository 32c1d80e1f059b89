import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector } from './connector.js';
import { defineIntegration, isIntegration, type IntegrationOptions } from './integration.js';
import { isPatchbayError } from './errors.js';

const source = defineConnector({
  kind: 'test-source',
  title: 'Test source',
  description: 'yields nothing',
  direction: 'source',
  config: z.object({}),
  capabilities: {
    ack: 'none',
    checkpoint: 'none',
    replay: 'none',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect() {
    return { async *read() {}, async close() {} };
  },
});

const valid: IntegrationOptions = {
  id: 'orders-sync',
  owner: 'integrations',
  pattern: 'rest-poll',
  trigger: { type: 'schedule', every: '5m' },
  source: source({}),
  sink: { name: 'noop', idempotent: true, write: async () => {} },
};

function failure(options: unknown): string {
  try {
    defineIntegration(options as IntegrationOptions);
  } catch (err) {
    expect(isPatchbayError(err)).toBe(true);
    if (isPatchbayError(err)) {
      expect(err.kind).toBe('config');
      return err.message;
    }
  }
  throw new Error('expected a config error');
}

describe('defineIntegration', () => {
  it('accepts a valid definition and brands it', () => {
    const integration = defineIntegration(valid);
    expect(isIntegration(integration)).toBe(true);
    expect(Object.isFrozen(integration)).toBe(true);
  });

  it('names the integration, the field and the allowed values for a bad pattern', () => {
    const message = failure({ ...valid, pattern: 'rest' });
    expect(message).toContain('integration orders-sync');
    expect(message).toContain('pattern');
    expect(message).toContain('"rest-poll"');
    expect(message).toContain('"cdc"');
  });

  it('rejects a malformed duration with the field path', () => {
    const message = failure({ ...valid, trigger: { type: 'schedule', every: '5 minutes' } });
    expect(message).toMatch(/trigger\.every: expected a duration/);
  });

  it('requires exactly one of every and cron', () => {
    expect(failure({ ...valid, trigger: { type: 'schedule' } })).toMatch(
      /exactly one of "every" and "cron"/,
    );
    expect(
      failure({ ...valid, trigger: { type: 'schedule', every: '1m', cron: '* * * * *' } }),
    ).toMatch(/exactly one/);
  });

  it('rejects an unknown trigger type, time zone and quiet window', () => {
    expect(failure({ ...valid, trigger: { type: 'http' } })).toMatch(/trigger/);
    expect(
      failure({
        ...valid,
        trigger: { type: 'schedule', cron: '0 2 * * *', timezone: 'Mars/Olympus' },
      }),
    ).toMatch(/trigger\.timezone: expected an IANA time zone/);
    expect(
      failure({
        ...valid,
        trigger: { type: 'schedule', every: '1h', quietWindow: { from: '25:00', to: '05:00' } },
      }),
    ).toMatch(/trigger\.quietWindow\.from: expected a time of day/);
  });

  it('rejects bad ids, owners, unknown keys and non-connector sources', () => {
    expect(failure({ ...valid, id: 'Orders Sync' })).toMatch(/id: expected an id of/);
    expect(failure({ ...valid, owner: '' })).toMatch(/owner/);
    expect(failure({ ...valid, retries: 3 })).toMatch(/unknown keys \(found retries\)/);
    expect(failure({ ...valid, source: { url: 'http://x' } })).toMatch(
      /source: expected a connector/,
    );
    expect(failure({ ...valid, concurrency: 0 })).toMatch(/concurrency/);
  });

  it('lists every failing field at once', () => {
    const message = failure({
      ...valid,
      pattern: 'x',
      concurrency: -1,
      freshness: { maxAge: 'soon' },
    });
    expect(message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
  });
});
