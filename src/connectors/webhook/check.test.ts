import { afterEach, describe, expect, it } from 'vitest';
import { checkIntegration } from '../../check/index.js';
import { prepareIntegration } from '../../runtime/prepare.js';
import { collectingSink } from '../../testing/index.js';
import { acceptsUnsigned } from './config.js';
import { post, startHarness, webhookIntegration, type Harness } from './__fixtures__/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const unsigned = () =>
  webhookIntegration(
    { sink: collectingSink() },
    { signature: { scheme: 'none', acceptUnsigned: true } },
  );

describe('the unsigned opt-out', () => {
  it('accepts unsigned requests, recorded as unverified', async () => {
    h = await startHarness({ integrations: [unsigned()], process: false });
    const res = await post(h.url(), {
      headers: { 'content-type': 'application/json' },
      body: '{"id":"x"}',
    });
    expect(res.status).toBe(200);
    const item = await h.store.inbox.get('1');
    expect(item?.meta).toMatchObject({ scheme: 'none', verified: false });
  });

  it('is flagged by patchbay check, and a signed receiver is not', () => {
    const flagged = checkIntegration(prepareIntegration(unsigned()));
    const auth = flagged.items.find((i) => i.id === 'auth');
    expect(auth).toMatchObject({ status: 'warn' });
    expect(auth?.reason).toMatch(/unsigned/);
    const signed = webhookIntegration({ sink: collectingSink() });
    const ok = checkIntegration(prepareIntegration(signed)).items.find((i) => i.id === 'auth');
    expect(ok?.status).toBe('pass');
    expect(acceptsUnsigned(prepareIntegration(unsigned()).source.config)).toBe(true);
  });
});
