// Two integrations with the same id: the project must not load.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineProject } from '../../../../runtime/project.js';
import { fixtureOrders } from '../../projects.js';

const dir = join(tmpdir(), 'patchbay-invalid-fixture');
export default defineProject({
  integrations: [fixtureOrders({ dir }), fixtureOrders({ dir })],
  admin: false,
});
