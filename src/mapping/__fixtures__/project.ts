/**
 * A project for CLI tests of the reject ledger: employees mapped by the
 * document `employee.yaml` in the project folder, written to `out.jsonl`.
 * Rewriting the document between commands is how a test "fixes" a mapping.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineIntegration } from '../../core/integration.js';
import { defineProject, type ProjectOptions } from '../../runtime/project.js';
import { memorySource } from '../../testing/index.js';
import { mappingStep } from '../step.js';

/**
 * The employees the source yields: E-2 and E-4 come from France.
 *
 * @example
 * ```ts
 * EMPLOYEES.length; // 5
 * ```
 */
export const EMPLOYEES = [1, 2, 3, 4, 5].map((n) => ({
  id: `00${n}`,
  country: n % 2 === 0 ? 'FR' : 'DE',
  ssn: `99900000${n}`,
}));

/**
 * The mapping document; `withFrance` is the fix.
 *
 * @example
 * ```ts
 * writeFileSync(join(dir, 'employee.yaml'), employeeYaml(true));
 * ```
 */
export function employeeYaml(withFrance: boolean, sensitive = true): string {
  const table = withFrance ? '{ DE: Germany, FR: France }' : '{ DE: Germany }';
  return `name: employee
fields:
  - { source: id, target: id, transform: id, required: true }
  - { source: country, target: country, transform: lookup, table: ${table} }
  - { source: ssn, target: tax_id, transform: id, sensitive: ${sensitive} }
`;
}

/**
 * The fixture project rooted at `dir`.
 *
 * @example
 * ```ts
 * export default rejectsProject({ dir: '/tmp/x' });
 * ```
 */
export function rejectsProject(o: { dir: string }): ProjectOptions {
  return defineProject({
    name: 'rejects-fixture',
    integrations: [
      defineIntegration({
        id: 'employees',
        owner: 'hr',
        pattern: 'sql-extract',
        trigger: { type: 'manual' },
        source: memorySource({
          batches: [
            {
              items: EMPLOYEES.map((data) => ({ key: `E-${Number(data.id)}`, data })),
              checkpoint: { kind: 'offset', value: EMPLOYEES.length },
            },
          ],
        }),
        steps: [mappingStep(join(o.dir, 'employee.yaml'))],
        sink: {
          name: 'out-file',
          idempotent: true,
          async write(records) {
            for (const r of records)
              appendFileSync(join(o.dir, 'out.jsonl'), `${JSON.stringify(r.data)}\n`);
          },
        },
        idempotencyKey: { fields: ['id'] },
      }),
    ],
    store: { path: join(o.dir, 'state.db') },
    admin: false,
    logLevel: 'warn',
  });
}
