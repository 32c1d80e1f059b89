import { describe, expect, it } from 'vitest';
import { defineIntegration } from '../core/integration.js';
import { httpPoll } from '../connectors/http/index.js';
import { prepareIntegration } from '../runtime/prepare.js';
import { checkReplay } from './items.js';

function replayItem(pagination: Parameters<typeof httpPoll>[0]['pagination']) {
  const integration = defineIntegration({
    id: 'loads',
    owner: 'integrations',
    pattern: 'rest-poll',
    trigger: { type: 'manual' },
    source: httpPoll({ url: 'https://api.example.com/v1/loads', recordsPath: 'data', pagination }),
    sink: { name: 'noop', idempotent: true, write: async () => undefined },
  });
  return checkReplay(prepareIntegration(integration));
}

describe('patchbay check on http-poll pagination', () => {
  it('warns that offset pagination breaks on concurrent writes, with a fix', () => {
    const item = replayItem({ type: 'offset', limit: 100 });
    expect(item.status).toBe('warn');
    expect(item.reason).toMatch(/offset-based, which skips or repeats records/);
    expect(item.fix).toMatch(/cursor/);
  });

  it('passes cursor pagination', () => {
    const item = replayItem({ type: 'cursor', cursorPath: 'meta.next', param: 'cursor' });
    expect(item.status).toBe('pass');
  });
});
