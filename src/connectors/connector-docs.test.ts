import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectorCatalog } from './catalog.js';
import { connectorPage } from './connector-page.js';

describe('connector documentation pages', () => {
  for (const entry of connectorCatalog) {
    it(`docs/connectors/${entry.spec.kind}.md matches the spec (run npm run docs:connectors)`, () => {
      const file = join(
        import.meta.dirname,
        '..',
        '..',
        'docs',
        'connectors',
        `${entry.spec.kind}.md`,
      );
      expect(readFileSync(file, 'utf8')).toBe(connectorPage(entry.spec, entry.notes));
    });
  }

  it('lists every config field with its default and flags', () => {
    const page = connectorPage(connectorCatalog[0]!.spec);
    expect(page).toContain('| `pageSize` | integer | `20` |');
    expect(page).toContain('| `failureRate` | number | `0` | advanced |');
    expect(page).toContain('| replay | checkpoint |');
  });
});
