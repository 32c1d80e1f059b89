import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConnector, type SourceSession } from '../core/connector.js';
import { defineIntegration, type IntegrationOptions } from '../core/integration.js';
import { secretRef } from '../core/secrets/schema.js';
import { prepareIntegration } from '../runtime/prepare.js';
import {
  DEFAULT_ROTATE_EVERY_MS,
  checkIntegration,
  checkRotation,
  referencesOf,
  rotationDue,
  scanConnectorConfig,
  type RotationContext,
} from './index.js';

const DAY = 86_400_000;
const JAN_1 = Date.parse('2026-01-01T00:00:00Z');

// A connector that flags `apiKey` secret with .meta only (no reference-only
// refinement), the way a hand-written connector might: a plaintext value
// then passes config validation and only the checklist can catch it.
const vendor = defineConnector({
  kind: 'vendor',
  title: 'Vendor API',
  description: 'test',
  direction: 'source',
  config: z
    .object({
      url: z.string(),
      apiKey: z.string().meta({ secret: true, description: 'vendor API key' }),
      token: secretRef('bearer token for reports').optional(),
      mirrors: z
        .array(z.object({ host: z.string(), key: z.string().meta({ secret: true }) }))
        .optional(),
    })
    .strict(),
  capabilities: {
    ack: 'none',
    checkpoint: 'cursor',
    replay: 'checkpoint',
    idempotentWrites: false,
    connectionTest: false,
  },
  async connect(): Promise<SourceSession> {
    return { async *read() {}, async close() {} };
  },
});

function prepared(config: Parameters<typeof vendor>[0], extra: Partial<IntegrationOptions> = {}) {
  return prepareIntegration(
    defineIntegration({
      id: 'vendor-feed',
      owner: 'integrations',
      pattern: 'rest-poll',
      trigger: { type: 'manual' },
      source: vendor(config),
      sink: { name: 'discard', idempotent: true, async write() {} },
      idempotencyKey: { fields: ['id'] },
      docs: { runbook: 'r', customerOwner: 'c', why: 'w' },
      ...extra,
    }),
  );
}

function ctx(rotations: Record<string, number>, now: number, periods = {}): RotationContext {
  return {
    now,
    rotations: new Map(Object.entries(rotations).map(([k, at]) => [k, { at }])),
    periods,
  };
}

describe('rotationDue', () => {
  it('is unrecorded without a record, ok up to the due instant and overdue one ms later', () => {
    expect(rotationDue('env:A', ctx({}, JAN_1))).toEqual({
      reference: 'env:A',
      everyMs: DEFAULT_ROTATE_EVERY_MS,
      lastRotatedAt: null,
      dueAt: null,
      state: 'unrecorded',
    });
    const due = JAN_1 + 365 * DAY;
    expect(rotationDue('env:A', ctx({ 'env:A': JAN_1 }, due))).toMatchObject({
      dueAt: due,
      state: 'ok',
    });
    expect(rotationDue('env:A', ctx({ 'env:A': JAN_1 }, due + 1)).state).toBe('overdue');
  });

  it('uses a declared period instead of the yearly default', () => {
    const c = ctx({ 'env:A': JAN_1 }, JAN_1 + 91 * DAY, { 'env:A': 90 * DAY });
    expect(rotationDue('env:A', c)).toMatchObject({ dueAt: JAN_1 + 90 * DAY, state: 'overdue' });
    expect(rotationDue('env:B', c).everyMs).toBe(DEFAULT_ROTATE_EVERY_MS);
  });
});

describe('the rotation item', () => {
  const refs = { url: 'https://v.example.com', apiKey: 'env:VENDOR_KEY', token: 'file:/run/t' };

  it('finds each distinct reference, with the field description as its purpose', () => {
    const p = prepared(refs);
    expect(referencesOf(p)).toEqual(['env:VENDOR_KEY', 'file:/run/t']);
    const findings = scanConnectorConfig('source', p.source.spec, p.source.config);
    expect(findings).toContainEqual({
      field: 'source.config.apiKey',
      kind: 'reference',
      reference: 'env:VENDOR_KEY',
      description: 'vendor API key',
    });
    expect(findings.find((f) => f.field === 'source.config.token')?.description).toBe(
      'bearer token for reports',
    );
  });

  it('passes an integration without references', () => {
    const p = prepared({ url: 'https://v.example.com', apiKey: 'env:K' });
    const noRefs = { ...p, source: { ...p.source, config: { url: 'x' } } };
    expect(checkRotation(noRefs, ctx({}, JAN_1))).toEqual({
      id: 'rotation',
      title: 'secrets rotated on time',
      status: 'pass',
      reason: 'no secret references to rotate',
    });
  });

  it('warns when a rotation was never recorded, and says how to record one', () => {
    const item = checkRotation(prepared(refs), ctx({ 'env:VENDOR_KEY': JAN_1 }, JAN_1 + DAY));
    expect(item.status).toBe('warn');
    expect(item.reason).toBe('no rotation recorded for file:/run/t');
    expect(item.fix).toContain('patchbay secrets rotated <ref>');
  });

  it('fails an overdue secret, naming it, its dates and the command to record the rotation', () => {
    const now = JAN_1 + 400 * DAY;
    const item = checkRotation(
      prepared(refs),
      ctx({ 'env:VENDOR_KEY': JAN_1, 'file:/run/t': now }, now),
    );
    expect(item.status).toBe('fail');
    expect(item.reason).toBe(
      'env:VENDOR_KEY last rotated 2026-01-01, due 2027-01-01 (every 365d): overdue',
    );
    expect(item.fix).toBe('rotate it, then record it: patchbay secrets rotated env:VENDOR_KEY');
  });

  it('passes when every reference was rotated within its period', () => {
    const item = checkRotation(
      prepared(refs),
      ctx({ 'env:VENDOR_KEY': JAN_1, 'file:/run/t': JAN_1 }, JAN_1 + 10 * DAY),
    );
    expect(item.status).toBe('pass');
    expect(item.reason).toContain('env:VENDOR_KEY rotated 2026-01-01, due 2027-01-01');
  });

  it('is placed right after auth, and only when rotations are supplied', () => {
    const p = prepared(refs);
    expect(checkIntegration(p).items.map((i) => i.id)).not.toContain('rotation');
    const ids = checkIntegration(p, { rotation: ctx({}, JAN_1) }).items.map((i) => i.id);
    expect(ids.slice(0, 3)).toEqual(['pattern', 'auth', 'rotation']);
    const overdue = checkIntegration(p, {
      rotation: ctx({ 'env:VENDOR_KEY': 0, 'file:/run/t': 0 }, JAN_1),
    });
    expect(overdue.status).toBe('fail');
  });
});

describe('plaintext in a secret field', () => {
  it('fails auth naming the field, never the value, also inside arrays', () => {
    const canary = 'plain-canary-7f3a9c';
    const p = prepared({
      url: 'https://v.example.com',
      apiKey: canary,
      mirrors: [
        { host: 'a', key: 'env:MIRROR_A' },
        { host: 'b', key: `${canary}-b` },
      ],
    });
    const result = checkIntegration(p, { rotation: ctx({}, JAN_1) });
    const auth = result.items.find((i) => i.id === 'auth');
    expect(result.status).toBe('fail');
    expect(auth?.status).toBe('fail');
    expect(auth?.reason).toBe(
      'source.config.apiKey is a secret field holding a plaintext value; source.config.mirrors[1].key is a secret field holding a plaintext value',
    );
    expect(JSON.stringify(result)).not.toContain(canary);
    // The reference beside it is still tracked for rotation.
    expect(referencesOf(p)).toEqual(['env:MIRROR_A']);
  });
});
