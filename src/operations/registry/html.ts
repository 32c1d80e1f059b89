/**
 * The registry as a static HTML site: `index.html` and one page per
 * integration, self-contained (inline CSS, no scripts), so it can be served
 * from any file host or opened from disk. Every piece of text from a
 * definition goes through {@link escapeHtml}; links are only made for
 * http(s) runbooks, never for other schemes such as `javascript:`.
 */
import { GENERATED_MARK, LIVE_BEGIN, LIVE_END } from './markdown.js';
import { producersByModel, type RegistryEntry } from './model.js';

/**
 * Escapes text for HTML element content and double- or single-quoted attributes.
 *
 * @example
 * ```ts
 * escapeHtml('<b>"A&B"</b>'); // '&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;'
 * ```
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;vertical-align:top}
code,pre{background:#f4f4f4;padding:.1rem .3rem}.fail{color:#b00}.warn{color:#a60}.pass{color:#070}`;

function shell(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    `<!-- ${GENERATED_MARK} -->`,
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${e(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function table(head: string[] | null, rows: string[][]): string {
  const th = head ? `<tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr>` : '';
  return `<table>${th}${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
}

function status(s: string): string {
  return `<span class="${e(s)}">${e(s)}</span>`;
}

function runbook(text: string | null): string {
  if (!text) return 'not documented';
  return /^https?:\/\/[^\s"'<>]+$/i.test(text) ? `<a href="${e(text)}">${e(text)}</a>` : e(text);
}

function live(entry: RegistryEntry): string[] {
  if (!entry.live)
    return [LIVE_BEGIN, '<h2>Live state</h2>', '<p>Not read (no store).</p>', LIVE_END];
  const rotations = entry.live.rotations.length
    ? [
        table(
          ['reference', 'last rotated', 'due', 'state'],
          entry.live.rotations.map((r) => [
            `<code>${e(r.reference)}</code>`,
            e(r.lastRotated),
            e(r.due),
            status(r.state === 'ok' ? 'pass' : r.state === 'overdue' ? 'fail' : 'warn'),
          ]),
        ),
      ]
    : [];
  return [
    LIVE_BEGIN,
    '<h2>Live state</h2>',
    `<p>Last run: ${e(entry.live.lastRun)}</p>`,
    ...rotations,
    LIVE_END,
  ];
}

/**
 * One integration's HTML page.
 *
 * @example
 * ```ts
 * writeFileSync(`site/${entry.id}.html`, integrationHtml(entry, 'acme'));
 * ```
 */
export function integrationHtml(entry: RegistryEntry, project: string): string {
  const x = entry;
  const rows: Array<[string, string]> = [
    ['pattern', `${e(x.pattern)}${x.why ? ` — ${e(x.why)}` : ' (why: not documented)'}`],
    ['owner (our side)', `${e(x.owner.team)}${x.owner.contact ? ` (${e(x.owner.contact)})` : ''}`],
    ['owner (customer side)', e(x.customerOwner ?? 'not documented')],
    ['source', `${e(x.source.title)} (<code>${e(x.source.kind)}</code>)`],
    ['sink', `${e(x.sink.title)} (<code>${e(x.sink.kind)}</code>)`],
    ['trigger', e(x.trigger)],
    ['rate limit', e(x.rateLimit)],
    ['retries', e(x.retry)],
    ['timeouts', e(x.timeouts)],
    ['idempotency', e(x.idempotency)],
    ['replay', x.replay ? `<code>${e(x.replay)}</code>` : 'not supported by the source'],
    ['freshness', e(x.freshness ?? 'no expectation declared')],
    ['alert routes', x.alertRoutes.length ? e(x.alertRoutes.join(', ')) : 'none configured'],
    ['runbook', runbook(x.runbook)],
    ...(x.models.length
      ? [
          ['canonical models', x.models.map((m) => `<code>${e(m)}</code>`).join(', ')] as [
            string,
            string,
          ],
        ]
      : []),
  ];
  const secrets = x.secrets.length
    ? table(
        ['field', 'reference', 'where', 'for', 'rotated by', 'every', 'status'],
        x.secrets.map((s) => [
          `<code>${e(s.field)}</code>`,
          s.reference ? `<code>${e(s.reference)}</code>` : '(plaintext — not shown)',
          e(s.scheme ?? '-'),
          e(s.purpose ?? '-'),
          e(s.rotatedBy),
          e(s.rotateEvery ?? '-'),
          status(s.status === 'reference' ? 'pass' : 'fail') + ` ${e(s.status)}`,
        ]),
      )
    : '<p>No credentials in the connector configs.</p>';
  const ops = [
    `patchbay status --only ${x.id}`,
    `patchbay dlq list ${x.id}`,
    ...(x.replay ? [`patchbay replay ${x.id} --from <date>`] : []),
  ];
  const check = x.check
    ? [
        `<p>Overall: <strong>${status(x.check.status)}</strong></p>`,
        table(
          ['item', 'status', 'reason'],
          x.check.items.map((i) => [e(i.id), status(i.status), e(i.reason)]),
        ),
      ]
    : ['<p>Not run.</p>'];
  return shell(`${x.id} — ${project}`, [
    `<p><a href="index.html">All integrations of ${e(project)}</a></p>`,
    `<h1>${e(x.id)}</h1>`,
    `<p>${x.description ? e(x.description) : '<em>No description.</em>'}</p>`,
    table(
      null,
      rows.map(([k, v]) => [`<strong>${e(k)}</strong>`, v]),
    ),
    '<h2>Auth and secret references</h2>',
    secrets,
    '<h2>Metrics</h2>',
    `<ul>${x.metrics.map((m) => `<li><code>${e(m)}</code></li>`).join('')}</ul>`,
    '<h2>Operate</h2>',
    `<pre>${ops.map(e).join('\n')}</pre>`,
    '<h2>Checklist</h2>',
    ...check,
    ...live(x),
  ]);
}

/**
 * The site's index page.
 *
 * @example
 * ```ts
 * writeFileSync('site/index.html', indexHtml('acme', entries));
 * ```
 */
export function indexHtml(project: string, entries: readonly RegistryEntry[]): string {
  return shell(`Integrations of ${project}`, [
    `<h1>Integrations of ${e(project)}</h1>`,
    table(
      ['integration', 'pattern', 'owner', 'customer owner', 'freshness', 'checklist'],
      entries.map((x) => [
        `<a href="${e(encodeURIComponent(x.id))}.html">${e(x.id)}</a>`,
        e(x.pattern),
        e(x.owner.team),
        e(x.customerOwner ?? '-'),
        e(x.freshness ?? '-'),
        x.check ? status(x.check.status) : '-',
      ]),
    ),
    ...modelsSection(entries),
  ]);
}

/** Canonical model versions and the integrations producing each; nothing when none declare one. */
function modelsSection(entries: readonly RegistryEntry[]): string[] {
  const models = producersByModel(entries);
  if (models.length === 0) return [];
  return [
    '<h2>Canonical models</h2>',
    table(
      ['model', 'produced by'],
      models.map(([m, ids]) => [
        `<code>${e(m)}</code>`,
        ids.map((id) => `<a href="${e(encodeURIComponent(id))}.html">${e(id)}</a>`).join(', '),
      ]),
    ),
  ];
}
