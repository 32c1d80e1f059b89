import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkIntegration } from '../../check/index.js';
import { defineConnector, type SourceSession } from '../../core/connector.js';
import { defineIntegration, type IntegrationOptions } from '../../core/integration.js';
import { secretRef } from '../../core/secrets/schema.js';
import { prepareIntegration } from '../../runtime/prepare.js';
import {
  escapeHtml,
  integrationHtml,
  integrationPage,
  registryEntry,
  renderRegistry,
  staleRegistry,
  withoutLive,
  writeRegistry,
  type RegistryEntry,
} from './index.js';

const api = defineConnector({
  kind: 'api',
  title: 'API',
  description: 'test',
  direction: 'source',
  config: z.object({ url: z.string(), token: secretRef('API token') }).strict(),
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

function entry(overrides: Partial<IntegrationOptions> = {}, live = {}): RegistryEntry {
  const p = prepareIntegration(
    defineIntegration({
      id: 'positions',
      owner: { team: 'fleet', contact: 'fleet@example.com' },
      pattern: 'rest-poll',
      description: 'GPS positions every minute.',
      trigger: { type: 'schedule', cron: '*/5 * * * *' },
      source: api({ url: 'https://gps.example.com', token: 'env:GPS_TOKEN' }),
      sink: { name: 'positions-table', idempotent: true, async write() {} },
      idempotencyKey: { fields: ['id'] },
      freshness: { maxAge: '5m' },
      docs: { runbook: 'https://wiki.example.com/rb', customerOwner: 'Vendor', why: 'REST only' },
      ...overrides,
    }),
  );
  return registryEntry(p, {
    check: checkIntegration(p),
    declared: { 'env:GPS_TOKEN': { purpose: 'GPS vendor token', rotatedBy: 'secops' } },
    ...live,
  });
}

const HOSTILE = {
  description: '<script>alert("x")</script> & | pipe\nnext <!-- patchbay:live:end -->',
  docs: { runbook: 'javascript:alert(1)', customerOwner: "O'Brien <ob@x>", why: 'a|b' },
};

let dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'patchbay-registry-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

describe('registry entries', () => {
  it('carry the definition, the declared secret facts and no live state without a store', () => {
    const e = entry();
    expect(e.trigger).toBe('cron */5 * * * *, time zone UTC, missed runs: skip');
    expect(e.replay).toBe('patchbay replay positions --from <date>  (by checkpoint)');
    expect(e.freshness).toBe('at most 5m old');
    expect(e.secrets).toEqual([
      expect.objectContaining({
        field: 'source.config.token',
        reference: 'env:GPS_TOKEN',
        scheme: 'env',
        purpose: 'GPS vendor token',
        rotatedBy: 'secops',
        rotateEvery: '365d',
      }),
    ]);
    expect(e.live).toBeNull();
  });

  it('report recorded rotations in the live state', () => {
    const at = Date.parse('2025-01-01T00:00:00Z');
    const e = entry(
      {},
      { rotation: { now: at + 400 * 86_400_000, rotations: new Map([['env:GPS_TOKEN', { at }]]) } },
    );
    expect(e.live?.rotations).toEqual([
      {
        reference: 'env:GPS_TOKEN',
        lastRotated: '2025-01-01T00:00:00.000Z',
        due: '2026-01-01T00:00:00.000Z',
        state: 'overdue',
      },
    ]);
    expect(integrationPage(e)).toContain('| `env:GPS_TOKEN` | 2025-01-01T00:00:00.000Z |');
  });
});

describe('escaping', () => {
  it('escapes the five HTML special characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('keeps hostile definition text inert in HTML and links only http(s) runbooks', () => {
    const html = integrationHtml(entry(HOSTILE), 'acme <x>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('O&#39;Brien &lt;ob@x&gt;');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<title>positions — acme &lt;x&gt;</title>');
    expect(integrationHtml(entry(), 'acme')).toContain(
      '<a href="https://wiki.example.com/rb">https://wiki.example.com/rb</a>',
    );
  });

  it('keeps hostile text inside its Markdown table cell and cannot forge the live markers', () => {
    const md = integrationPage(entry(HOSTILE));
    expect(md).toContain(
      '&lt;script&gt;alert("x")&lt;/script&gt; &amp; \\| pipe next &lt;!-- patchbay:live:end --&gt;',
    );
    expect(md).toContain("| owner (customer side) | O'Brien &lt;ob@x&gt; |");
    expect(md.split('\n').filter((l) => l === '<!-- patchbay:live:end -->')).toHaveLength(1);
  });
});

describe('the registry folder', () => {
  it('renders README.md, index.html and a page in both formats per integration', () => {
    const files = renderRegistry('acme', [entry(), entry({ id: 'orders' })]);
    expect([...files.keys()]).toEqual([
      'README.md',
      'index.html',
      'positions.md',
      'positions.html',
      'orders.md',
      'orders.html',
    ]);
    expect(files.get('index.html')).toContain('<a href="orders.html">orders</a>');
  });

  it('is up to date after writing, and stays so when only the live state differs', async () => {
    const dir = tempDir();
    expect((await staleRegistry(dir, 'acme', [entry()])).map((s) => s.problem)).toEqual([
      'missing',
      'missing',
      'missing',
      'missing',
    ]);
    const rotation = { now: 1, rotations: new Map([['env:GPS_TOKEN', { at: 0 }]]) };
    await writeRegistry(dir, 'acme', [entry({}, { rotation })]);
    expect(readFileSync(join(dir, 'positions.md'), 'utf8')).toContain('1970-01-01T00:00:00.000Z');
    expect(await staleRegistry(dir, 'acme', [entry()])).toEqual([]);
  });

  it('finds changed definitions, hand edits and pages of removed integrations', async () => {
    const dir = tempDir();
    await writeRegistry(dir, 'acme', [entry(), entry({ id: 'orders' })]);
    expect(
      await staleRegistry(dir, 'acme', [
        entry({ description: 'Now hourly.' }),
        entry({ id: 'orders' }),
      ]),
    ).toEqual([
      { file: 'positions.md', problem: 'changed' },
      { file: 'positions.html', problem: 'changed' },
    ]);
    expect(await staleRegistry(dir, 'acme', [entry()])).toEqual([
      { file: 'README.md', problem: 'changed' },
      { file: 'index.html', problem: 'changed' },
      { file: 'orders.html', problem: 'orphan' },
      { file: 'orders.md', problem: 'orphan' },
    ]);
    const page = join(dir, 'orders.md');
    writeFileSync(page, readFileSync(page, 'utf8').replace('rest-poll', 'queue'));
    expect(await staleRegistry(dir, 'acme', [entry(), entry({ id: 'orders' })])).toEqual([
      { file: 'orders.md', problem: 'changed' },
    ]);
  });

  it('removes generated pages of removed integrations but never a hand-written file', async () => {
    const dir = tempDir();
    await writeRegistry(dir, 'acme', [entry(), entry({ id: 'orders' })]);
    writeFileSync(join(dir, 'notes.md'), '# Notes\nwritten by hand\n');
    const { removed } = await writeRegistry(dir, 'acme', [entry()]);
    expect(removed.map((f) => f.slice(dir.length + 1)).sort()).toEqual([
      'orders.html',
      'orders.md',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'README.md',
      'index.html',
      'notes.md',
      'positions.html',
      'positions.md',
    ]);
    expect(await staleRegistry(dir, 'acme', [entry()])).toEqual([]);
  });

  it('normalises CRLF line endings and empties only line-anchored live blocks', () => {
    const page = integrationPage(entry());
    expect(withoutLive(page.replace(/\n/g, '\r\n'))).toBe(withoutLive(page));
    expect(withoutLive(page)).not.toContain('Live state');
    expect(withoutLive(page)).toContain('## Checklist');
  });
});

describe('canonical models in the registry', () => {
  it('lists the model versions each integration produces, on its page and in the index', async () => {
    const { ModelRegistry, mappingStep, parseMapping } = await import('../../mapping/index.js');
    const models = new ModelRegistry([
      {
        name: 'position',
        version: 2,
        schema: { type: 'object', properties: { id: { type: 'string' } } },
      },
    ]);
    const doc = parseMapping(
      'produces: { model: position, version: 2 }\nfields:\n  - { source: id, target: id, transform: string, required: true }',
      { file: 'position.yaml', models },
    );
    const e = entry({ steps: [mappingStep(doc)] });
    expect(e.models).toEqual(['position v2']);
    expect(integrationPage(e)).toContain('| canonical models | position v2 |');
    const { indexPage } = await import('./index.js');
    expect(indexPage('acme', [e, entry({ id: 'other' })])).toContain(
      '## Canonical models\n\n| model | produced by |\n| --- | --- |\n| position v2 | [positions](positions.md) |',
    );
    expect(entry().models).toEqual([]);
    expect(indexPage('acme', [entry()])).not.toContain('Canonical models');
    // The HTML site says the same.
    const { indexHtml, integrationHtml } = await import('./html.js');
    expect(integrationHtml(e, 'acme')).toContain(
      '<td><strong>canonical models</strong></td><td><code>position v2</code></td>',
    );
    expect(indexHtml('acme', [e, entry({ id: 'other' })])).toContain(
      '<h2>Canonical models</h2>\n<table><tr><th>model</th><th>produced by</th></tr><tr><td><code>position v2</code></td><td><a href="positions.html">positions</a></td></tr></table>',
    );
    expect(indexHtml('acme', [entry()])).not.toContain('Canonical models');
  });
});
