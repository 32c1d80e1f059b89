import { describe, expect, it } from 'vitest';
import { httpCall, httpPoll } from '../connectors/http/index.js';
import { simulatedOrders, simulatedWarehouse } from '../connectors/simulated/index.js';
import { defineIntegration, type IntegrationOptions } from '../core/integration.js';
import { prepareIntegration } from '../runtime/prepare.js';
import { checkIntegration, checkRecording, summarize } from './index.js';

const base: IntegrationOptions = {
  id: 'gps',
  owner: { team: 'integrations', contact: 'oncall@example.com' },
  pattern: 'rest-poll',
  trigger: { type: 'manual' },
  source: simulatedOrders({}),
  sink: simulatedWarehouse({ file: '/tmp/patchbay-check-recording/warehouse.json' }),
  idempotencyKey: { fields: ['id'] },
  freshness: { maxAge: '15m' },
  docs: { runbook: 'docs/runbooks/gps.md', customerOwner: 'GPS vendor', why: 'paged REST API' },
};

const poll = (recording?: { mode: 'record' | 'replay'; file: string }) =>
  httpPoll({
    url: 'https://gps.example.com/v1/positions',
    auth: { type: 'bearer', token: 'env:GPS_TOKEN' },
    ...(recording ? { recording } : {}),
  });

const prepared = (overrides: Partial<IntegrationOptions>) =>
  prepareIntegration(defineIntegration({ ...base, ...overrides }));

describe('the recording item', () => {
  it('is absent when no connector records or replays', () => {
    const result = checkIntegration(prepared({ source: poll() }));
    expect(result.items.map((i) => i.id)).not.toContain('recording');
    expect(checkRecording(prepared({ source: poll() }))).toBeUndefined();
  });

  it('warns that a recording source writes customer data to disk, last in the list', () => {
    const result = checkIntegration(
      prepared({ source: poll({ mode: 'record', file: 'fixtures/gps-api.json' }) }),
    );
    const item = result.items.at(-1);
    expect(item).toMatchObject({ id: 'recording', status: 'warn' });
    expect(item?.reason).toBe(
      "source.config.recording is 'record': every exchange is written to fixtures/gps-api.json, customer data on disk (only credentials and the configured fields are redacted)",
    );
    expect(item?.fix).toMatch(/^remove source\.config\.recording before going live/);
    expect(result.status).toBe('warn');
    // A warning, so `patchbay check` still exits 0.
    expect(summarize([result]).ok).toBe(true);
  });

  it('warns that a replaying sink is not calling the live system, naming both sides', () => {
    const item = checkRecording(
      prepared({
        source: poll({ mode: 'record', file: 'fixtures/gps-api.json' }),
        sink: httpCall({
          url: 'https://crm.example.com/api/incidents',
          recording: { mode: 'replay', file: 'fixtures/crm.json' },
        }),
      }),
    );
    expect(item?.status).toBe('warn');
    expect(item?.reason).toContain(
      "sink.config.recording is 'replay': answers come from fixtures/crm.json, not calling the live system",
    );
    expect(item?.reason).toContain("source.config.recording is 'record'");
    expect(item?.fix).toContain('source.config.recording and sink.config.recording');
  });
});
