/**
 * Small connectors for CLI tests: a source whose replay mode is chosen by
 * the test (to exercise `replay` refusals and date ranges).
 */
import { z } from 'zod';
import { defineConnector, type ReplayMode, type SourceSession } from '../../core/connector.js';
import { secretRef } from '../../core/secrets/schema.js';

/**
 * A source of `count` numbered items; replays report the range they were given.
 *
 * @example
 * ```ts
 * source: ticks({ count: 3, replay: 'none' })
 * ```
 */
export function ticks(options: { count: number; replay: ReplayMode }) {
  const connector = defineConnector({
    kind: `ticks-${options.replay}`,
    title: 'Ticks',
    description: 'Numbered items for tests',
    direction: 'source',
    config: z.object({ count: z.number().int().positive() }).strict(),
    capabilities: {
      ack: 'none',
      checkpoint: options.replay === 'none' ? 'none' : 'watermark',
      replay: options.replay,
      idempotentWrites: false,
      connectionTest: false,
    },
    async connect(cfg): Promise<SourceSession> {
      return {
        async *read(ctx) {
          const items = Array.from({ length: cfg.count }, (_, i) => ({
            key: `t${i + 1}`,
            data: { n: i + 1, range: ctx.range ?? null },
          }));
          yield { items };
        },
        async close() {},
      };
    },
  });
  return connector({ count: options.count });
}

/**
 * A source that authenticates with a token held by secret reference and
 * replays by time range; it never connects anywhere.
 *
 * @example
 * ```ts
 * source: tokenApi({ url: 'https://gps.example.com', token: 'env:GPS_TOKEN' })
 * ```
 */
export const tokenApi = defineConnector({
  kind: 'token-api',
  title: 'Token API (fixture)',
  description: 'A source authenticated by a token reference',
  direction: 'source',
  config: z
    .object({
      url: z.string().url(),
      token: secretRef('API token'),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
  capabilities: {
    ack: 'none',
    checkpoint: 'watermark',
    replay: 'time-range',
    idempotentWrites: false,
    connectionTest: true,
  },
  async connect(): Promise<SourceSession> {
    return {
      async *read() {},
      async check() {
        return { ok: true, detail: 'token accepted' };
      },
      async close() {},
    };
  },
});
