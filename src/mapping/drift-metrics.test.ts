import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyStatusGauges } from '../cli/gauges.js';
import { defineIntegration } from '../core/integration.js';
import { PatchbayMetrics } from '../observability/metrics.js';
import { createRuntime } from '../runtime/runtime.js';
import { acknowledgeDrift } from '../store/drift-log.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import { collectingSink, memorySource } from '../testing/index.js';
import { parseMapping } from './load.js';
import { mappingStep } from './step.js';

const DOC = parseMapping(
  '- { source: id, target: id, transform: id }\n- { source: zip, target: zip, transform: string }',
  {
    file: 'emp.yaml',
  },
);

describe('schema drift as Prometheus metrics', () => {
  it('counts drift events by kind and exports the drift state as a gauge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-drift-metrics-'));
    const store = await openSqliteStore({ path: join(dir, 'state.db') });
    try {
      const metrics = new PatchbayMetrics();
      const rows = [
        { id: '1', zip: '10115' },
        { id: '2', zip: 10117, extra: true },
        { id: '3', zip: 10117, extra: false },
      ];
      const def = defineIntegration({
        id: 'employees',
        owner: 'hr',
        pattern: 'sql-extract',
        trigger: { type: 'manual' },
        source: memorySource({
          batches: rows.map((data, i) => ({ items: [{ key: `E-${i}`, data }] })),
        }),
        steps: [mappingStep(DOC, { drift: 'alert' })],
        sink: collectingSink(),
        concurrency: 1,
      });
      const runtime = await createRuntime({ integrations: [def], store, metrics });
      expect((await runtime.run('employees')).status).toBe('succeeded');
      applyStatusGauges(metrics, await runtime.status());

      const scrape = await metrics.prometheus();
      // The alert policy learns the new shape: each change is counted once.
      expect(scrape).toContain(
        'patchbay_integration_drift_events_total{integration="employees",kind="added"} 1',
      );
      expect(scrape).toContain(
        'patchbay_integration_drift_events_total{integration="employees",kind="retyped"} 1',
      );
      expect(scrape).toContain('patchbay_integration_schema_drift{integration="employees"} 1');
      expect(metrics.snapshot()).toMatchObject({
        'integration.employees.drift_events_total.added': 1,
        'integration.employees.schema_drift': 1,
      });

      await acknowledgeDrift(store.cache, 'employees', Date.now());
      applyStatusGauges(metrics, await runtime.status());
      expect(await metrics.prometheus()).toContain(
        'patchbay_integration_schema_drift{integration="employees"} 0',
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
