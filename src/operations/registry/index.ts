/**
 * The integration registry: entries from definitions and live state, and
 * their Markdown pages.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { indexPage, integrationPage } from './markdown.js';
import type { RegistryEntry } from './model.js';

export { registryEntry, metricNames, type RegistryEntry } from './model.js';
export { integrationPage, indexPage } from './markdown.js';

/**
 * Writes `<id>.md` per integration and `README.md` as the index; returns the files written.
 *
 * @example
 * ```ts
 * const files = await writeRegistry('docs/integrations', 'acme', entries);
 * ```
 */
export async function writeRegistry(
  dir: string,
  project: string,
  entries: readonly RegistryEntry[],
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const e of entries) {
    const file = join(dir, `${e.id}.md`);
    await writeFile(file, integrationPage(e));
    files.push(file);
  }
  const index = join(dir, 'README.md');
  await writeFile(index, indexPage(project, entries));
  files.push(index);
  return files;
}
