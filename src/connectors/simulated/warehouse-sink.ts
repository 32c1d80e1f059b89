/**
 * A simulated warehouse: an idempotent sink that upserts records by their
 * idempotency key into a JSON file, with injected transient failures and a
 * validation rule, so tutorials can show retries, dead letters and replays
 * adding no duplicates.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineConnector, type SinkRecord, type SinkSession } from '../../core/connector.js';
import { httpError } from '../../core/classify.js';
import { seededRandom } from '../../policies/backoff.js';

const config = z
  .object({
    file: z
      .string()
      .min(1)
      .meta({
        description: 'JSON file holding the warehouse contents',
        examples: ['.patchbay/warehouse.json'],
      }),
    failureRate: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .meta({ description: 'Share of writes answered with 503', advanced: true }),
    requireField: z
      .string()
      .optional()
      .meta({ description: 'Records without this field are rejected with 422', advanced: true }),
    seed: z.number().int().default(2).meta({ advanced: true }),
  })
  .strict();

async function load(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/**
 * Reads the simulated warehouse's contents, keyed by idempotency key.
 *
 * @example
 * ```ts
 * const rows = await readWarehouse('.patchbay/warehouse.json');
 * ```
 */
export function readWarehouse(file: string): Promise<Record<string, unknown>> {
  return load(file);
}

/**
 * The simulated warehouse sink. Requires an idempotency key on every record.
 *
 * @example
 * ```ts
 * sink: simulatedWarehouse({ file: '.patchbay/warehouse.json', failureRate: 0.1, requireField: 'customerId' })
 * ```
 */
export const simulatedWarehouse = defineConnector({
  kind: 'simulated-warehouse',
  title: 'Simulated warehouse',
  description: 'A built-in idempotent sink that upserts into a JSON file. Not a real system.',
  direction: 'sink',
  config,
  capabilities: {
    ack: 'none',
    checkpoint: 'none',
    replay: 'none',
    idempotentWrites: true,
    connectionTest: true,
  },
  async connect(cfg): Promise<SinkSession> {
    const random = seededRandom(cfg.seed);
    await mkdir(dirname(cfg.file), { recursive: true });
    // Batches are written concurrently; the file is read-modify-written, so writes take turns.
    let turn: Promise<unknown> = Promise.resolve();
    const upsert = async (records: SinkRecord[]) => {
      const contents = await load(cfg.file);
      for (const r of records) contents[r.idempotencyKey as string] = r.data;
      const tmp = `${cfg.file}.${process.pid}.${randomUUID()}.tmp`;
      await writeFile(tmp, JSON.stringify(contents));
      await rename(tmp, cfg.file);
    };
    return {
      async write(records) {
        if (random() < cfg.failureRate) throw httpError(503, 'PUT /warehouse/orders');
        for (const r of records) {
          if (!r.idempotencyKey) throw httpError(422, 'PUT /warehouse/orders (no idempotency key)');
          const value = (r.data ?? {}) as Record<string, unknown>;
          if (
            cfg.requireField &&
            (value[cfg.requireField] === undefined || value[cfg.requireField] === null)
          ) {
            throw httpError(422, `PUT /warehouse/orders (missing ${cfg.requireField})`, {
              details: { key: r.idempotencyKey },
            });
          }
        }
        const mine = turn.then(() => upsert(records));
        turn = mine.catch(() => undefined);
        await mine;
      },
      async check() {
        return { ok: true, detail: `writes to ${cfg.file}` };
      },
      async close() {},
    };
  },
});
