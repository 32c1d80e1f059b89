import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector, type SourceSession } from '../core/connector.js';
import { defineIntegration, type IntegrationOptions } from '../core/integration.js';
import { secretRef } from '../core/secrets/schema.js';
import { simulatedOrders, simulatedWarehouse } from '../connectors/simulated/index.js';
import { prepareIntegration } from '../runtime/prepare.js';
import {
  checkConnection,
  checkIntegration,
  checkProject,
  urlHasCredentials,
  type CheckItemId,
} from './index.js';

const complete: IntegrationOptions = {
  id: 'orders',
  owner: { team: 'integrations', contact: 'oncall@example.com' },
  pattern: 'rest-poll',
  trigger: { type: 'manual' },
  source: simulatedOrders({}),
  sink: simulatedWarehouse({ file: join(tmpdir(), 'patchbay-check-test', 'warehouse.json') }),
  idempotencyKey: { fields: ['order_no'] },
  freshness: { maxAge: '15m' },
  docs: { runbook: 'docs/runbooks/orders.md', customerOwner: 'ERP team', why: 'paged REST API' },
};

function check(overrides: Partial<IntegrationOptions> = {}) {
  return checkIntegration(prepareIntegration(defineIntegration({ ...complete, ...overrides })));
}

function statusOf(overrides: Partial<IntegrationOptions>, id: CheckItemId) {
  return check(overrides).items.find((i) => i.id === id);
}

const api = defineConnector({
  kind: 'api',
  title: 'API',
  description: 'test',
  direction: 'source',
  config: z
    .object({
      url: z.string(),
      token: secretRef().optional(),
      password: z.string().optional(),
      nested: z.object({ clientSecret: z.string() }).optional(),
    })
    .strict(),
  capabilities: {
    ack: 'none',
    checkpoint: 'cursor',
    replay: 'checkpoint',
    idempotentWrites: false,
    connectionTest: true,
  },
  async connect(): Promise<SourceSession> {
    return {
      async *read() {},
      async check() {
        return { ok: false, detail: 'HTTP 401' };
      },
      async close() {},
    };
  },
});

describe('the checklist', () => {
  it('passes every item of a complete integration, in the documented order', () => {
    const result = check();
    expect(result.status).toBe('pass');
    expect(result.items.map((i) => i.id)).toEqual([
      'pattern',
      'auth',
      'retries',
      'idempotency',
      'replay',
      'observability',
      'timeouts',
      'owner',
      'docs',
    ]);
    expect(result.items.every((i) => i.fix === undefined)).toBe(true);
  });

  it('says that metrics, logs and default timeouts come from the runtime', () => {
    const items = check().items;
    expect(items.find((i) => i.id === 'observability')?.reason).toMatch(/built into the runtime/);
    expect(items.find((i) => i.id === 'timeouts')?.reason).toBe(
      'per call: default 30s; per job: default 15m',
    );
    expect(
      statusOf({ policies: { timeout: '5s' }, budget: { maxDuration: '2m' } }, 'timeouts')?.reason,
    ).toBe('per call: 5s; per job: 2m');
  });

  it('fails missing docs, naming each missing field and how to add it', () => {
    const docs = statusOf({ docs: { why: 'x' } }, 'docs');
    expect(docs).toMatchObject({
      status: 'fail',
      reason: 'missing docs.runbook, docs.customerOwner',
    });
    expect(docs?.fix).toMatch(/runbook/);
    expect(statusOf({ docs: { runbook: 'r', why: 'x' } }, 'docs')?.reason).toBe(
      'missing docs.customerOwner',
    );
  });

  it('warns when the pattern has no reason and when there is no freshness limit', () => {
    expect(statusOf({ docs: { runbook: 'r', customerOwner: 'c' } }, 'pattern')?.status).toBe(
      'warn',
    );
    expect(statusOf({ freshness: undefined }, 'observability')?.status).toBe('warn');
  });

  it('fails disabled retries and single attempts, passes the defaults', () => {
    expect(statusOf({}, 'retries')?.status).toBe('pass');
    expect(statusOf({ policies: { retry: true } }, 'retries')?.status).toBe('pass');
    expect(statusOf({ policies: { retry: false } }, 'retries')).toMatchObject({
      status: 'fail',
      reason: 'policies.retry disables retries',
    });
    expect(statusOf({ policies: { retry: { maxAttempts: 1 } } }, 'retries')?.status).toBe('fail');
    expect(
      statusOf({ policies: { retry: { maxAttempts: 3, baseDelay: 0 } } }, 'retries')?.status,
    ).toBe('warn');
    expect(statusOf({ policies: { retry: { maxAttempts: 3 } } }, 'retries')?.status).toBe('pass');
  });

  it('fails a disabled per-call timeout', () => {
    expect(statusOf({ policies: { timeout: false } }, 'timeouts')?.status).toBe('fail');
    expect(statusOf({}, 'timeouts')?.reason).toBe('per call: default 30s; per job: default 15m');
  });

  it('leaves invalid policies to the loader, which names the field', () => {
    expect(() => check({ policies: { retry: { attempts: 1 } } as never })).toThrow(
      /policies\.retry\.attempts/,
    );
    expect(() => check({ policies: { timeout: 'soon' } })).toThrow(/policies\.timeout/);
  });

  it('needs both an idempotency key and an idempotent sink', () => {
    expect(statusOf({ idempotencyKey: undefined }, 'idempotency')).toMatchObject({
      status: 'fail',
      reason: 'no idempotencyKey: a retry or replay may write twice',
    });
    const appendOnly = { name: 'append', idempotent: false, async write() {} };
    const item = statusOf({ sink: appendOnly }, 'idempotency');
    expect(item?.status).toBe('fail');
    expect(item?.reason).toMatch(/sink append does not write idempotently/);
    expect(statusOf({ sink: { ...appendOnly, idempotent: true } }, 'idempotency')?.status).toBe(
      'pass',
    );
  });

  it('fails a source that cannot replay', () => {
    const noReplay = defineConnector({
      kind: 'webhook-ish',
      title: 't',
      description: 't',
      direction: 'source',
      config: z.object({}),
      capabilities: {
        ack: 'none',
        checkpoint: 'none',
        replay: 'none',
        idempotentWrites: false,
        connectionTest: false,
      },
      async connect(): Promise<SourceSession> {
        return { async *read() {}, async close() {} };
      },
    });
    expect(statusOf({ source: noReplay({}) }, 'replay')).toMatchObject({
      status: 'fail',
      reason: "source webhook-ish cannot replay (capabilities.replay is 'none')",
    });
  });

  it('passes secret references and names them', () => {
    const item = statusOf(
      { source: api({ url: 'https://api.example.com', token: 'env:API_TOKEN' }) },
      'auth',
    );
    expect(item).toMatchObject({
      status: 'pass',
      reason: 'secret references: source.config.token',
    });
  });

  it('fails plaintext credentials under secret-looking keys and in URLs, without echoing them', () => {
    const item = statusOf(
      {
        source: api({
          url: 'https://svc:hunter2hunter2@api.example.com',
          password: 'hunter2hunter2',
          nested: { clientSecret: 's3cr3t-value' },
        }),
      },
      'auth',
    );
    expect(item?.status).toBe('fail');
    expect(item?.reason).toContain('source.config.url is a URL with credentials in it');
    expect(item?.reason).toContain('source.config.password looks like a credential');
    expect(item?.reason).toContain('source.config.nested.clientSecret');
    expect(JSON.stringify(item)).not.toMatch(/hunter2|s3cr3t/);
  });

  it('accepts references under secret-looking keys that the connector did not flag', () => {
    expect(
      statusOf(
        { source: api({ url: 'https://x.example.com', password: 'file:/run/secrets/pw' }) },
        'auth',
      )?.status,
    ).toBe('pass');
  });

  it('recognises credentials in URLs', () => {
    expect(urlHasCredentials('postgres://app:pw@db/app')).toBe(true);
    expect(urlHasCredentials('https://api.example.com/x?api_key=abc')).toBe(true);
    expect(urlHasCredentials('https://app@api.example.com/x?page=2')).toBe(false);
    expect(urlHasCredentials('not a url')).toBe(false);
  });

  it('summarises a project: ok only when nothing fails', async () => {
    const good = prepareIntegration(defineIntegration(complete));
    const bad = prepareIntegration(defineIntegration({ ...complete, id: 'bad', docs: undefined }));
    const report = await checkProject([good, bad]);
    expect(report.ok).toBe(false);
    expect(report.counts.fail).toBe(1);
    expect(report.integrations.map((i) => [i.id, i.status])).toEqual([
      ['orders', 'pass'],
      ['bad', 'fail'],
    ]);
    expect((await checkProject([good])).ok).toBe(true);
  });

  it('tests connections with --connect, reporting the connector answer', async () => {
    const p = prepareIntegration(
      defineIntegration({ ...complete, source: api({ url: 'https://x.example.com' }) }),
    );
    const contexts: string[] = [];
    const item = await checkConnection(p, (id, kind) => {
      contexts.push(`${id}/${kind}`);
      return {} as never;
    });
    expect(item).toMatchObject({ id: 'connection', status: 'fail' });
    expect(item.reason).toContain('source api failed: HTTP 401');
    expect(item.reason).toContain('sink simulated-warehouse ok');
    expect(contexts).toEqual(['orders/api', 'orders/simulated-warehouse']);
  });
});
