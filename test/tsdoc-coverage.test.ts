/** Every public export carries TSDoc with an `@example` (the project's documentation rule). */
import { describe, expect, it } from 'vitest';
import { missingExamples } from '../scripts/tsdoc-coverage.js';

describe('TSDoc coverage', () => {
  it('gives every public export an @example (npx tsx scripts/tsdoc-coverage.ts lists gaps)', () => {
    expect(missingExamples()).toEqual([]);
  }, 60_000);
});
