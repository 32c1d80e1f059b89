import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../check/index.js';
import { cli } from './__fixtures__/harness.js';

const complete = fileURLToPath(new URL('./__fixtures__/complete', import.meta.url));
const incomplete = fileURLToPath(new URL('../../examples/incomplete', import.meta.url));

describe('patchbay check', () => {
  it('passes a complete project with exit 0', async () => {
    const { code, out } = await cli(['check', '--project', complete]);
    expect(code).toBe(0);
    // positions holds env:GPS_TOKEN and no rotation is recorded for it: a warning, not a failure.
    expect(out).toContain('2 integrations: 19 pass, 1 warn, 0 fail');
    expect(out).toMatch(/warn {2}secrets rotated on time\s+no rotation recorded for env:GPS_TOKEN/);
    expect(out).toContain('check passed');
    expect(out).toMatch(
      /pass {2}auth through secret references\s+secret references: source.config.token/,
    );
  });

  it('fails the incomplete example with exit 1, naming every missing item and the fix', async () => {
    const { code, out } = await cli(['check', '--project', incomplete]);
    expect(code).toBe(1);
    expect(out).toContain('legacy-export  (file-drop, owner integrations)  FAIL');
    expect(out).toMatch(
      /FAIL {2}auth through secret references\s+source.config.endpoint is a URL with credentials in it/,
    );
    expect(out).toMatch(/FAIL {2}retries with backoff\s+policies.retry disables retries/);
    expect(out).toMatch(/FAIL {2}idempotency strategy\s+no idempotencyKey/);
    expect(out).toMatch(/FAIL {2}replay supported\s+source legacy-export cannot replay/);
    expect(out).toMatch(
      /FAIL {2}docs \(runbook, customer-side owner\)\s+missing docs.runbook, docs.customerOwner/,
    );
    expect(out).toMatch(
      /FAIL {2}idempotency strategy\s+sink append-to-list does not write idempotently/,
    );
    expect(out).toContain('fix: add docs: {');
    expect(out).toContain('check failed: fix the items marked FAIL');
    expect(out).not.toContain('not-a-real-password');
  });

  it('prints JSON and narrows to --only', async () => {
    const { code, out } = await cli([
      'check',
      '--json',
      '--only',
      'orders-copy',
      '--project',
      incomplete,
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(out) as CheckReport & { project: string };
    expect(report.project).toBe('incomplete');
    expect(report.ok).toBe(false);
    expect(report.integrations.map((i) => i.id)).toEqual(['orders-copy']);
    const failing = report.integrations[0]?.items
      .filter((i) => i.status === 'fail')
      .map((i) => i.id);
    expect(failing).toEqual(['idempotency', 'docs']);
  });

  it('tests connections with --connect', async () => {
    const { code, out } = await cli([
      'check',
      '--connect',
      '--only',
      'positions',
      '--project',
      complete,
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(
      /pass {2}connection test\s+source token-api ok: token accepted; function sink positions-table has nothing to test/,
    );
  });
});
