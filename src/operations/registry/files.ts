/**
 * The registry on disk: rendering every page (Markdown and HTML) into one
 * file map, writing it (removing pages of integrations that are gone), and
 * comparing it with what is on disk so CI can fail on stale pages.
 *
 * Staleness ignores the live-state block of each page: it changes with every
 * run and is not part of what a definition change must be reviewed against.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { indexHtml, integrationHtml } from './html.js';
import { GENERATED_MARK, indexPage, integrationPage } from './markdown.js';
import type { RegistryEntry } from './model.js';

/**
 * Every registry file by name: `README.md` and `index.html`, and `<id>.md`
 * and `<id>.html` per integration.
 *
 * @example
 * ```ts
 * const files = renderRegistry('acme', entries);
 * files.get('orders.html');
 * ```
 */
export function renderRegistry(
  project: string,
  entries: readonly RegistryEntry[],
): Map<string, string> {
  const files = new Map<string, string>();
  files.set('README.md', indexPage(project, entries));
  files.set('index.html', indexHtml(project, entries));
  for (const entry of entries) {
    files.set(`${entry.id}.md`, integrationPage(entry));
    files.set(`${entry.id}.html`, integrationHtml(entry, project));
  }
  return files;
}

// Line-anchored, so text inside a table row or code span cannot end the block early.
const LIVE_BLOCK = /^<!-- patchbay:live:begin -->$[\s\S]*?^<!-- patchbay:live:end -->$/gm;

/**
 * A page with its live-state block emptied: what staleness is judged on.
 *
 * @example
 * ```ts
 * withoutLive(onDisk) === withoutLive(regenerated); // true when only the live state differs
 * ```
 */
export function withoutLive(page: string): string {
  return page.replace(/\r\n/g, '\n').replace(LIVE_BLOCK, '<!-- live -->');
}

async function generatedFilesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const name of names.filter((n) => /\.(md|html)$/.test(n)).sort()) {
    // Only our own pages: a hand-written file in the folder is never touched.
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (text.includes(GENERATED_MARK)) out.push(name);
  }
  return out;
}

/**
 * Writes the registry into `dir` and removes generated pages of
 * integrations that no longer exist. Hand-written files are left alone.
 *
 * @example
 * ```ts
 * const { written, removed } = await writeRegistry('docs/integrations', 'acme', entries);
 * ```
 */
export async function writeRegistry(
  dir: string,
  project: string,
  entries: readonly RegistryEntry[],
): Promise<{ written: string[]; removed: string[] }> {
  await mkdir(dir, { recursive: true });
  const files = renderRegistry(project, entries);
  const removed: string[] = [];
  for (const name of await generatedFilesIn(dir)) {
    if (!files.has(name)) {
      await rm(join(dir, name));
      removed.push(join(dir, name));
    }
  }
  const written: string[] = [];
  for (const [name, text] of files) {
    await writeFile(join(dir, name), text);
    written.push(join(dir, name));
  }
  return { written, removed };
}

/**
 * One stale file: `missing` (should exist), `changed` (differs outside the
 * live state) or `orphan` (a generated page of an integration that is gone).
 *
 * @example
 * ```ts
 * const s: StaleFile = { file: 'orders.md', problem: 'changed' };
 * ```
 */
export interface StaleFile {
  file: string;
  problem: 'missing' | 'changed' | 'orphan';
}

/**
 * Compares `dir` with the registry the entries would generate; an empty
 * result means the pages are up to date.
 *
 * @example
 * ```ts
 * const stale = await staleRegistry('docs/integrations', 'acme', entries);
 * if (stale.length > 0) process.exitCode = 1;
 * ```
 */
export async function staleRegistry(
  dir: string,
  project: string,
  entries: readonly RegistryEntry[],
): Promise<StaleFile[]> {
  const files = renderRegistry(project, entries);
  const stale: StaleFile[] = [];
  for (const [name, text] of files) {
    let onDisk: string;
    try {
      onDisk = await readFile(join(dir, name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      stale.push({ file: name, problem: 'missing' });
      continue;
    }
    if (withoutLive(onDisk) !== withoutLive(text)) stale.push({ file: name, problem: 'changed' });
  }
  for (const name of await generatedFilesIn(dir)) {
    if (!files.has(name)) stale.push({ file: name, problem: 'orphan' });
  }
  return stale;
}
