/**
 * The quickstart is a test: it loads the project exactly as `patchbay run`
 * does and runs its integration, with its injected failures, to the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readWarehouse, simulatedOrder } from '../../src/connectors/simulated/index.js';
import { createRuntime, loadProject } from '../../src/runtime/index.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-quickstart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/quickstart', () => {
  it('loads, survives its injected failures and dead-letters exactly the bad orders', async () => {
    // The example writes its warehouse beside itself; start from an empty one so the check below means something.
    rmSync(join(import.meta.dirname, '.patchbay', 'warehouse.json'), { force: true });
    const project = await loadProject(join(import.meta.dirname));
    expect(project.integrations.map((i) => i.id)).toEqual(['orders-to-warehouse']);
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      const runtime = await createRuntime({ integrations: project.integrations, store });
      for (let run = 0; run < 3; run++) {
        const result = await runtime.run('orders-to-warehouse');
        expect(['succeeded', 'partial']).toContain(result.status);
      }
      expect((await store.checkpoints.get('orders-to-warehouse'))?.value).toBe(120);
      const letters = await store.deadLetters.list('orders-to-warehouse', { limit: 100 });
      const bad = Array.from({ length: 120 }, (_, i) => i + 1).filter((n) => n % 17 === 0);
      expect(letters.map((l) => l.itemKey).sort()).toEqual(
        bad.map((n) => simulatedOrder(n, 17).order_no),
      );
      expect(letters.every((l) => l.error.code === 'HTTP_422')).toBe(true);

      const warehouse = await readWarehouse(
        join(import.meta.dirname, '.patchbay', 'warehouse.json'),
      );
      for (let n = 1; n <= 120; n++) {
        const key = simulatedOrder(n, 17).order_no;
        expect(key in warehouse, key).toBe(n % 17 !== 0);
      }
    } finally {
      await store.close();
    }
  });
});
