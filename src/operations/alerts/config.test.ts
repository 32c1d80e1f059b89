import { describe, expect, it } from 'vitest';
import { alertsSchema, type AlertsOptions } from './config.js';
import { rulesFromConfig, sinksFromConfig } from './from-config.js';

const base: AlertsOptions = {
  sinks: {
    tickets: {
      type: 'servicenow',
      url: 'https://acme.service-now.com',
      username: 'patchbay',
      password: 'env:SN_PASSWORD',
    },
    mail: {
      type: 'email',
      host: 'smtp.acme.example',
      password: 'env:SMTP_PASSWORD',
      username: 'patchbay',
      from: 'patchbay@acme.example',
      to: ['oncall@acme.example'],
    },
    hook: { type: 'webhook', url: 'https://ops.acme.example/alerts', secret: 'env:HOOK_KEY' },
    chat: { type: 'slack', url: 'env:SLACK_URL' },
  },
  route: ['tickets'],
  escalation: { after: '30m', to: ['mail'] },
};

function issues(value: unknown): string[] {
  const r = alertsSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('alertsSchema', () => {
  it('accepts every sink type with secrets by reference', () => {
    expect(issues(base)).toEqual([]);
  });

  it('names the field of a plaintext secret, an unknown sink in a route and a bad duration', () => {
    const bad = {
      ...base,
      sinks: {
        ...base.sinks,
        chat: { type: 'slack', url: 'https://hooks.slack.com/services/T/B/x' },
      },
      route: ['tickets', 'pager'],
      escalation: { after: 'soon', to: ['nobody'] },
    };
    const found = issues(bad);
    expect(found).toContain(
      'sinks.chat.url: expected a secret reference such as env:NAME or file:/path, not a plaintext value',
    );
    expect(found).toContain('route.1: expected one of the sinks (tickets, mail, hook, chat)');
    expect(found).toContain(
      'escalation.to.0: expected one of the sinks (tickets, mail, hook, chat)',
    );
    expect(found).toContain('escalation.after: expected a duration like "30s" or "15m"');
  });
});

describe('sinksFromConfig and rulesFromConfig', () => {
  it('builds one sink per entry, listing the secret references each uses', () => {
    const sinks = sinksFromConfig(base);
    expect(sinks.map((s) => [s.name, s.kind, s.secretRefs])).toEqual([
      ['tickets', 'servicenow', ['env:SN_PASSWORD']],
      ['mail', 'email', ['env:SMTP_PASSWORD']],
      ['hook', 'webhook', ['env:HOOK_KEY']],
      ['chat', 'slack', ['env:SLACK_URL']],
    ]);
  });

  it('points a leftover `rules.missing` to the file-drop `expect` option', () => {
    const r = alertsSchema.safeParse({ ...base, rules: { missing: [{ integration: 'a' }] } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'rules.missing: no longer here: declare `expect: { due, timezone, days, holidays }` in the file-drop source config',
    ]);
  });

  it('runs freshness, dead letters, breaker, schema drift and file expectations by default, and the thresholds when configured', () => {
    expect(rulesFromConfig(base).map((r) => r.condition)).toEqual([
      'freshness',
      'dead-letters',
      'breaker-open',
      'schema-drift',
      'file',
    ]);
    const all = rulesFromConfig({
      ...base,
      rules: {
        freshness: false,
        deadLetters: { above: 10 },
        breakerOpen: { for: '10m' },
        errorRate: { perMinute: 5 },
        latency: { p99Ms: 2000 },
        anomaly: [{ value: 'items_total.read.per_minute', factor: 4 }],
        files: false,
      },
    });
    expect(all.map((r) => r.condition)).toEqual([
      'dead-letters',
      'breaker-open',
      'error-rate',
      'latency',
      'anomaly:items_total.read.per_minute',
      'schema-drift',
    ]);
    const breaker = all[1]!;
    const open = { status: { breaker: 'open' } } as never;
    // Open since T; nine minutes later is still under the configured ten.
    const first = breaker.evaluate(open, { now: 0, state: undefined });
    expect(breaker.evaluate(open, { now: 540_000, state: first.state }).finding).toBe(undefined);
    expect(breaker.evaluate(open, { now: 600_000, state: first.state }).finding).toBeDefined();
  });
});
