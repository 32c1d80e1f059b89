/**
 * Writes docs/connectors/<kind>.md for every built-in connector from its spec.
 * Run with `npm run docs:connectors`; a test fails when a page is out of date.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectorCatalog } from '../src/connectors/catalog.js';
import { connectorPage } from '../src/connectors/connector-page.js';

const dir = join(import.meta.dirname, '..', 'docs', 'connectors');
mkdirSync(dir, { recursive: true });
for (const entry of connectorCatalog) {
  writeFileSync(join(dir, `${entry.spec.kind}.md`), connectorPage(entry.spec, entry.notes));
  console.log(`docs/connectors/${entry.spec.kind}.md`);
}
